"""The shipped stacks end to end under mocks: each stage's outputs are what the next stage receives."""

from __future__ import annotations

import dataclasses
import json

import pytest

from components.platform.cluster import PlatformResilience
from components.platform.database import DatabaseResilience
from components.stages import Resilience, build_stages
from configuration.loader import SECRET, load_stack
from configuration.parser import ConfigError
from configuration.schema import Cloud
from configuration.validation import PLATFORM_REQUIRED
from tools.plan import plan_stack, run_program

DYNAMIC = "pulumi-python:dynamic/polaris:"


@pytest.fixture(scope="module")
def dev():
    return plan_stack("dev")


@pytest.fixture(scope="module")
def prod():
    return plan_stack("prod")


def only(plan, type_):
    [resource] = plan.of_type(type_)
    return resource


def test_dev_plan_shows_all_three_clouds(dev):
    types = {r.type for r in dev.resources}
    assert {
        "aws:iam/role:Role",
        "gcp:serviceaccount/account:Account",
        "azuread:index/application:Application",
        "azure-native:storage:StorageAccount",
        "eks:index:Cluster",
    } <= types


def test_vending_roles_trust_the_platform_server_role(prod):
    server_role = prod.outputs["polarisServerRoleArn"]
    vending_roles = [r for r in prod.of_type("aws:iam/role:Role") if "vending" in r.name]
    assert len(vending_roles) == 2
    for role in vending_roles:
        assert role.inputs["assumeRolePolicy"] == SECRET  # it carries the external id
        trust = json.loads(role.unmasked_inputs["assumeRolePolicy"])
        assert {s["Principal"]["AWS"] for s in trust["Statement"]} == {server_role}


def test_server_role_may_assume_exactly_the_vending_roles(prod):
    policy = json.loads(
        next(
            r
            for r in prod.of_type("aws:iam/rolePolicy:RolePolicy")
            if r.parent == prod.named("polaris-vending-access").urn
        ).inputs["policy"]
    )
    resources = {arn for s in policy["Statement"] for arn in s["Resource"]}
    assert resources == {o["roleArn"] for o in prod.outputs["dataOwners"].values() if o["cloud"] == "aws"}


def test_kubernetes_service_account_carries_the_server_role(dev):
    account = only(dev, "kubernetes:core/v1:ServiceAccount")
    assert (
        account.inputs["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == dev.outputs["polarisServerRoleArn"]
    )


def test_federation_trusts_the_cluster_issuer(dev):
    issuer = dev.outputs["oidcIssuerUrl"]
    gcp = only(dev, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")
    azure = only(dev, "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential")
    assert gcp.inputs["oidc"]["issuerUri"] == issuer
    assert azure.inputs["issuer"] == issuer


def test_catalog_storage_comes_from_each_owners_vending_identity(dev):
    catalogs = {r.inputs["name"]: r.inputs["storageConfigInfo"] for r in dev.of_type(DYNAMIC + "Catalog")}
    owners = dev.outputs["dataOwners"]
    assert catalogs["acme_sales"]["roleArn"] == owners["acme"]["roleArn"]
    assert catalogs["acme_sales"]["externalId"] == SECRET
    assert catalogs["globex_research"]["gcsServiceAccount"] == owners["globex"]["serviceAccount"]
    assert catalogs["initech_finance"]["tenantId"] == owners["initech"]["tenantId"]
    assert catalogs["initech_finance"]["allowedLocations"] == owners["initech"]["allowedLocations"]


def test_polaris_resources_wait_for_the_server(dev):
    server = {dev.named("polaris").urn} | {r.urn for r in dev.descendants("polaris")}
    assert server & set(dev.named("polaris-access").dependencies)


def test_prod_has_a_database_a_bootstrap_job_and_several_replicas(prod):
    assert only(prod, "aws:rds/instance:Instance").inputs["deletionProtection"] is True
    assert prod.of_type("kubernetes:batch/v1:Job")
    assert only(prod, "kubernetes:apps/v1:Deployment").inputs["spec"]["replicas"] >= 2
    service = only(prod, "kubernetes:core/v1:Service").inputs["spec"]
    # The partners, then the platform's own NAT addresses: the CI runners inside the VPC leave through them.
    nat_addresses = [f"{nat.state['publicIp']}/32" for nat in prod.of_type("aws:ec2/natGateway:NatGateway")]
    assert len(nat_addresses) == 3
    ranges = service["loadBalancerSourceRanges"]
    assert ranges[:2] == ["198.51.100.0/24", "192.0.2.0/24"] and sorted(ranges[2:]) == sorted(nat_addresses)
    cluster = only(prod, "eks:index:Cluster").inputs
    assert cluster["endpointPublicAccess"] is False and cluster["endpointPrivateAccess"] is True


def test_production_is_decided_at_the_edge_into_concrete_choices():
    assert Resilience.of(production=True) == Resilience(
        platform=PlatformResilience(nat_per_zone=True, deletion_protection=True),
        database=DatabaseResilience(deletion_protection=True, final_snapshot=True),
    )
    assert Resilience.of(production=False) == Resilience(
        platform=PlatformResilience(nat_per_zone=False, deletion_protection=False),
        database=DatabaseResilience(deletion_protection=False, final_snapshot=False),
    )


def test_the_shipped_stacks_get_their_stages_choices(dev, prod):
    """prod (``production: true``, three zones) and dev (two zones) as the components render the choices."""
    assert len(prod.of_type("aws:ec2/natGateway:NatGateway")) == 3
    assert len(dev.of_type("aws:ec2/natGateway:NatGateway")) == 1
    assert only(prod, "eks:index:Cluster").inputs["deletionProtection"] is True
    assert only(dev, "eks:index:Cluster").inputs["deletionProtection"] is False
    database = only(prod, "aws:rds/instance:Instance").inputs
    assert (database["skipFinalSnapshot"], database["finalSnapshotIdentifier"]) == (False, "polaris-db-final")


def test_dev_is_in_memory_with_one_replica_and_no_database(dev):
    assert not dev.of_type("aws:rds/instance:Instance") and not dev.of_type("kubernetes:batch/v1:Job")
    assert only(dev, "kubernetes:apps/v1:Deployment").inputs["spec"]["replicas"] == 1


def test_credentials_are_exported_only_as_secrets(prod):
    outputs = prod.outputs
    assert outputs["polarisAdminClientSecret"] == SECRET and outputs["kubeconfig"] == SECRET
    assert set(outputs["clientConfigurations"].values()) == {SECRET}
    assert all(o.get("externalId", SECRET) == SECRET for o in outputs["dataOwners"].values())


def test_no_plaintext_secret_anywhere_in_the_plan(prod):
    """The mocks' generated secrets (principal secrets, passwords, external ids) never appear in the plan."""
    document = json.dumps(prod.to_json())
    for resource in prod.of_type(DYNAMIC + "Principal"):
        assert resource.state["clientSecret"] == SECRET
    for resource in prod.of_type("random:index/randomPassword:RandomPassword"):
        assert resource.state["result"] == SECRET
    assert "secret" + "contoso" not in document


@pytest.mark.parametrize(
    "type_",
    [
        "aws:s3/bucket:Bucket",
        "gcp:storage/bucket:Bucket",
        "azure-native:storage:StorageAccount",
        "azure-native:storage:BlobContainer",
    ],
)
def test_owners_data_stores_survive_destroy(dev, type_):
    stores = dev.of_type(type_)
    assert stores and all(r.retain_on_delete for r in stores)


def test_polaris_waits_for_the_cluster_addons(prod):
    addons = {prod.named("platform-vpc-cni").urn}
    deployment = only(prod, "kubernetes:apps/v1:Deployment")
    server = prod.named("polaris")
    assert addons & set(server.dependencies) or addons & set(deployment.dependencies)


def test_cluster_viewers_get_read_only_access_entries(prod, dev):
    entries = only(prod, "eks:index:Cluster").inputs["accessEntries"]
    assert [e["principalArn"] for e in entries.values()] == ["arn:aws:iam::111111111111:role/polaris-ci-preview"]
    for entry in entries.values():
        assert {p["policyArn"].rsplit("/", 1)[1] for p in entry["accessPolicies"].values()} == {
            "AmazonEKSAdminViewPolicy"
        }
    assert not only(dev, "eks:index:Cluster").inputs.get("accessEntries")


def polaris_session_kms_statement(storage: dict, can_write: bool) -> dict | None:
    """The KMS statement Polaris 1.7.0 adds to a vended session's policy (AwsCredentialsStorageIntegration
    .addKmsKeyPolicy): the configured keys; with none, read sessions get every key of the account, write
    sessions nothing."""
    keys = ([storage["currentKmsKey"]] if storage.get("currentKmsKey") else []) + storage.get("allowedKmsKeys", [])
    actions = ["kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey"]
    actions += ["kms:Encrypt"] if can_write else []
    if keys:
        return {"Effect": "Allow", "Action": actions, "Resource": keys}
    if can_write:
        return None
    account, region = storage["roleArn"].split(":")[4], storage["region"]
    return {"Effect": "Allow", "Action": actions, "Resource": [f"arn:aws:kms:{region}:{account}:key/*"]}


def test_writes_on_kms_encrypted_buckets_get_the_key_from_polaris_and_the_role(prod):
    """Without `currentKmsKey` Polaris 1.7.0 vends write sessions no KMS permission: every write under SSE-KMS
    (Polaris' own metadata writes too) is denied. With it, the session names the key, and the vending role
    grants every KMS action the session asks for."""
    config = load_stack("prod")
    keys = {o.name: o.aws.kms_key_arn for o in config.owners_on(Cloud.AWS)}
    assert any(keys.values()) and not all(keys.values())  # prod has owners with and without a key
    catalogs = {r.inputs["name"]: r.inputs["storageConfigInfo"] for r in prod.of_type(DYNAMIC + "Catalog")}
    for catalog in config.catalogs:
        if catalog.data_owner not in keys:
            continue
        storage, key = catalogs[catalog.name], keys[catalog.data_owner]
        assert (storage.get("currentKmsKey"), storage.get("allowedKmsKeys")) == ((key, [key]) if key else (None, None))
        session = polaris_session_kms_statement(storage, can_write=True)
        if key is None:
            assert session is None  # SSE-S3: no key involved
            continue
        assert session["Resource"] == [key, key]
        role_policy = json.loads(prod.named(f"aws-{catalog.data_owner}-vending-access").inputs["policy"])
        granted = {a for s in role_policy["Statement"] if s["Resource"] == key for a in s["Action"]}
        assert set(session["Action"]) <= granted, catalog.name


# -- rollouts fit the node group ---------------------------------------------------------------------------

INSTANCE_TYPES = {  # vCPU, memory MiB, ENIs, IPv4 addresses per ENI (EC2 instance types, "Network specifications")
    "m6i.large": (2, 8192, 3, 10),
    "m6i.xlarge": (4, 16384, 4, 15),
    "m6i.2xlarge": (8, 32768, 4, 15),
}
SYSTEM_DAEMONS = {"aws-node": (25, 0), "kube-proxy": (100, 0)}
"""Requests (millicores, MiB) of the DaemonSets on every node: the vpc-cni and kube-proxy add-ons."""
SYSTEM_PODS = [("coredns", 100, 70)] * 2
"""Cluster pods that land on the same nodes (EKS' CoreDNS: two replicas, 100m and 70Mi each)."""


def allocatable(instance_type: str) -> tuple[int, int]:
    """(millicores, MiB) a node offers pods, as the EKS AL2023 AMI reserves it (amazon-eks-ami, nodeadm
    kubelet defaults): max pods = ENIs x (IPs per ENI - 1) + 2; kube-reserved CPU 6% of the first core, 1% of
    the second, 0.5% of the third and fourth, 0.25% of the rest; kube-reserved memory 255Mi + 11Mi per max
    pod; eviction threshold 100Mi."""
    vcpu, memory, enis, ips = INSTANCE_TYPES[instance_type]
    max_pods = enis * (ips - 1) + 2
    shares = [0.06, 0.01, 0.005, 0.005] + [0.0025] * max(0, vcpu - 4)
    reserved_cpu = sum(share * 1000 for share in shares[:vcpu])
    return int(vcpu * 1000 - reserved_cpu), memory - (255 + 11 * max_pods) - 100


def quantity(text: str, unit: str) -> int:
    """A Kubernetes quantity in millicores (cpu) or MiB (memory)."""
    if unit == "cpu":
        return int(text[:-1]) if text.endswith("m") else int(float(text) * 1000)
    factors = {"Gi": 1024, "Mi": 1, "G": 1000**3 / 1024**2, "M": 1000**2 / 1024**2}
    suffix = next(s for s in factors if text.endswith(s))
    return int(float(text[: -len(suffix)]) * factors[suffix])


def rollout_completes(nodes: int, free: tuple[int, int], pod: tuple[int, int], replicas: int, strategy: dict) -> bool:
    """Simulates a Deployment's rolling update on ``nodes`` identical nodes (no autoscaler), as the controller
    steps: scale the old pods down while at least replicas - maxUnavailable pods stay (placed pods are ready),
    then place new ones while pods <= replicas + maxSurge; stuck when a step places nothing."""
    if strategy["type"] == "Recreate":
        return replicas * pod[0] <= nodes * free[0]  # all old pods go first
    surge, unavailable = (int(strategy["rollingUpdate"][k]) for k in ("maxSurge", "maxUnavailable"))
    room = [list(free) for _ in range(nodes)]
    placed: list[list[int]] = [[] for _ in range(nodes)]

    def place(kind: str) -> bool:
        for index in sorted(range(nodes), key=lambda i: len(placed[i])):  # spread over nodes
            if room[index][0] >= pod[0] and room[index][1] >= pod[1]:
                room[index][0] -= pod[0]
                room[index][1] -= pod[1]
                placed[index].append(kind)
                return True
        return False

    assert all(place("old") for _ in range(replicas)), "the replicas do not fit the node group at all"
    while any("old" in p for p in placed):
        progress = False
        for _ in range(sum(len(p) for p in placed) - (replicas - unavailable)):
            index = next((i for i, p in enumerate(placed) if "old" in p), None)
            if index is not None:
                progress = True
                placed[index].remove("old")
                room[index][0] += pod[0]
                room[index][1] += pod[1]
        while sum(len(p) for p in placed) < replicas + surge and sum(p.count("new") for p in placed) < replicas:
            if not place("new"):
                break
            progress = True
        if not progress:
            return False
    return True


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_second_up_can_roll_the_deployment_on_the_node_group(stack, request):
    """Prod's replicas request 2 CPU on three 4-vCPU nodes: one per node, so a surge pod would never schedule
    and the rollout would time out. The strategy must complete on the node group as sized, at its minimum."""
    config = load_stack(stack)
    group = config.platform.node_group
    free_cpu, free_memory = min(allocatable(t) for t in group.instance_types)
    free_cpu -= sum(cpu for cpu, _ in SYSTEM_DAEMONS.values())
    free_memory -= sum(memory for _, memory in SYSTEM_DAEMONS.values())
    system_cpu, system_memory = sum(p[1] for p in SYSTEM_PODS), sum(p[2] for p in SYSTEM_PODS)
    free = (free_cpu - -(-system_cpu // group.min_size), free_memory - -(-system_memory // group.min_size))
    deployment = only(request.getfixturevalue(stack), "kubernetes:apps/v1:Deployment").inputs["spec"]
    [container] = deployment["template"]["spec"]["containers"]
    requests = container["resources"]["requests"]
    pod = (quantity(requests["cpu"], "cpu"), quantity(requests["memory"], "memory"))
    # (numbers cross the engine as floats)
    assert rollout_completes(group.min_size, free, pod, int(deployment["replicas"]), deployment["strategy"])


def test_the_rollout_model_refuses_a_surge_without_room():
    free = allocatable("m6i.xlarge")
    assert free == (3920, 16384 - (255 + 11 * 58) - 100)
    surge = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    in_place = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert not rollout_completes(3, free, (2000, 4096), 3, surge)
    assert rollout_completes(3, free, (2000, 4096), 3, in_place)
    assert rollout_completes(3, free, (1000, 2048), 3, surge)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_gcp_apis_the_program_relies_on_are_enabled_before_anything_uses_them(stack, request):
    """IAM, IAM Credentials, STS and Cloud Storage must be on in the projects (a fresh owner project has only
    some of them): enabled as code, left on at destroy, and every GCP provider of the program waits for them."""
    plan = request.getfixturevalue(stack)
    services = {r.urn: r.inputs for r in plan.of_type("gcp:projects/service:Service")}
    enabled: dict[str, set[str]] = {}
    for inputs in services.values():
        enabled.setdefault(inputs["project"], set()).add(inputs["service"])
        assert inputs["disableOnDestroy"] is False
    config = load_stack(stack)
    assert set(enabled) == {config.gcp_identity_project()} | {o.gcp.project for o in config.owners_on(Cloud.GCP)}
    for project, apis in enabled.items():
        assert {"iam.googleapis.com", "iamcredentials.googleapis.com", "storage.googleapis.com"} <= apis, project
    assert "sts.googleapis.com" in enabled[config.gcp_identity_project()]
    providers = [p for p in plan.of_type("pulumi:providers:gcp") if not p.name.startswith("gcp-apis-")]
    assert providers
    for provider in providers:
        needed = {urn for urn, inputs in services.items() if inputs["project"] == provider.inputs["project"]}
        assert needed and needed <= set(provider.dependencies), provider.name


def test_an_internal_polaris_is_reached_through_a_port_forward_with_the_cluster_kubeconfig(dev, prod):
    catalog = next(r for r in dev.resources if r.type == DYNAMIC + "Catalog")
    connection = catalog.unmasked_inputs["connection"]
    assert connection["endpoint"] == dev.outputs["polarisUrl"]
    tunnel = connection["tunnel"]
    assert tunnel["namespace"] == "polaris" and tunnel["port"] == 8181
    assert tunnel["podSelector"] == "app.kubernetes.io/component=server,app.kubernetes.io/name=polaris"
    kubeconfig = json.loads(tunnel["kubeconfig"])
    assert "exec" in kubeconfig["users"][0]["user"], "the exec plugin, never an inline token"
    prod_catalog = next(r for r in prod.resources if r.type == DYNAMIC + "Catalog")
    assert "tunnel" not in prod_catalog.unmasked_inputs["connection"], "a load balancer needs no tunnel"


def test_the_stages_refuse_what_validation_would_have_refused_with_the_same_words():
    """A caller that skips validation (a hand-built StackConfig) gets validation's own error, not an AttributeError."""
    unvalidated = dataclasses.replace(load_stack("dev"), platform=None)
    with pytest.raises(ConfigError) as refused:
        run_program(lambda: build_stages(unvalidated), stack="dev")
    assert f"platform: None — expected {PLATFORM_REQUIRED}" in str(refused.value)
