"""Polaris on Kubernetes under mocks: prod-like (postgres, 3 replicas, TLS load balancer; keyless and
static-secret) and dev-like (in memory, 1 replica, internal) servers, every object checked against the
Kubernetes 1.33 schema, and no secret value anywhere in plain text."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

import kubernetes_validate
import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.azure import AZURE_TOKEN_AUDIENCE, AZURE_TOKEN_PATH, AzureWorkloadAccess
from components.gcp import GCP_CREDENTIALS_PATH, GCP_TOKEN_PATH, GcpWorkloadAccess
from components.images import recorded_digest
from components.kubernetes import (
    PolarisServer,
    PolarisServerArgs,
    application_properties,
    problems,
    rollout_strategy,
)
from components.platform.database import DatabaseConnection
from configuration.loader import SECRET
from configuration.schema import CredentialMode, Exposure, Persistence, PodResourcesConfig, PolarisConfig
from tools.mocks import RealisticMocks
from tools.mocks.registry import unwrap
from tools.plan import Plan, PlannedResource, run_program
from tools.recording import RecordingMonitor

KUBERNETES_VERSION = "1.33"  # platform.kubernetesVersion
ROLE_ARN = "arn:aws:iam::111111111111:role/polaris-server"
CERTIFICATE = "arn:aws:acm:eu-west-1:111111111111:certificate/8f2c1d7e-1111-4222-8333-944445555666"
PARTNERS = ("198.51.100.0/24", "192.0.2.0/24")
GCP_AUDIENCE = (
    "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/polaris-ab12/providers/eks-oidc"
)
GCP_CONFIGURATION = json.dumps({"type": "external_account", "audience": GCP_AUDIENCE})
DB_PASSWORD = "db-password-in-plain-text-0042"
AZURE_PASSWORD = "azure~password-in-plain-text-0042"
PKCS8_MARK = "PKCS8"
FILE_PATHS = {"GOOGLE_APPLICATION_CREDENTIALS"}
"""Variables named like credentials that hold the path of a keyless configuration file."""


DATABASE = DatabaseConnection(
    "jdbc:postgresql://polaris.abc.eu-west-1.rds.amazonaws.com:5432/polaris", "polaris", DB_PASSWORD
)
PROD = PolarisConfig(
    replicas=3,
    persistence=Persistence.POSTGRES,
    exposure=Exposure.LOAD_BALANCER,
    tls_certificate_arn=CERTIFICATE,
    session_tags=True,
    features={"STORAGE_CREDENTIAL_DURATION_SECONDS": 1800},
    resources=PodResourcesConfig(cpu_request="2", memory_request="4Gi", cpu_limit="4", memory_limit="8Gi"),
)
PROD_ARGS = PolarisServerArgs(
    polaris=PROD,
    server_role_arn=ROLE_ARN,
    allowed_cidrs=PARTNERS,
    database=DATABASE,
    gcp=GcpWorkloadAccess(GCP_AUDIENCE, GCP_CONFIGURATION),
    azure=AzureWorkloadAccess("app-client-id", "home-tenant", ("other-tenant",)),
    aws_region="eu-west-1",
)
STATIC_ARGS = replace(
    PROD_ARGS,
    polaris=replace(PROD, credential_mode=CredentialMode.STATIC_SECRET),
    azure=AzureWorkloadAccess("app-client-id", "home-tenant", (), client_secret=AZURE_PASSWORD),
)
DEV_ARGS = PolarisServerArgs(
    polaris=PolarisConfig(realm="DEV", remote_debug=True), server_role_arn=ROLE_ARN, allowed_cidrs=()
)

DEPLOYMENT, JOB, SECRET_TYPE = "kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:Job", "kubernetes:core/v1:Secret"
SERVICE, CONFIG_MAP = "kubernetes:core/v1:Service", "kubernetes:core/v1:ConfigMap"
API_CLIENT = "api-client"
"""A resource outside the component that uses ``api_url``, as the access stage does."""


# -- running a scenario -----------------------------------------------------------------------------------


class CapturingMocks(RealisticMocks):
    """The realistic mocks, remembering what the generators returned and what each Secret really holds.
    The PKCS#8 key differs from the traditional one so the test can tell which reached the Secret."""

    def __init__(self) -> None:
        super().__init__()
        self.generated: list[str] = []
        self.secret_data: dict[str, dict[str, str]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        id_, state = super().new_resource(args)
        if args.typ == "tls:index/privateKey:PrivateKey":
            state["privateKeyPemPkcs8"] = state["privateKeyPemPkcs8"].replace("MOCK", PKCS8_MARK)
        if args.typ.startswith(("random:", "tls:")):
            self.generated += [state[key] for key in ("result", "privateKeyPem", "privateKeyPemPkcs8") if key in state]
        if args.typ == SECRET_TYPE:
            self.secret_data[args.name] = unwrap(args.inputs)["stringData"]
        return id_, state


@dataclass
class Scenario:
    plan: Plan
    mocks: CapturingMocks
    dependencies: dict[str, list[str]] = field(default_factory=dict)

    def one(self, type_: str) -> PlannedResource:
        (found,) = self.plan.of_type(type_)
        return found

    def kubernetes(self) -> list[PlannedResource]:
        return [r for r in self.plan.descendants("polaris") if r.type.startswith("kubernetes:")]

    def pod(self, type_: str = DEPLOYMENT) -> dict[str, Any]:
        return self.one(type_).inputs["spec"]["template"]["spec"]

    def env(self, type_: str = DEPLOYMENT) -> dict[str, dict[str, Any]]:
        return {e["name"]: e for e in self.pod(type_)["containers"][0]["env"]}

    def secret_named(self, name: str) -> tuple[PlannedResource, dict[str, str]]:
        """The Secret the cluster would know as ``name``, with its real data."""
        (secret,) = [r for r in self.plan.of_type(SECRET_TYPE) if r.state["metadata"]["name"] == name]
        return secret, self.mocks.secret_data[secret.name]

    def properties(self) -> str:
        return self.plan.named("polaris-config").inputs["data"]["application.properties"]


def run(args: PolarisServerArgs, *, provider: bool = True) -> Scenario:
    """One mocked run, also recording each registration's dependencies (PlannedResource has none)."""
    mocks, dependencies = CapturingMocks(), {}
    register = RecordingMonitor.RegisterResource

    def recording(monitor, request):
        dependencies[request.name] = list(request.dependencies)
        return register(monitor, request)

    def program() -> None:
        opts = pulumi.ResourceOptions(provider=k8s.Provider("k8s", kubeconfig="{}")) if provider else None
        server = PolarisServer("polaris", args, opts)
        k8s.core.v1.ConfigMap(API_CLIENT, data={"url": server.api_url}, opts=opts)
        pulumi.export(
            "server",
            {
                "apiUrl": server.api_url,
                "adminClientId": server.admin_client_id,
                "adminClientSecret": server.admin_client_secret,
                "namespace": server.namespace,
                "serviceAccount": server.service_account,
            },
        )

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RecordingMonitor, "RegisterResource", recording)
        plan = run_program(program, stack="unit", mocks=mocks)
    return Scenario(plan, mocks, dependencies)


@pytest.fixture(scope="module")
def prod() -> Scenario:
    return run(PROD_ARGS)


@pytest.fixture(scope="module")
def static() -> Scenario:
    return run(STATIC_ARGS)


@pytest.fixture(scope="module")
def dev() -> Scenario:
    return run(DEV_ARGS)


@pytest.fixture(params=["prod", "static", "dev"])
def scenario(request) -> Scenario:
    return request.getfixturevalue(request.param)


def rendered(scenario: Scenario, resource: PlannedResource) -> dict[str, Any]:
    """The object as the API server would receive it. A Secret's stringData is masked as a whole in the plan;
    its keys come from what the mocks received, its values stay masked."""
    document = dict(resource.inputs.items())
    if document.get("stringData") == SECRET:
        document["stringData"] = dict.fromkeys(scenario.mocks.secret_data[resource.name], SECRET)
    return document


# -- every object ------------------------------------------------------------------------------------------


def test_every_kubernetes_object_uses_the_explicit_provider(scenario):
    provider = scenario.plan.named("k8s").urn
    assert len(scenario.kubernetes()) >= 9
    assert {r.provider for r in scenario.kubernetes()} == {provider}
    component = scenario.plan.named("polaris").urn
    assert {r.parent for r in scenario.plan.resources if r.name.startswith("polaris-")} == {component}


def test_objects_validate_against_the_kubernetes_schema_strictly(scenario):
    for resource in scenario.kubernetes():
        version = kubernetes_validate.validate(rendered(scenario, resource), KUBERNETES_VERSION, strict=True)
        assert version == KUBERNETES_VERSION, resource.name


def test_every_namespaced_object_lives_in_the_polaris_namespace(scenario):
    namespaced = [r for r in scenario.kubernetes() if r.type != "kubernetes:core/v1:Namespace"]
    assert {r.inputs["metadata"]["namespace"] for r in namespaced} == {"polaris"}


def test_namespace_enforces_the_restricted_pod_security_standard(prod):
    labels = prod.plan.named("polaris-namespace").inputs["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_service_account_carries_the_irsa_role(prod):
    account = prod.plan.named("polaris-service-account").inputs
    assert account["metadata"]["name"] == "polaris"
    assert account["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": ROLE_ARN,
        "eks.amazonaws.com/sts-regional-endpoints": "true",
    }
    assert prod.pod()["serviceAccountName"] == "polaris"


def test_api_users_wait_for_the_ready_server(scenario):
    assert scenario.one(DEPLOYMENT).urn in scenario.dependencies[API_CLIENT]


def test_component_outputs(prod, dev):
    assert prod.plan.outputs["server"] == {
        "apiUrl": "https://" + prod.one(SERVICE).state["status"]["loadBalancer"]["ingress"][0]["hostname"],
        "adminClientId": SECRET,
        "adminClientSecret": SECRET,
        "namespace": "polaris",
        "serviceAccount": "polaris",
    }
    assert dev.plan.outputs["server"]["apiUrl"] == "http://polaris.polaris.svc.cluster.local:8181"


# -- secrets -----------------------------------------------------------------------------------------------


def test_no_secret_value_appears_in_plain_text_anywhere(scenario):
    secrets = [*scenario.mocks.generated, DB_PASSWORD, AZURE_PASSWORD]
    assert len(scenario.mocks.generated) >= 4  # client id, client secret, both private key forms
    everything = json.dumps([[r.inputs, r.state] for r in scenario.plan.resources] + [scenario.plan.outputs])
    assert not [value for value in secrets if value in everything]


def test_environment_never_carries_a_literal_secret(scenario):
    secrets = [*scenario.mocks.generated, DB_PASSWORD, AZURE_PASSWORD]
    workloads = [r for r in scenario.kubernetes() if r.type in (DEPLOYMENT, JOB)]
    for workload in workloads:
        for env in workload.inputs["spec"]["template"]["spec"]["containers"][0]["env"]:
            if re.search(r"SECRET|PASSWORD|CREDENTIALS$", env["name"]) and env["name"] not in FILE_PATHS:
                assert set(env) == {"name", "valueFrom"} and "secretKeyRef" in env["valueFrom"], env["name"]
            assert not any(value in json.dumps(env) for value in secrets), env["name"]


def test_every_secret_reference_resolves_to_a_secret_key(scenario):
    references = [
        env["valueFrom"]["secretKeyRef"]
        for type_ in (DEPLOYMENT, JOB)
        for r in scenario.plan.of_type(type_)
        for env in r.inputs["spec"]["template"]["spec"]["containers"][0]["env"]
        if "valueFrom" in env
    ]
    assert references
    for reference in references:
        assert reference["key"] in scenario.secret_named(reference["name"])[1]


def test_root_credentials_are_generated_and_form_the_bootstrap_triple(dev):
    for generator in ("polaris-root-client-id", "polaris-root-client-secret"):
        # ',' and ';' separate the triple and the realms
        assert dev.plan.named(generator).inputs["special"] is False
    _, data = dev.secret_named(dev.env()["POLARIS_BOOTSTRAP_CREDENTIALS"]["valueFrom"]["secretKeyRef"]["name"])
    assert data["client-id"] in dev.mocks.generated and data["client-secret"] in dev.mocks.generated
    assert data["client-id"] != data["client-secret"]
    assert data["credentials"] == f"DEV,{data['client-id']},{data['client-secret']}"


def test_every_replica_signs_tokens_with_one_shared_rsa_key_pair(prod):
    key = prod.plan.named("polaris-token-broker-key")
    assert key.inputs["algorithm"] == "RSA"
    volume = next(v for v in prod.pod()["volumes"] if v["name"] == "token-broker")
    _, data = prod.secret_named(volume["secret"]["secretName"])
    assert data["private.pem"].startswith("-----BEGIN PRIVATE KEY-----\n" + PKCS8_MARK)  # Polaris reads PKCS#8
    assert data["public.pem"].startswith("-----BEGIN PUBLIC KEY-----")
    mount = next(m for m in prod.pod()["containers"][0]["volumeMounts"] if m["name"] == "token-broker")
    assert f"public-key-file={mount['mountPath']}/public.pem\n" in prod.properties()
    assert f"private-key-file={mount['mountPath']}/private.pem\n" in prod.properties()


def test_database_credentials_reach_the_server_and_the_bootstrap_by_reference(prod):
    for type_ in (DEPLOYMENT, JOB):
        env = prod.env(type_)
        names = {
            env[k]["valueFrom"]["secretKeyRef"]["name"]
            for k in ("QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD")
        }
        (name,) = names
        assert prod.secret_named(name)[1] == {
            "jdbc-url": DATABASE.jdbc_url,
            "username": "polaris",
            "password": DB_PASSWORD,
        }


# -- configuration -----------------------------------------------------------------------------------------


def test_properties_set_realm_persistence_token_broker_and_feature_flags(prod, dev):
    assert prod.properties().splitlines() == [
        "polaris.realm-context.realms=POLARIS",
        "polaris.persistence.type=relational-jdbc",
        "polaris.authentication.token-broker.type=rsa-key-pair",
        "polaris.authentication.token-broker.rsa-key-pair.public-key-file=/etc/polaris/token-broker/public.pem",
        "polaris.authentication.token-broker.rsa-key-pair.private-key-file=/etc/polaris/token-broker/private.pem",
        'polaris.features."SUPPORTED_CATALOG_STORAGE_TYPES"=["S3","GCS","AZURE"]',
        'polaris.features."SESSION_TAGS_IN_SUBSCOPED_CREDENTIAL"=["realm","catalog","principal"]',
        'polaris.features."STORAGE_CREDENTIAL_DURATION_SECONDS"=1800',
    ]
    assert "polaris.persistence.type=in-memory" in dev.properties().splitlines()
    assert "polaris.realm-context.realms=DEV" in dev.properties().splitlines()
    assert "SESSION_TAGS" not in dev.properties()


def test_stack_flags_override_ours_and_are_escaped_for_java_properties():
    polaris = PolarisConfig(features={"SUPPORTED_CATALOG_STORAGE_TYPES": ["S3"], "X": 'a"b'})
    lines = application_properties(polaris).splitlines()
    assert 'polaris.features."SUPPORTED_CATALOG_STORAGE_TYPES"=["S3"]' in lines
    (flag,) = [line for line in lines if line.startswith('polaris.features."X"=')]
    java_value = flag.split("=", 1)[1].replace("\\\\", "\\")  # what java.util.Properties reads
    assert json.loads(java_value) == 'a"b'


def test_feature_flags_never_travel_as_environment_variables(scenario):
    for type_ in (DEPLOYMENT, JOB):
        for resource in scenario.plan.of_type(type_):
            names = [e["name"] for e in resource.inputs["spec"]["template"]["spec"]["containers"][0]["env"]]
            assert not [n for n in names if "FEATURE" in n.upper()]


def test_properties_are_mounted_where_quarkus_reads_them(prod):
    config = prod.plan.named("polaris-config").state["metadata"]["name"]
    volume = next(v for v in prod.pod()["volumes"] if v.get("configMap", {}).get("name") == config)
    mounts = {m["name"]: m["mountPath"] for m in prod.pod()["containers"][0]["volumeMounts"]}
    assert mounts[volume["name"]] == "/deployments/config"


def test_checksum_annotation_follows_the_configuration(prod, dev):
    gcp_document = prod.plan.named("polaris-gcp-credentials").inputs["data"]["credentials.json"]
    expected = hashlib.sha256(f"{prod.properties()}\0{gcp_document}".encode()).hexdigest()
    annotations = prod.one(DEPLOYMENT).inputs["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {"checksum/config": expected}
    dev_annotation = dev.one(DEPLOYMENT).inputs["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
    assert dev_annotation == hashlib.sha256(dev.properties().encode()).hexdigest()


# -- keyless cloud access --------------------------------------------------------------------------------


def mounted_files(scenario: Scenario) -> dict[str, Any]:
    """Every projected token and ConfigMap item, by the absolute path the container sees."""
    volumes = {v["name"]: v for v in scenario.pod()["volumes"]}
    files = {}
    for mount in scenario.pod()["containers"][0]["volumeMounts"]:
        volume = volumes[mount["name"]]
        for source in volume.get("projected", {}).get("sources", []):
            files[f"{mount['mountPath']}/{source['serviceAccountToken']['path']}"] = source["serviceAccountToken"]
        if "configMap" in volume:
            config = next(
                r
                for r in scenario.plan.of_type(CONFIG_MAP)
                if r.state["metadata"]["name"] == volume["configMap"]["name"]
            )
            files |= {f"{mount['mountPath']}/{key}": value for key, value in config.inputs["data"].items()}
    return files


def test_gcp_federation_reads_a_projected_token_through_the_credential_configuration(prod):
    files = mounted_files(prod)
    assert files[GCP_TOKEN_PATH]["audience"] == GCP_AUDIENCE
    assert files[GCP_CREDENTIALS_PATH] == GCP_CONFIGURATION
    assert prod.env()["GOOGLE_APPLICATION_CREDENTIALS"] == {
        "name": "GOOGLE_APPLICATION_CREDENTIALS",
        "value": GCP_CREDENTIALS_PATH,
    }


def test_azure_keyless_exchanges_a_projected_token(prod):
    files, env = mounted_files(prod), prod.env()
    assert files[AZURE_TOKEN_PATH]["audience"] == AZURE_TOKEN_AUDIENCE
    assert {k: env[k]["value"] for k in env if k.startswith("AZURE_")} == PROD_ARGS.azure.environment()


def test_azure_static_secret_comes_from_a_secret_instead_of_a_token(static):
    env = static.env()
    assert AZURE_TOKEN_PATH not in mounted_files(static)
    assert "AZURE_FEDERATED_TOKEN_FILE" not in env
    reference = env["AZURE_CLIENT_SECRET"]["valueFrom"]["secretKeyRef"]
    assert static.secret_named(reference["name"])[1] == {reference["key"]: AZURE_PASSWORD}


def test_only_static_secret_mode_has_an_azure_secret(prod, static):
    assert "polaris-azure" not in [r.name for r in prod.plan.of_type(SECRET_TYPE)]
    assert "polaris-azure" in [r.name for r in static.plan.of_type(SECRET_TYPE)]


def test_no_cloud_token_without_a_federated_cloud(dev):
    assert not [v for v in dev.pod()["volumes"] if "projected" in v]
    assert not [name for name in dev.env() if name.startswith(("AZURE_", "GOOGLE_", "AWS_"))]


def test_sts_client_region(prod):
    assert prod.env()["AWS_REGION"]["value"] == "eu-west-1"


# -- bootstrap ---------------------------------------------------------------------------------------------


def test_postgres_bootstraps_with_the_admin_tool_before_the_server_starts(prod):
    job = prod.one(JOB)
    assert job.inputs["metadata"]["name"] == "polaris-bootstrap-1-7-0"
    container = job.inputs["spec"]["template"]["spec"]["containers"][0]
    assert (
        container["image"] == f"apache/polaris-admin-tool:1.7.0@{recorded_digest('apache/polaris-admin-tool', '1.7.0')}"
    )
    assert container["args"] == ["bootstrap", "-r", "POLARIS", "-c", "$(ROOT_CREDENTIALS)"]
    env = prod.env(JOB)
    _, root = prod.secret_named(env["ROOT_CREDENTIALS"]["valueFrom"]["secretKeyRef"]["name"])
    assert env["ROOT_CREDENTIALS"]["valueFrom"]["secretKeyRef"]["key"] == "credentials"
    assert root["credentials"].startswith("POLARIS,")
    assert env["POLARIS_PERSISTENCE_TYPE"]["value"] == "relational-jdbc"
    assert job.urn in prod.dependencies[prod.one(DEPLOYMENT).name]


def test_bootstrap_job_is_bounded_and_hardened(prod):
    spec = prod.one(JOB).inputs["spec"]
    assert spec["backoffLimit"] > 0 and spec["activeDeadlineSeconds"] > 0
    assert "ttlSecondsAfterFinished" not in spec  # the program owns the Job: the cluster must not delete it
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never" and pod["automountServiceAccountToken"] is False
    assert "serviceAccountName" not in pod  # no cloud identity for a database job
    assert_hardened(pod)


def test_in_memory_server_bootstraps_itself_from_the_secret(dev, prod):
    assert not dev.plan.of_type(JOB)
    reference = dev.env()["POLARIS_BOOTSTRAP_CREDENTIALS"]["valueFrom"]["secretKeyRef"]
    assert reference["key"] == "credentials"
    assert "POLARIS_BOOTSTRAP_CREDENTIALS" not in prod.env()


# -- the server --------------------------------------------------------------------------------------------


def assert_hardened(pod: dict[str, Any]) -> None:
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10000,
        "runAsGroup": 10001,
        "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    container = pod["containers"][0]
    security = container["securityContext"]
    assert security["runAsNonRoot"] and security["readOnlyRootFilesystem"]
    assert security["allowPrivilegeEscalation"] is False and security["capabilities"] == {"drop": ["ALL"]}
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    tmp = next(m for m in container["volumeMounts"] if m["mountPath"] == "/tmp")
    assert "emptyDir" in next(v for v in pod["volumes"] if v["name"] == tmp["name"])


def test_server_runs_the_pinned_image_hardened(prod):
    container = prod.pod()["containers"][0]
    assert container["image"] == f"apache/polaris:1.7.0@{recorded_digest('apache/polaris', '1.7.0')}"
    assert_hardened(prod.pod())
    assert prod.pod()["automountServiceAccountToken"] is False


def test_replicas_spread_over_zones_and_nodes(prod, dev):
    assert prod.one(DEPLOYMENT).inputs["spec"]["replicas"] == 3
    assert dev.one(DEPLOYMENT).inputs["spec"]["replicas"] == 1
    constraints = prod.pod()["topologySpreadConstraints"]
    assert {c["topologyKey"] for c in constraints} == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
    selector = prod.one(DEPLOYMENT).inputs["spec"]["selector"]["matchLabels"]
    assert all(c["labelSelector"]["matchLabels"] == selector for c in constraints)


def test_rollout_replaces_in_place_with_replicas_surges_alone_and_recreates_in_memory(prod, dev):
    assert prod.one(DEPLOYMENT).inputs["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
    }
    assert dev.one(DEPLOYMENT).inputs["spec"]["strategy"] == {"type": "Recreate"}
    assert rollout_strategy(Persistence.POSTGRES, 1)["rollingUpdate"] == {"maxUnavailable": 0, "maxSurge": 1}


def test_ports_and_probes_on_the_management_port(prod):
    container = prod.pod()["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"polaris-http": 8181, "polaris-mgmt": 8182}
    assert container["livenessProbe"]["httpGet"] == {"path": "/q/health/live", "port": "polaris-mgmt"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/q/health/ready", "port": "polaris-mgmt"}
    assert container["startupProbe"]["httpGet"]["port"] == "polaris-mgmt"


def test_resources_come_from_the_configuration(prod):
    assert prod.pod()["containers"][0]["resources"] == {
        "requests": {"cpu": "2", "memory": "4Gi"},
        "limits": {"cpu": "4", "memory": "8Gi"},
    }


def test_disruption_budget_covers_the_server_pods(prod):
    budget = prod.plan.named("polaris-disruption-budget").inputs["spec"]
    assert budget["maxUnavailable"] == 1
    assert budget["selector"] == prod.one(DEPLOYMENT).inputs["spec"]["selector"]


# -- exposure ----------------------------------------------------------------------------------------------


def test_internal_service_listens_on_the_api_port(dev):
    service = dev.one(SERVICE).inputs
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"] == [
        {"name": "polaris-http", "port": 8181, "targetPort": "polaris-http", "protocol": "TCP"}
    ]
    assert service["spec"]["selector"] == dev.one(DEPLOYMENT).inputs["spec"]["selector"]["matchLabels"]


def test_load_balancer_terminates_tls_for_the_allowed_cidrs_only(prod):
    service = prod.one(SERVICE).inputs
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["spec"]["loadBalancerSourceRanges"] == list(PARTNERS)
    assert service["spec"]["ports"] == [
        {"name": "polaris-http", "port": 443, "targetPort": "polaris-http", "protocol": "TCP"}
    ]
    prefix = "service.beta.kubernetes.io/aws-load-balancer"
    annotations = service["metadata"]["annotations"]
    assert {
        k: annotations[k]
        for k in (
            f"{prefix}-type",
            f"{prefix}-nlb-target-type",
            f"{prefix}-scheme",
            f"{prefix}-ssl-cert",
            f"{prefix}-ssl-ports",
        )
    } == {
        f"{prefix}-type": "external",
        f"{prefix}-nlb-target-type": "ip",
        f"{prefix}-scheme": "internet-facing",
        f"{prefix}-ssl-cert": CERTIFICATE,
        f"{prefix}-ssl-ports": "443",
    }


def test_an_issued_certificate_and_the_deployers_addresses_reach_the_load_balancer():
    issued = "arn:aws:acm:eu-west-1:111111111111:certificate/00000000-1111-4222-8333-944445555666"
    own = ["198.18.0.10/32", PARTNERS[0]]  # the NAT addresses; a range already listed is not repeated
    args = replace(
        PROD_ARGS, polaris=replace(PROD, tls_certificate_arn=None), certificate_arn=issued, deployer_cidrs=own
    )
    assert problems(args) == []
    service = run(args).one(SERVICE).inputs
    assert service["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"] == issued
    assert service["spec"]["loadBalancerSourceRanges"] == [*PARTNERS, "198.18.0.10/32"]


def test_network_policy_admits_only_the_api_port(scenario):
    policy = scenario.plan.named("polaris-network-policy").inputs["spec"]
    assert policy["podSelector"] == {} and policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["ingress"] == [{"ports": [{"port": 8181, "protocol": "TCP"}]}]
    for rule in policy["egress"]:
        for peer in rule["to"]:
            assert peer.get("ipBlock", {}).get("except", ["169.254.169.254/32"]) == ["169.254.169.254/32"]


def test_network_policy_opens_postgres_only_with_a_database(prod, dev):
    def egress_ports(scenario: Scenario) -> set[int]:
        rules = scenario.plan.named("polaris-network-policy").inputs["spec"]["egress"]
        return {port["port"] for rule in rules for port in rule["ports"]}

    assert egress_ports(prod) == {53, 443, 5432}
    assert egress_ports(dev) == {53, 443}


# -- remote debugging --------------------------------------------------------------------------------------


def test_remote_debug_listens_on_loopback_in_dev_stacks(dev, prod):
    assert {k: dev.env()[k]["value"] for k in ("JAVA_DEBUG", "JAVA_DEBUG_PORT")} == {
        "JAVA_DEBUG": "true",
        "JAVA_DEBUG_PORT": "127.0.0.1:5005",
    }
    assert "JAVA_DEBUG" not in prod.env()


# -- refused arguments -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, expected",
    [
        (replace(PROD_ARGS, polaris=replace(PROD, tls_certificate_arn=None)), "needs a TLS certificate"),
        (replace(PROD_ARGS, database=None), "needs a database connection exactly when it is 'postgres'"),
        (replace(DEV_ARGS, database=DATABASE), "needs a database connection exactly when it is 'postgres'"),
        (replace(STATIC_ARGS, azure=PROD_ARGS.azure), "credentialMode 'static-secret' and the Azure access disagree"),
        (replace(PROD_ARGS, azure=STATIC_ARGS.azure), "credentialMode 'keyless' and the Azure access disagree"),
        (replace(DEV_ARGS, polaris=replace(DEV_ARGS.polaris, features={"bad key": 1})), "'bad key' is not"),
    ],
)
def test_refused_arguments(args, expected):
    (problem,) = problems(args)
    assert expected in problem


def test_accepted_arguments_have_no_problems():
    assert problems(PROD_ARGS) == problems(STATIC_ARGS) == problems(DEV_ARGS) == []


def test_a_server_without_an_explicit_kubernetes_provider_is_refused():
    with pytest.raises(ValueError, match="needs an explicit kubernetes provider"):
        run(DEV_ARGS, provider=False)
