"""The platform under mocks: network over the configured zones, a locked-down EKS with its add-ons, and
Polaris' IRSA role."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re

import parliament
import pulumi
import pytest

from components.aws_accounts import account_provider
from components.images import recorded_digest
from components.platform.cluster import (
    LBC_CHART_VERSION,
    LBC_IMAGE_TAG,
    LBC_POLICY_FILE,
    PlatformArgs,
    PlatformResilience,
    PolarisPlatform,
    PolarisVendingAccess,
    VendingAccessArgs,
    ami_type,
    subnet_cidrs,
)
from configuration.schema import (
    AwsCredentials,
    ExistingNetworkConfig,
    NetworkConfig,
    NodeGroupConfig,
    PlatformConfig,
)
from tools.mocks import RealisticMocks
from tools.plan import Plan, PlannedResource, run_program

ACCOUNT = "111111111111"
REGION = "eu-west-1"
DEPLOY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/polaris-deployer"
API_CIDRS = ("203.0.113.0/24",)
TAGS = {"project": "polaris-data-exchange", "environment": "unit"}
VENDING_ROLES = (
    "arn:aws:iam::222222222222:role/polaris-vending-acme",
    "arn:aws:iam::333333333333:role/polaris-vending-umbrella",
)

DEV = PlatformConfig(
    account_id=ACCOUNT,
    region=REGION,
    deploy_role_arn=DEPLOY_ROLE,
    api_allowed_cidrs=API_CIDRS,
    node_group=NodeGroupConfig(instance_types=("m6i.large",), min_size=2, desired_size=2, max_size=3, disk_size_gb=60),
)
PROD = PlatformConfig(
    account_id=ACCOUNT,
    region=REGION,
    deploy_role_arn=DEPLOY_ROLE,
    network=NetworkConfig(vpc_cidr="10.50.0.0/16", availability_zones=3),
)
EXISTING = PlatformConfig(
    account_id=ACCOUNT,
    region=REGION,
    aws_credentials=AwsCredentials.PROFILE,
    network=NetworkConfig(
        existing=ExistingNetworkConfig(
            vpc_id="vpc-0abc1234", private_subnet_ids=("subnet-0aaa", "subnet-0bbb"), egress_cidrs=("198.18.7.10/32",)
        )
    ),
)

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


def platform_program(config: PlatformConfig, resilience: PlatformResilience) -> None:
    platform = PolarisPlatform(
        "platform",
        PlatformArgs(config, namespace="polaris", service_account="polaris-server", resilience=resilience, tags=TAGS),
    )
    for key in (
        "kubeconfig",
        "oidc_issuer_url",
        "oidc_provider_arn",
        "server_role_arn",
        "server_role_name",
        "vpc_id",
        "private_subnet_ids",
        "public_subnet_ids",
        "node_security_group_id",
        "egress_cidrs",
    ):
        pulumi.export(key, getattr(platform, key))
    pulumi.export("aws_provider_urn", platform.aws_provider.urn)
    pulumi.export("kubernetes_provider_urn", platform.kubernetes_provider.urn)
    pulumi.export("cluster_addon_urns", [addon.urn for addon in platform.cluster_addons])


def platform_plan(config: PlatformConfig, resilience: PlatformResilience) -> Plan:
    return run_program(
        lambda: platform_program(config, resilience),
        stack="unit",
        # The default region differs from the platform's: anything bypassing its provider shows.
        mocks=RealisticMocks(default_aws_region="us-east-1"),
    )


@pytest.fixture(scope="module")
def dev() -> Plan:
    return platform_plan(DEV, PlatformResilience(nat_per_zone=False, deletion_protection=False))


@pytest.fixture(scope="module")
def prod() -> Plan:
    return platform_plan(PROD, PlatformResilience(nat_per_zone=True, deletion_protection=True))


@pytest.fixture(scope="module")
def existing() -> Plan:
    # Choices that differ, so a swapped wiring shows (an existing network gets no NAT gateway whatever they say).
    return platform_plan(EXISTING, PlatformResilience(nat_per_zone=True, deletion_protection=False))


def named_like(plan: Plan, type_: str, fragment: str) -> list[PlannedResource]:
    return [r for r in plan.of_type(type_) if fragment in r.name]


def cluster(plan: Plan) -> dict:
    return plan.named("platform-cluster").inputs


def issuer_host(plan: Plan) -> str:
    return plan.outputs["oidc_issuer_url"].removeprefix("https://")


# -- network ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("vpc_cidr", ["10.40.0.0/16", "10.40.0.0/20"])
@pytest.mark.parametrize("zones", [2, 3, 6])
def test_subnet_layout_gives_each_zone_disjoint_subnets_inside_the_vpc(vpc_cidr, zones):
    private, public = subnet_cidrs(vpc_cidr, zones)
    networks = [ipaddress.ip_network(c) for c in private + public]
    assert len(private) == len(public) == zones
    assert all(n.subnet_of(ipaddress.ip_network(vpc_cidr)) for n in networks)
    assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1 :])
    assert all(
        ipaddress.ip_network(p).num_addresses > ipaddress.ip_network(q).num_addresses
        for p, q in zip(private, public, strict=True)
    ), "nodes and pods need the larger private subnets"


def test_subnet_layout_refuses_more_zones_than_it_has_room_for():
    with pytest.raises(ValueError, match="7 zones"):
        subnet_cidrs("10.40.0.0/16", 7)


@pytest.mark.parametrize("plan_name, zones", [("dev", 2), ("prod", 3)])
def test_private_and_public_subnets_span_the_configured_zones(request, plan_name, zones):
    plan = request.getfixturevalue(plan_name)
    vpc_id = plan.outputs["vpc_id"]
    for role, tag in (("private", "kubernetes.io/role/internal-elb"), ("public", "kubernetes.io/role/elb")):
        subnets = named_like(plan, SUBNET, f"-{role}-")
        assert len(subnets) == zones
        assert len({s.inputs["availabilityZone"] for s in subnets}) == zones
        assert {s.inputs["availabilityZone"] for s in subnets} <= {f"{REGION}{z}" for z in "abcdef"}
        assert all(s.inputs["vpcId"] == vpc_id and s.inputs["tags"][tag] == "1" for s in subnets)
        assert not any(s.inputs["mapPublicIpOnLaunch"] for s in subnets)
        assert len(set(plan.outputs[f"{role}_subnet_ids"])) == zones


def routes_of(plan: Plan, subnet_id: str) -> list[dict]:
    table_id = next(a.inputs["routeTableId"] for a in plan.of_type(ASSOCIATION) if a.inputs["subnetId"] == subnet_id)
    table = next(t for t in plan.of_type(ROUTE_TABLE) if t.state.get("arn", "").endswith(table_id))
    return table.inputs["routes"]


def test_public_subnets_route_to_the_internet_and_private_ones_through_nat(dev):
    for subnet_id in dev.outputs["public_subnet_ids"]:
        assert [r.keys() - {"cidrBlock"} for r in routes_of(dev, subnet_id)] == [{"gatewayId"}]
        assert routes_of(dev, subnet_id)[0]["gatewayId"].startswith("igw-")
    for subnet_id in dev.outputs["private_subnet_ids"]:
        [route] = routes_of(dev, subnet_id)
        assert route == {"cidrBlock": "0.0.0.0/0", "natGatewayId": route["natGatewayId"]}
        assert route["natGatewayId"].startswith("nat-")


@pytest.mark.parametrize("plan_name, nats", [("dev", 1), ("prod", 3)])
def test_a_resilient_platform_has_a_nat_gateway_per_zone_and_dev_shares_one(request, plan_name, nats):
    plan = request.getfixturevalue(plan_name)
    public_ids = set(plan.outputs["public_subnet_ids"])
    assert len(plan.of_type(NAT)) == nats
    assert all(n.inputs["subnetId"] in public_ids for n in plan.of_type(NAT))
    used = {routes_of(plan, s)[0]["natGatewayId"] for s in plan.outputs["private_subnet_ids"]}
    assert len(used) == nats


def test_an_existing_network_is_used_as_is_and_nothing_is_created(existing):
    for type_ in (
        VPC,
        SUBNET,
        NAT,
        ROUTE_TABLE,
        ASSOCIATION,
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/eip:Eip",
    ):
        assert existing.of_type(type_) == [], type_
    assert existing.outputs["vpc_id"] == "vpc-0abc1234"
    assert existing.outputs["private_subnet_ids"] == ["subnet-0aaa", "subnet-0bbb"]
    assert cluster(existing)["vpcId"] == "vpc-0abc1234"
    assert cluster(existing)["privateSubnetIds"] == ["subnet-0aaa", "subnet-0bbb"]
    assert "publicSubnetIds" not in cluster(existing), "no public subnets were given"
    assert existing.named("platform-nodes").inputs["subnetIds"] == ["subnet-0aaa", "subnet-0bbb"]
    assert existing.outputs["public_subnet_ids"] == []


def test_egress_addresses_are_the_nat_gateways_or_the_configured_ones(prod, existing):
    nats = prod.of_type(NAT)
    assert len(nats) == 3
    assert sorted(prod.outputs["egress_cidrs"]) == sorted(f"{nat.state['publicIp']}/32" for nat in nats)
    assert existing.outputs["egress_cidrs"] == ["198.18.7.10/32"]


# -- the deployers' way to the API ----------------------------------------------------------------------------

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def test_the_private_api_endpoint_admits_the_private_subnets_on_443_only(prod):
    rules = prod.of_type(INGRESS)
    private_cidrs, public_cidrs = subnet_cidrs("10.50.0.0/16", 3)
    assert sorted(r.inputs["cidrIpv4"] for r in rules) == sorted(private_cidrs)
    assert not {r.inputs["cidrIpv4"] for r in rules} & set(public_cidrs)
    for rule in rules:
        assert rule.inputs["securityGroupId"] == prod.outputs["node_security_group_id"]  # EKS' cluster group
        assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("tcp", 443, 443)


def test_an_existing_network_admits_its_private_subnets_as_looked_up(existing):
    mocks = RealisticMocks()
    looked_up = [
        mocks.call(pulumi.runtime.MockCallArgs("aws:ec2/getSubnet:getSubnet", {"id": subnet}, ""))["cidrBlock"]
        for subnet in ("subnet-0aaa", "subnet-0bbb")
    ]
    assert sorted(r.inputs["cidrIpv4"] for r in existing.of_type(INGRESS)) == sorted(looked_up)


# -- cluster --------------------------------------------------------------------------------------------------


def test_cluster_is_pinned_encrypted_logged_and_uses_access_entries(dev):
    args = cluster(dev)
    key = dev.named("platform-secrets-key")
    assert args["version"] == "1.33"
    assert args["createOidcProvider"] is True
    assert args["encryptionConfigKeyArn"] == key.state["arn"]
    assert key.inputs["enableKeyRotation"] is True
    assert args["enabledClusterLogTypes"] == ["api", "audit", "authenticator"]
    assert args["authenticationMode"] == "API"
    assert args["skipDefaultNodeGroup"] is True
    assert args["skipDefaultSecurityGroups"] is True
    assert args["nodeAssociatePublicIpAddress"] is False
    assert args["vpcId"] == dev.outputs["vpc_id"]
    assert args["privateSubnetIds"] == dev.outputs["private_subnet_ids"]
    assert args["publicSubnetIds"] == dev.outputs["public_subnet_ids"]


def test_api_endpoint_is_private_and_public_only_for_the_allowed_cidrs(dev):
    args = cluster(dev)
    assert args["endpointPrivateAccess"] is True
    assert args["endpointPublicAccess"] is True
    assert args["publicAccessCidrs"] == list(API_CIDRS)


def test_without_allowed_cidrs_the_api_endpoint_has_no_public_access(prod):
    args = cluster(prod)
    assert args["endpointPrivateAccess"] is True
    assert args["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in args


@pytest.mark.parametrize("plan_name, protected", [("dev", False), ("prod", True), ("existing", False)])
def test_cluster_deletion_protection_is_the_resilience_choice(request, plan_name, protected):
    assert cluster(request.getfixturevalue(plan_name))["deletionProtection"] is protected


def test_kubeconfig_authenticates_as_the_identity_that_created_the_cluster(dev, existing):
    assert cluster(dev)["providerCredentialOpts"] == {"roleArn": DEPLOY_ROLE}
    assert cluster(existing)["providerCredentialOpts"] == {"profileName": f"polaris-{ACCOUNT}"}


def _token_command(kubeconfig: str) -> tuple[list[str], dict[str, str]]:
    [user] = json.loads(kubeconfig)["users"]
    exec_ = user["user"]["exec"]
    assert exec_["command"] == "aws"
    return exec_["args"], {e["name"]: e["value"] for e in exec_.get("env") or []}


@pytest.mark.parametrize(
    "plan_name, credentials", [("dev", ["--role", DEPLOY_ROLE]), ("existing", ["--profile", f"polaris-{ACCOUNT}"])]
)
def test_the_kubernetes_provider_gets_its_token_as_the_stacks_aws_identity(request, plan_name, credentials):
    """pulumi-eks leaves the profile out of `kubeconfigJson`: a provider built on it would run `aws eks
    get-token` with the ambient chain, which CI empties in profile mode, and every Kubernetes object fails."""
    plan = request.getfixturevalue(plan_name)
    args, env = _token_command(plan.named("platform-kubernetes").unmasked_inputs["kubeconfig"])
    assert args[: args.index("--output")] == [
        "--region",
        REGION,
        "eks",
        "get-token",
        "--cluster-name",
        cluster(plan)["name"],
    ]
    assert [
        a for a in args if a.startswith("--") and a not in ("--region", "--cluster-name", "--output")
    ] == credentials[:1]
    assert args[args.index(credentials[0]) :][:2] == credentials
    assert not {"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_ROLE_ARN"} & set(env)  # nothing shadows the flag


def test_managed_nodes_join_the_cluster_from_the_private_subnets_with_the_configured_size(dev):
    nodes = dev.named("platform-nodes").inputs
    assert nodes["clusterName"] == cluster(dev)["name"] == "platform-unit"
    assert nodes["subnetIds"] == dev.outputs["private_subnet_ids"]
    assert nodes["instanceTypes"] == ["m6i.large"]
    assert nodes["amiType"] == "AL2023_x86_64_STANDARD"
    assert nodes["scalingConfig"] == {"minSize": 2, "desiredSize": 2, "maxSize": 3}
    assert nodes["nodeRoleArn"] == dev.named("platform-node-role").state["arn"]


def test_nodes_require_imdsv2_without_a_hop_for_pods_and_encrypt_their_root_volume(dev):
    template = dev.named("platform-node-template")
    launch_template = dev.named("platform-nodes").inputs["launchTemplate"]
    assert template.state["arn"].endswith("launch-template/" + launch_template["id"])
    assert launch_template["version"] == "1"  # the template's latest version, not "None"
    assert template.inputs["metadataOptions"] == {
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
    }
    [root] = template.inputs["blockDeviceMappings"]
    assert root["deviceName"] == "/dev/xvda"
    assert root["ebs"] == {"volumeSize": 60, "volumeType": "gp3", "encrypted": "true", "deleteOnTermination": "true"}


@pytest.mark.parametrize(
    "instance_types, expected",
    [
        (("m6i.large", "m6a.large"), "AL2023_x86_64_STANDARD"),
        (("g5.xlarge",), "AL2023_x86_64_STANDARD"),
        (("m7g.large", "c6gn.xlarge", "t4g.medium"), "AL2023_ARM_64_STANDARD"),
    ],
)
def test_node_ami_follows_the_instance_architecture(instance_types, expected):
    assert ami_type(instance_types) == expected


def test_a_node_group_mixing_architectures_is_refused():
    with pytest.raises(ValueError, match="mix ARM and x86"):
        ami_type(("m6i.large", "m6g.large"))


def test_node_role_trusts_ec2_and_holds_only_the_worker_policies(dev):
    role = dev.named("platform-node-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    attached = {a.inputs["policyArn"] for a in dev.of_type(ATTACHMENT) if a.inputs["role"] == role.state["name"]}
    assert attached == {
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    }


def test_kubeconfig_is_secret_and_feeds_the_kubernetes_provider(dev):
    provider = dev.named("platform-kubernetes")
    assert dev.outputs["kubeconfig"] == "[secret]"
    assert provider.inputs["kubeconfig"] == "[secret]"
    assert dev.outputs["kubernetes_provider_urn"] == provider.urn


def test_node_security_group_is_the_one_the_cluster_reports(dev):
    mocked = dev.named("platform-cluster").state
    assert dev.outputs["node_security_group_id"] == mocked["nodeSecurityGroupId"]


# -- provider -----------------------------------------------------------------------------------------------


def test_platform_provider_is_pinned_to_the_account_region_and_deploy_role(dev):
    provider = dev.named("platform-aws")
    assert provider.urn == dev.outputs["aws_provider_urn"]
    assert json.loads(provider.inputs["allowedAccountIds"]) == [ACCOUNT]
    assert provider.inputs["region"] == REGION
    assert json.loads(provider.inputs["assumeRoles"])[0]["roleArn"] == DEPLOY_ROLE
    assert json.loads(provider.inputs["defaultTags"])["tags"] == TAGS


@pytest.mark.parametrize("plan_name", ["dev", "prod", "existing"])
def test_every_aws_resource_of_the_platform_uses_the_platform_provider(request, plan_name):
    plan = request.getfixturevalue(plan_name)
    resources = [r for r in plan.descendants("platform") if r.custom and r.type.startswith("aws:")]
    assert resources
    assert {r.provider for r in resources} == {plan.outputs["aws_provider_urn"]}


# -- Polaris' IRSA role -----------------------------------------------------------------------------------


def test_oidc_issuer_url_is_the_https_issuer_of_the_oidc_provider(dev):
    assert dev.outputs["oidc_issuer_url"].startswith("https://oidc.eks.")
    assert dev.outputs["oidc_provider_arn"] == f"arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer_host(dev)}"


def test_server_role_trusts_exactly_polaris_service_account_through_the_cluster_oidc_provider(dev):
    role = dev.named("platform-server-role")
    host = issuer_host(dev)
    assert json.loads(role.inputs["assumeRolePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": dev.outputs["oidc_provider_arn"]},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{host}:sub": "system:serviceaccount:polaris:polaris-server",
                        f"{host}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }
    assert role.inputs["maxSessionDuration"] == 3600
    assert dev.outputs["server_role_arn"] == role.state["arn"]
    assert dev.outputs["server_role_name"] == role.state["name"]


def test_the_platform_grants_the_server_role_nothing(dev):
    name = dev.outputs["server_role_name"]
    assert [p for p in dev.of_type(ROLE_POLICY) if p.inputs["role"] == name] == []
    assert [a for a in dev.of_type(ATTACHMENT) if a.inputs["role"] == name] == []


# -- cluster add-ons ----------------------------------------------------------------------------------------


def test_managed_addons_enforce_network_policies_at_the_pinned_versions(dev):
    addon = dev.named("platform-vpc-cni")
    versions = DEV.addon_versions
    assert cluster(dev)["kubeProxyAddonOptions"]["version"] == versions.kube_proxy
    assert addon.inputs == {
        "clusterName": "platform-unit",
        "addonName": "vpc-cni",
        "addonVersion": versions.vpc_cni,
        "configurationValues": addon.inputs["configurationValues"],
        "resolveConflictsOnCreate": "OVERWRITE",
        "resolveConflictsOnUpdate": "OVERWRITE",
        "preserve": True,
    }
    assert json.loads(addon.inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}
    assert cluster(dev)["useDefaultVpcCni"] is True, "pulumi-eks must not create a second vpc-cni add-on"


def test_nodes_and_so_every_kubernetes_object_start_after_network_policies_are_enforced(dev):
    addon = dev.named("platform-vpc-cni")
    assert dev.named("platform-cluster").urn in addon.dependencies
    assert addon.urn in dev.named("platform-nodes").dependencies
    assert dev.named("platform-nodes").urn in dev.named("platform-kubernetes").dependencies


def test_load_balancer_controller_role_trusts_exactly_its_service_account(dev):
    role = dev.named("platform-load-balancer-controller-role")
    host = issuer_host(dev)
    assert json.loads(role.inputs["assumeRolePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": dev.outputs["oidc_provider_arn"]},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{host}:sub": "system:serviceaccount:kube-system:aws-load-balancer-controller",
                        f"{host}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }


def test_load_balancer_controller_role_holds_exactly_the_official_policy(dev):
    name = dev.named("platform-load-balancer-controller-role").state["name"]
    [policy] = [p for p in dev.of_type(ROLE_POLICY) if p.inputs["role"] == name]
    assert json.loads(policy.inputs["policy"]) == json.loads(LBC_POLICY_FILE.read_text())
    assert [a for a in dev.of_type(ATTACHMENT) if a.inputs["role"] == name] == []


def test_vendored_controller_policy_is_the_upstream_file_its_readme_names():
    readme = (LBC_POLICY_FILE.parent / "README.md").read_text()
    content = LBC_POLICY_FILE.read_bytes()
    blob = hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()
    assert re.search(r"git blob: ([0-9a-f]{40})", readme).group(1) == blob, "policy edited without provenance"
    assert f"`aws-load-balancer-controller` {LBC_CHART_VERSION} " in readme, "chart and policy versions drifted"
    assert f"(chart `appVersion` {LBC_IMAGE_TAG})" in readme, "chart and controller image versions drifted"
    assert f"/blob/v{LBC_CHART_VERSION}/docs/install/iam_policy.json" in readme


@pytest.mark.parametrize("plan_name", ["dev", "existing"])
def test_load_balancer_controller_chart_is_pinned_and_runs_as_its_irsa_role_in_the_cluster_vpc(request, plan_name):
    plan = request.getfixturevalue(plan_name)
    release = plan.named("platform-load-balancer-controller")
    role = plan.named("platform-load-balancer-controller-role")
    assert release.type == "kubernetes:helm.sh/v3:Release"
    assert release.provider == plan.outputs["kubernetes_provider_urn"]
    assert (release.inputs["chart"], release.inputs["version"]) == ("aws-load-balancer-controller", "3.5.0")
    assert release.inputs["repositoryOpts"] == {"repo": "https://aws.github.io/eks-charts"}
    assert (release.inputs["name"], release.inputs["namespace"]) == ("aws-load-balancer-controller", "kube-system")
    assert release.inputs["values"] == {
        "clusterName": "platform-unit",
        "region": REGION,
        "vpcId": plan.outputs["vpc_id"],
        "replicaCount": 2,
        "image": {
            "repository": "public.ecr.aws/eks/aws-load-balancer-controller",
            "tag": f"v3.5.0@{recorded_digest('public.ecr.aws/eks/aws-load-balancer-controller', 'v3.5.0')}",
        },
        "serviceAccount": {
            "create": True,
            "name": "aws-load-balancer-controller",
            "annotations": {"eks.amazonaws.com/role-arn": role.state["arn"]},
        },
    }
    assert plan.named("platform-load-balancer-controller-policy").urn in release.dependencies


def test_cluster_addons_are_the_network_policy_agent_and_the_load_balancer_controller(prod):
    assert prod.outputs["cluster_addon_urns"] == [
        prod.named("platform-vpc-cni").urn,
        prod.named("platform-load-balancer-controller").urn,
    ]


# -- vending access ---------------------------------------------------------------------------------------


def vending_program(session_tags: bool) -> None:
    provider = account_provider(
        "platform-aws",
        account_id=ACCOUNT,
        region=REGION,
        deploy_role_arn=DEPLOY_ROLE,
        credentials=AwsCredentials.ASSUME_ROLE,
        tags={},
    )
    access = PolarisVendingAccess(
        "vending-access",
        VendingAccessArgs(
            server_role_name="polaris-server-role",
            session_tags=session_tags,
            vending_role_arns=[pulumi.Output.from_input(VENDING_ROLES[1]), VENDING_ROLES[0]],
        ),
        opts=pulumi.ResourceOptions(provider=provider),
    )
    pulumi.export("policy_name", access.policy_name)
    pulumi.export("provider_urn", provider.urn)


@pytest.fixture(scope="module", params=[False, True], ids=["no-session-tags", "session-tags"])
def vending(request) -> tuple[bool, Plan]:
    return request.param, run_program(lambda: vending_program(request.param), stack="unit")


def test_server_role_may_only_assume_exactly_the_vending_roles(vending):
    session_tags, plan = vending
    [policy] = plan.of_type(ROLE_POLICY)
    actions = ["sts:AssumeRole", "sts:TagSession"] if session_tags else ["sts:AssumeRole"]
    assert policy.inputs["role"] == "polaris-server-role"
    assert json.loads(policy.inputs["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AssumeVendingRoles", "Effect": "Allow", "Action": actions, "Resource": sorted(VENDING_ROLES)}
        ],
    }
    assert policy.provider == plan.outputs["provider_urn"]
    assert plan.outputs["policy_name"] == policy.state["name"]


def test_vending_access_policy_passes_parliament(vending):
    _, plan = vending
    [policy] = plan.of_type(ROLE_POLICY)
    assert parliament.analyze_policy_string(policy.inputs["policy"]).findings == []


def test_vending_access_without_vending_roles_is_refused():
    with pytest.raises(ValueError, match="no vending roles"):
        run_program(
            lambda: PolarisVendingAccess(
                "none", VendingAccessArgs(server_role_name="polaris-server-role", vending_role_arns=[])
            ),
            stack="unit",
        )
