"""The AWS platform: network, EKS with its cluster add-ons, and Polaris' own AWS identity (IRSA).

Polaris holds no AWS key: its pod trades the projected service-account token for a session of the server
role, whose only permission is to assume the data owners' vending roles. The vending roles trust the server
role and the server role's policy names the vending roles, so the role is created here without permissions
and ``PolarisVendingAccess`` attaches its policy once the vending roles exist.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s

from components.audit import encrypted_log_group
from components.aws_accounts import account_provider, profile_name
from components.images import pinned
from components.key_policies import key_policy
from configuration.schema import AVAILABILITY_ZONES, AwsCredentials, NetworkConfig, NodeGroupConfig, PlatformConfig
from rules.kubernetes import service_account_subject

STS_AUDIENCE = "sts.amazonaws.com"
KUBERNETES_API_PORT = 443
CONTROL_PLANE_LOGS = ("api", "audit", "authenticator")
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")
MAX_SESSION_SECONDS = 3600
ELB_ROLE_TAG = "kubernetes.io/role/elb"
INTERNAL_ELB_ROLE_TAG = "kubernetes.io/role/internal-elb"
ROOT_DEVICE = "/dev/xvda"
"""Root volume of the AL2023 EKS AMIs."""
VPC_CNI_CONFIGURATION = {"enableNetworkPolicy": "true"}
"""Turns on the VPC CNI's network policy agent: without it EKS accepts NetworkPolicies but enforces none."""
LBC_NAME = "aws-load-balancer-controller"
"""Release, chart and service account name of the AWS Load Balancer Controller."""
LBC_NAMESPACE = "kube-system"
LBC_CHART_REPOSITORY = "https://aws.github.io/eks-charts"
LBC_CHART_VERSION = "3.5.0"
"""Ships controller v3.5.0, the version of the vendored IAM policy (data/README.md): bump both together."""
LBC_IMAGE = "public.ecr.aws/eks/aws-load-balancer-controller"
LBC_IMAGE_TAG = "v3.5.0"
"""The chart's ``appVersion``; its digest is recorded in ``components/data/images.json``."""
LBC_POLICY_FILE = Path(__file__).parent.parent / "data" / "aws_load_balancer_controller_iam_policy.json"
LBC_REPLICAS = 2
IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
_GRAVITON = re.compile(r"^[a-z]+\d+[a-z]*g[a-z]*$")


def _no_tags() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class PlatformResilience:
    """What the platform spends on surviving a zone outage or a mistaken delete (the stage decides)."""

    nat_per_zone: bool
    """One NAT gateway per zone survives a zone outage; one shared NAT is cheaper."""
    deletion_protection: bool
    """EKS refuses to delete the cluster until the protection is turned off."""


@dataclass(frozen=True)
class PlatformArgs:
    platform: PlatformConfig
    namespace: str
    """Polaris' Kubernetes namespace: half of the only subject the server role trusts."""
    service_account: str
    """Polaris' Kubernetes service account: the other half."""
    resilience: PlatformResilience
    tags: Mapping[str, str] = field(default_factory=_no_tags)
    """Default tags of the platform provider. (A factory: dataclasses refuse a mappingproxy default.)"""


@dataclass(frozen=True)
class NetworkArgs:
    vpc_cidr: str
    zone_count: int
    nat_per_zone: bool
    """One NAT gateway per zone survives a zone outage; one shared NAT is cheaper (dev)."""
    account_id: str = ""
    region: str = ""
    """Where the flow log group lives (its key policy names it); empty = no flow logs."""
    flow_log_retention_days: int = 365


@dataclass(frozen=True)
class VendingAccessArgs:
    server_role_name: pulumi.Input[str]
    vending_role_arns: Sequence[pulumi.Input[str]]
    session_tags: bool = False
    """Polaris sends STS session tags: the vending roles then also need ``sts:TagSession``."""


# -- policies (pure, so tests and parliament read exactly what AWS gets) ----------------------------------


def irsa_trust_policy(oidc_provider_arn: str, issuer_host: str, subject: str) -> dict[str, Any]:
    """Web-identity trust for one Kubernetes service account of one cluster, with the STS audience."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {f"{issuer_host}:sub": subject, f"{issuer_host}:aud": STS_AUDIENCE}},
            }
        ],
    }


def vending_access_policy(vending_role_arns: Sequence[str], session_tags: bool) -> dict[str, Any]:
    """The server role may assume exactly the vending roles, and do nothing else."""
    actions = ["sts:AssumeRole", "sts:TagSession"] if session_tags else ["sts:AssumeRole"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AssumeVendingRoles", "Effect": "Allow", "Action": actions, "Resource": sorted(vending_role_arns)}
        ],
    }


def subnet_cidrs(vpc_cidr: str, zone_count: int) -> tuple[list[str], list[str]]:
    """(private, public) CIDRs, one each per zone. The VPC splits into eight blocks: one large private block
    per zone (pods take VPC addresses), and the last block split into eight small public ones (load
    balancers and NAT only)."""
    if not 1 <= zone_count <= AVAILABILITY_ZONES[-1]:
        raise ValueError(f"{zone_count} zones: between 1 and {AVAILABILITY_ZONES[-1]} fit the subnet layout")
    blocks = list(ipaddress.IPv4Network(vpc_cidr).subnets(prefixlen_diff=3))  # validation: an IPv4 CIDR
    public = list(blocks[-1].subnets(prefixlen_diff=3))
    return [str(b) for b in blocks[:zone_count]], [str(b) for b in public[:zone_count]]


def ami_type(instance_types: Sequence[str]) -> str:
    """The AL2023 EKS AMI for the instances' architecture (Graviton families end their generation with 'g')."""
    arm = {bool(_GRAVITON.match(t.split(".")[0])) for t in instance_types}
    if len(arm) != 1:
        raise ValueError(f"instance types {list(instance_types)} mix ARM and x86; one node group runs one AMI")
    return "AL2023_ARM_64_STANDARD" if arm.pop() else "AL2023_x86_64_STANDARD"


# -- components ---------------------------------------------------------------------------------------------


class PlatformNetwork(pulumi.ComponentResource):
    """A VPC over several zones: private subnets (nodes, database) behind NAT, public ones for load balancers."""

    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    public_subnet_ids: pulumi.Output[list[str]]
    egress_cidrs: pulumi.Output[list[str]]
    """The NAT gateways' public addresses (/32): where the private subnets' traffic to the internet comes from."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:platform:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        zones = aws.get_availability_zones_output(
            state="available",
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        private_cidrs, public_cidrs = subnet_cidrs(args.vpc_cidr, args.zone_count)
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.vpc_cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": f"{name}-vpc"},
            opts=child,
        )
        # The default security group stays, but with no rules: nothing may use it by accident.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, opts=child)
        public = [
            self._subnet(name, "public", i, vpc, cidr, zones.names, ELB_ROLE_TAG) for i, cidr in enumerate(public_cidrs)
        ]
        private = [
            self._subnet(name, "private", i, vpc, cidr, zones.names, INTERNAL_ELB_ROLE_TAG)
            for i, cidr in enumerate(private_cidrs)
        ]
        self._public_routes(name, vpc, public)
        nat_count = args.zone_count if args.nat_per_zone else 1
        nats = [self._nat(name, i, subnet) for i, subnet in enumerate(public[:nat_count])]
        for i, subnet in enumerate(private):
            self._private_routes(name, i, vpc, subnet, nats[min(i, len(nats) - 1)])
        if args.account_id:
            self._flow_logs(name, vpc, args)
        self.vpc_id = vpc.id
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private])
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public])
        self.egress_cidrs = pulumi.Output.all(*[nat.public_ip for nat in nats]).apply(
            lambda ips: [f"{ip}/32" for ip in ips]
        )
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "private_subnet_ids": self.private_subnet_ids,
                "public_subnet_ids": self.public_subnet_ids,
                "egress_cidrs": self.egress_cidrs,
            }
        )

    def _flow_logs(self, name: str, vpc: aws.ec2.Vpc, args: NetworkArgs) -> None:
        """Every accepted and rejected flow of the VPC, to a retained log group under its own key."""
        child = pulumi.ResourceOptions(parent=self)
        group_name = f"/polaris/{pulumi.get_stack()}/vpc-flow-logs"
        group_arn = f"arn:aws:logs:{args.region}:{args.account_id}:log-group:{group_name}"
        group = encrypted_log_group(
            f"{name}-flow-logs", group_name, args.account_id, args.region, args.flow_log_retention_days, child
        )
        role = aws.iam.Role(
            f"{name}-flow-logs-role",
            description="VPC flow log delivery",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}},
                        }
                    ],
                }
            ),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs-write",
            role=role.name,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                            "Resource": [group_arn, f"{group_arn}:log-stream:*"],
                        }
                    ],
                }
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            opts=child,
        )

    def _subnet(
        self,
        name: str,
        role: str,
        index: int,
        vpc: aws.ec2.Vpc,
        cidr: str,
        zone_names: pulumi.Output[list[str]],
        elb_tag: str,
    ) -> aws.ec2.Subnet:
        return aws.ec2.Subnet(
            f"{name}-{role}-{index + 1}",
            vpc_id=vpc.id,
            cidr_block=cidr,
            availability_zone=zone_names.apply(lambda names: _zone(names, index)),
            map_public_ip_on_launch=False,
            tags={"Name": f"{name}-{role}-{index + 1}", elb_tag: "1"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _public_routes(self, name: str, vpc: aws.ec2.Vpc, subnets: list[aws.ec2.Subnet]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": f"{name}-igw"}, opts=child)
        table = aws.ec2.RouteTable(
            f"{name}-public-routes",
            vpc_id=vpc.id,
            tags={"Name": f"{name}-public"},
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": gateway.id}],
            opts=child,
        )
        for i, subnet in enumerate(subnets):
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{i + 1}-routes", subnet_id=subnet.id, route_table_id=table.id, opts=child
            )

    def _nat(self, name: str, index: int, public_subnet: aws.ec2.Subnet) -> aws.ec2.NatGateway:
        child = pulumi.ResourceOptions(parent=self)
        address = aws.ec2.Eip(
            f"{name}-nat-{index + 1}-ip", domain="vpc", tags={"Name": f"{name}-nat-{index + 1}"}, opts=child
        )
        return aws.ec2.NatGateway(
            f"{name}-nat-{index + 1}",
            allocation_id=address.id,
            subnet_id=public_subnet.id,
            tags={"Name": f"{name}-nat-{index + 1}"},
            opts=child,
        )

    def _private_routes(
        self, name: str, index: int, vpc: aws.ec2.Vpc, subnet: aws.ec2.Subnet, nat: aws.ec2.NatGateway
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        table = aws.ec2.RouteTable(
            f"{name}-private-{index + 1}-routes",
            vpc_id=vpc.id,
            tags={"Name": f"{name}-private-{index + 1}"},
            routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}],
            opts=child,
        )
        aws.ec2.RouteTableAssociation(
            f"{name}-private-{index + 1}-association", subnet_id=subnet.id, route_table_id=table.id, opts=child
        )


def _zone(names: list[str], index: int) -> str:
    if index >= len(names):
        raise ValueError(f"the region offers {len(names)} zones; {index + 1} were asked for")
    return names[index]


class PolarisPlatform(pulumi.ComponentResource):
    """The platform account's provider, network, EKS cluster and Polaris' permission-less server role."""

    aws_provider: aws.Provider
    kubernetes_provider: k8s.Provider
    kubeconfig: pulumi.Output[str]
    oidc_issuer_url: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]
    server_role_arn: pulumi.Output[str]
    server_role_name: pulumi.Output[str]
    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    public_subnet_ids: pulumi.Output[list[str]]
    node_security_group_id: pulumi.Output[str]
    """The EKS cluster security group: managed nodes, hence Polaris' pods, carry it."""
    cluster_addons: list[pulumi.Resource]
    """The VPC CNI add-on and the load balancer controller: a LoadBalancer Service created before the
    controller is ready is refused by its webhook, so Polaris must depend on these."""
    egress_cidrs: pulumi.Output[list[str]]
    """Where the private subnets reach the internet from (NAT addresses, /32): Polaris' load balancer admits
    them so that deployers inside the VPC reach it."""

    def __init__(self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:platform:PolarisPlatform", name, None, opts)
        platform = args.platform
        self.aws_provider = account_provider(
            f"{name}-aws",
            account_id=platform.account_id,
            region=platform.region,
            deploy_role_arn=platform.deploy_role_arn,
            credentials=platform.aws_credentials,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._network(name, args)
        cluster_name = f"{name}-{pulumi.get_stack()}"
        cluster = self._cluster(name, cluster_name, args)
        vpc_cni = self._vpc_cni(name, cluster, cluster_name, platform.addon_versions.vpc_cni)
        nodes = self._nodes(name, [cluster, vpc_cni], cluster_name, platform.node_group)
        self.kubeconfig = pulumi.Output.secret(cluster.kubeconfig_json)
        # pulumi-eks leaves the profile out of `kubeconfig_json` (for people, who bring their own): the
        # program's own provider asks for a kubeconfig that authenticates as the stack's AWS identity.
        # Every Kubernetes object waits for the nodes, not just for the control plane.
        # Annotated: without the expected type, mypy infers Never for Output.secret's Input[U] from an Output.
        kubeconfig: pulumi.Output[str] = pulumi.Output.secret(
            cluster.get_kubeconfig(**_kubeconfig_credentials(platform))
        )
        self.kubernetes_provider = k8s.Provider(
            f"{name}-kubernetes",
            kubeconfig=kubeconfig,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[nodes]),
        )
        self.node_security_group_id = cluster.node_security_group_id
        self._deployer_api_access(name, args)
        self.oidc_provider_arn = cluster.oidc_provider_arn
        # `oidcIssuer` is the issuer without its scheme in pulumi-eks; IAM conditions key on that host.
        self.oidc_issuer_url = cluster.oidc_issuer.apply(lambda host: f"https://{host}")
        subject = service_account_subject(args.namespace, args.service_account)
        role = self._irsa_role(
            f"{name}-server-role",
            cluster.oidc_issuer,
            subject,
            f"Polaris server ({subject}); may only assume the vending roles",
        )
        self.server_role_arn = role.arn
        self.server_role_name = role.name
        controller = self._load_balancer_controller(name, cluster_name, platform.region, cluster.oidc_issuer)
        self.cluster_addons = [vpc_cni, controller]
        self.register_outputs(
            {
                "kubeconfig": self.kubeconfig,
                "oidc_issuer_url": self.oidc_issuer_url,
                "oidc_provider_arn": self.oidc_provider_arn,
                "server_role_arn": self.server_role_arn,
                "server_role_name": self.server_role_name,
                "vpc_id": self.vpc_id,
                "private_subnet_ids": self.private_subnet_ids,
                "public_subnet_ids": self.public_subnet_ids,
                "node_security_group_id": self.node_security_group_id,
                "egress_cidrs": self.egress_cidrs,
            }
        )

    def _child(self, **extra: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, provider=self.aws_provider, **extra)

    def _network(self, name: str, args: PlatformArgs) -> None:
        network = args.platform.network
        if network.existing is not None:
            self.vpc_id = pulumi.Output.from_input(network.existing.vpc_id)
            self.private_subnet_ids = pulumi.Output.from_input(list(network.existing.private_subnet_ids))
            self.public_subnet_ids = pulumi.Output.from_input(list(network.existing.public_subnet_ids))
            self.egress_cidrs = pulumi.Output.from_input(list(network.existing.egress_cidrs))
            return
        created = PlatformNetwork(
            f"{name}-network",
            NetworkArgs(
                vpc_cidr=network.vpc_cidr,
                zone_count=network.availability_zones,
                nat_per_zone=args.resilience.nat_per_zone,
                account_id=args.platform.account_id,
                region=args.platform.region,
            ),
            opts=self._child(),
        )
        self.vpc_id, self.private_subnet_ids = created.vpc_id, created.private_subnet_ids
        self.public_subnet_ids, self.egress_cidrs = created.public_subnet_ids, created.egress_cidrs

    def _private_subnet_cidrs(self, network: NetworkConfig) -> list[pulumi.Input[str]]:
        if network.existing is None:
            return list(subnet_cidrs(network.vpc_cidr, network.availability_zones)[0])
        return [
            aws.ec2.get_subnet_output(
                id=subnet_id, opts=pulumi.InvokeOutputOptions(parent=self, provider=self.aws_provider)
            ).cidr_block
            for subnet_id in network.existing.private_subnet_ids
        ]

    def _deployer_api_access(self, name: str, args: PlatformArgs) -> None:
        """The private API endpoint for deployers in the private subnets (the CI runners of
        bootstrap/ci-identities). EKS' cluster security group admits only its own members, and with
        `apiAllowedCidrs: []` the private endpoint is the only way in; an access entry is still needed."""
        for index, cidr in enumerate(self._private_subnet_cidrs(args.platform.network)):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-api-from-private-{index + 1}",
                security_group_id=self.node_security_group_id,
                cidr_ipv4=cidr,
                ip_protocol="tcp",
                from_port=KUBERNETES_API_PORT,
                to_port=KUBERNETES_API_PORT,
                description="Kubernetes API from deployers in the private subnets",
                opts=self._child(),
            )

    def _cluster(self, name: str, cluster_name: str, args: PlatformArgs) -> eks.Cluster:
        platform = args.platform
        key = aws.kms.Key(
            f"{name}-secrets-key",
            description=f"{name}: envelope encryption of Kubernetes secrets",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(key_policy(platform.account_id, [])),
            opts=self._child(),
        )
        public_api = bool(platform.api_allowed_cidrs)
        existing = platform.network.existing
        no_public_subnets = existing is not None and not existing.public_subnet_ids
        return eks.Cluster(
            f"{name}-cluster",
            name=cluster_name,
            version=platform.kubernetes_version,
            vpc_id=self.vpc_id,
            private_subnet_ids=self.private_subnet_ids,
            public_subnet_ids=None if no_public_subnets else self.public_subnet_ids,
            node_associate_public_ip_address=False,
            create_oidc_provider=True,
            authentication_mode=eks.AuthenticationMode.API,
            skip_default_node_group=True,
            # Managed nodes carry the EKS-created cluster security group, not pulumi-eks' node group; skipping
            # the defaults makes `node_security_group_id` that group, the one the database must admit.
            skip_default_security_groups=True,
            encryption_config_key_arn=key.arn,
            enabled_cluster_log_types=list(CONTROL_PLANE_LOGS),
            endpoint_private_access=True,
            endpoint_public_access=public_api,
            public_access_cidrs=list(platform.api_allowed_cidrs) if public_api else None,
            deletion_protection=args.resilience.deletion_protection,
            provider_credential_opts=eks.KubeconfigOptionsArgs(**_kubeconfig_credentials(platform)),
            # The platform manages the vpc-cni add-on itself (`_vpc_cni`); pulumi-eks would otherwise create a
            # second owner of the same add-on, and the second creation fails.
            use_default_vpc_cni=True,
            # Unset, pulumi-eks installs the most recent kube-proxy, which moves on its own (drift).
            kube_proxy_addon_options=eks.KubeProxyAddonOptionsArgs(version=platform.addon_versions.kube_proxy),
            access_entries=_viewer_access_entries(platform.cluster_viewers),
            opts=pulumi.ResourceOptions(parent=self, providers={"aws": self.aws_provider}),
        )

    def _vpc_cni(self, name: str, cluster: eks.Cluster, cluster_name: str, version: str) -> aws.eks.Addon:
        """The managed VPC CNI with network policy enforcement, installed before the nodes so that no pod ever
        runs unenforced. Its version is pinned in the configuration: EKS' default moves on its own, and a
        looked-up version would show as drift on a healthy stack. OVERWRITE adopts the self-managed CNI that
        EKS bootstraps and keeps these values authoritative; `preserve` keeps pod networking if the add-on is
        ever removed from the program."""
        return aws.eks.Addon(
            f"{name}-vpc-cni",
            cluster_name=cluster_name,
            addon_name="vpc-cni",
            addon_version=version,
            configuration_values=json.dumps(VPC_CNI_CONFIGURATION),
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            preserve=True,
            opts=self._child(depends_on=[cluster]),
        )

    def _nodes(
        self, name: str, after: list[pulumi.Resource], cluster_name: str, node_group: NodeGroupConfig
    ) -> aws.eks.NodeGroup:
        """A managed node group in the private subnets. Under API authentication EKS creates the node role's
        access entry itself."""
        role = aws.iam.Role(
            f"{name}-node-role",
            description="EKS managed nodes of the Polaris platform",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                    ],
                }
            ),
            opts=self._child(),
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-node-{policy}",
                role=role.name,
                policy_arn=f"arn:aws:iam::aws:policy/{policy}",
                opts=self._child(),
            )
            for policy in NODE_POLICIES
        ]
        template = self._node_template(name, node_group)
        return aws.eks.NodeGroup(
            f"{name}-nodes",
            cluster_name=cluster_name,
            node_role_arn=role.arn,
            subnet_ids=self.private_subnet_ids,
            instance_types=list(node_group.instance_types),
            ami_type=ami_type(node_group.instance_types),
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=node_group.min_size, desired_size=node_group.desired_size, max_size=node_group.max_size
            ),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)
            ),
            opts=self._child(depends_on=[*after, *attachments]),
        )

    def _node_template(self, name: str, node_group: NodeGroupConfig) -> aws.ec2.LaunchTemplate:
        """IMDSv2 only, one hop: pods cannot reach the node role's credentials (they use IRSA). Encrypted root."""
        return aws.ec2.LaunchTemplate(
            f"{name}-node-template",
            description="Polaris platform nodes",
            update_default_version=True,
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name=ROOT_DEVICE,
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=node_group.disk_size_gb,
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
            opts=self._child(),
        )

    def _irsa_role(
        self, role_name: str, issuer_host: pulumi.Output[str], subject: str, description: str
    ) -> aws.iam.Role:
        trust = pulumi.Output.all(self.oidc_provider_arn, issuer_host).apply(
            lambda values: json.dumps(irsa_trust_policy(values[0], values[1], subject))
        )
        return aws.iam.Role(
            role_name,
            assume_role_policy=trust,
            max_session_duration=MAX_SESSION_SECONDS,
            description=description,
            opts=self._child(),
        )

    def _load_balancer_controller(
        self, name: str, cluster_name: str, region: str, issuer_host: pulumi.Output[str]
    ) -> k8s.helm.v3.Release:
        """The AWS Load Balancer Controller: it alone provisions NLBs for `aws-load-balancer-type: external`
        Services (the in-tree controller ignores them, and `pulumi up` would wait for an address forever).
        Installed always, not only for `exposure: load-balancer`: internal NLBs and ALBs need it too, and
        switching exposure must not wait for a platform change. Region and VPC are given because IMDSv2 with
        one hop hides them from pods."""
        role = self._irsa_role(
            f"{name}-load-balancer-controller-role",
            issuer_host,
            service_account_subject(LBC_NAMESPACE, LBC_NAME),
            f"AWS Load Balancer Controller of {cluster_name}",
        )
        policy = aws.iam.RolePolicy(
            f"{name}-load-balancer-controller-policy",
            role=role.name,
            policy=LBC_POLICY_FILE.read_text(),
            opts=self._child(),
        )
        return k8s.helm.v3.Release(
            f"{name}-load-balancer-controller",
            name=LBC_NAME,
            namespace=LBC_NAMESPACE,
            chart=LBC_NAME,
            version=LBC_CHART_VERSION,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=LBC_CHART_REPOSITORY),
            values={
                "clusterName": cluster_name,
                "region": region,
                "vpcId": self.vpc_id,
                "replicaCount": LBC_REPLICAS,
                # The chart renders `repository:tag` and has no digest field: the tag carries the digest.
                "image": {"repository": LBC_IMAGE, "tag": pinned(LBC_IMAGE, LBC_IMAGE_TAG).pinned_tag},
                "serviceAccount": {"create": True, "name": LBC_NAME, "annotations": {IRSA_ROLE_ANNOTATION: role.arn}},
            },
            # The controller calls AWS as soon as it runs: its permissions come first.
            opts=pulumi.ResourceOptions(parent=self, provider=self.kubernetes_provider, depends_on=[policy]),
        )


VIEW_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy"


def _viewer_access_entries(viewers: Sequence[str]) -> dict[str, eks.AccessEntryArgs]:
    """Read-only cluster access (secrets included, which a refresh of Secrets needs) for previews and drift
    checks: the identity that only reads the clouds must be able to read the cluster too."""
    view = eks.AccessPolicyAssociationArgs(
        policy_arn=VIEW_POLICY, access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster")
    )
    return {
        f"viewer-{index}": eks.AccessEntryArgs(principal_arn=arn, access_policies={"view": view})
        for index, arn in enumerate(viewers)
    }


def _kubeconfig_credentials(platform: PlatformConfig) -> dict[str, str | None]:
    """The kubeconfig authenticates as the identity that created the cluster (its only admin under API mode):
    the platform account's profile, or its deploy role (`aws eks get-token --role`), as its AWS provider does."""
    if platform.aws_credentials is AwsCredentials.PROFILE:
        return {"profile_name": profile_name(platform.account_id)}
    return {"role_arn": platform.deploy_role_arn}


class PolarisVendingAccess(pulumi.ComponentResource):
    """The server role's one permission: assume the vending roles. Pass the platform provider in ``opts``."""

    policy_name: pulumi.Output[str]

    def __init__(self, name: str, args: VendingAccessArgs, opts: pulumi.ResourceOptions | None = None):
        if not args.vending_role_arns:
            raise ValueError("no vending roles: an IAM policy needs at least one resource (create no access)")
        super().__init__("polaris-data-exchange:platform:PolarisVendingAccess", name, None, opts)
        document = pulumi.Output.all(*args.vending_role_arns).apply(
            lambda arns: json.dumps(vending_access_policy(arns, args.session_tags))
        )
        policy = aws.iam.RolePolicy(
            f"{name}-policy", role=args.server_role_name, policy=document, opts=pulumi.ResourceOptions(parent=self)
        )
        self.policy_name = policy.name
        self.register_outputs({"policy_name": self.policy_name})
