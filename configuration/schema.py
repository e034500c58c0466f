"""The stack configuration: one typed, immutable schema for the whole system.

Configuration is parsed once, in ``__main__``, from the project's ``pulumi.Config`` structured values into
the frozen dataclasses below; components receive these objects and never read ``pulumi.Config``.
Every field declares, once, in its ``setting`` metadata: its YAML key, a one-line description, its default
and what its value may be beyond its type (a pattern, a numeric range, a set of choices). The parser enforces
those declarations generically, the configuration reference (``python -m tools.config_reference``) prints
them, so neither the checks nor the documentation can drift from the schema.

Parsing is generic (``configuration.parser``); cross-field rules live in
``configuration.validation``. Both collect every problem before raising a single ``ConfigError``.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from rules import aws, azure, gcp, kubernetes, tags
from rules.aws import RDS_BACKUP_RETENTION_MAX_DAYS
from rules.azure import container_url

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

PROJECT = "polaris-data-exchange"
"""The Pulumi project name; configuration keys live in this namespace (``polaris-data-exchange:<key>``)."""


@dataclass(frozen=True)
class Pattern:
    """A regular expression a string setting must match as a whole, and what it means in words (for error
    messages). The shared ones come from ``rules``, so the configuration judges a value as the components,
    the Polaris provider and the policy pack do."""

    regex: re.Pattern[str]
    meaning: str

    def matches(self, text: str) -> bool:
        return self.regex.fullmatch(text) is not None


@dataclass(frozen=True)
class Allowed:
    """What a setting's value may be beyond its type: for a string (or each string of a list) a pattern, for
    a whole number a range or a set of choices."""

    pattern: Pattern | None = None
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[int, ...] = ()

    def admits(self, value: object) -> bool:
        if isinstance(value, str):
            return self.pattern is None or self.pattern.matches(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return (
                (self.minimum is None or value >= self.minimum)
                and (self.maximum is None or value <= self.maximum)
                and (not self.choices or value in self.choices)
            )
        return True

    @property
    def expected(self) -> str:
        """The expectation in words, as error messages and the configuration reference state it."""
        if self.pattern is not None:
            return self.pattern.meaning
        if self.choices:
            return "one of " + ", ".join(map(str, self.choices))
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"at least {self.minimum}"
        return f"at most {self.maximum}"


def setting(
    key: str,
    doc: str,
    default: Any = None,
    *,
    example: Any = None,
    required: bool = False,
    pattern: Pattern | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    choices: tuple[int, ...] = (),
) -> Any:
    """A dataclass field bound to a YAML key, with its documentation and what its value may be."""
    constrained = pattern is not None or minimum is not None or maximum is not None or bool(choices)
    allowed = Allowed(pattern, minimum, maximum, choices) if constrained else None
    meta = {"key": key, "doc": doc, "required": required, "example": example, "allowed": allowed}
    if required:
        return field(metadata=meta, kw_only=True)
    if isinstance(default, dict):  # frozen dataclasses need immutable defaults
        frozen = MappingProxyType(dict(default))
        return field(default_factory=lambda: frozen, metadata=meta, kw_only=True)
    return field(default=default, metadata=meta, kw_only=True)


def declared(cls: type[DataclassInstance], name: str) -> Allowed:
    """What the setting ``name`` of ``cls`` declares its value may be."""
    allowed = next(f for f in dataclasses.fields(cls) if f.name == name).metadata["allowed"]
    if not isinstance(allowed, Allowed):
        raise TypeError(f"{cls.__name__}.{name} declares nothing beyond its type")
    return allowed


def conforms(instance: DataclassInstance, name: str) -> bool:
    """Whether a parsed value meets its setting's declaration (the parser has reported it otherwise): a
    cross-field rule judges a value against others only when it does, so as not to echo that report."""
    allowed = next(f for f in dataclasses.fields(instance) if f.name == name).metadata["allowed"]
    value = getattr(instance, name)
    return allowed is None or value is None or bool(allowed.admits(value))


# What string settings must look like (each regular expression matches the whole value). Several settings may
# share one regular expression but say what they expect in their own words.
_DNS_NAME = re.compile(r"(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
ACCOUNT_ID = Pattern(aws.ACCOUNT_ID, "a 12-digit AWS account id (quote it in YAML)")
AWS_REGION = Pattern(aws.REGION, "an AWS region, e.g. eu-west-1")
KMS_KEY_ARN = Pattern(aws.KMS_KEY_ARN, "a KMS key ARN")
ACM_CERTIFICATE_ARN = Pattern(aws.ACM_CERTIFICATE_ARN, "an ACM certificate ARN")
KUBERNETES_VERSION = Pattern(re.compile(r"1\.[0-9]{2}"), "a pinned major.minor version such as '1.33'")
ADDON_VERSION = Pattern(
    re.compile(r"v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+"), "an EKS add-on version such as 'v1.19.5-eksbuild.1'"
)
POLARIS_RELEASE = Pattern(re.compile(r"[0-9]+\.[0-9]+\.[0-9]+"), "a pinned release such as '1.7.0' (never 'latest')")
POSTGRES_MAJOR = Pattern(
    re.compile(r"[0-9]+"), "a PostgreSQL major version such as '16' (RDS upgrades the minor itself)"
)
REALM = Pattern(re.compile(r"[A-Za-z0-9_-]{1,64}"), "1-64 letters, digits, '_' or '-'")
DNS_LABEL = Pattern(kubernetes.DNS_LABEL, "a DNS-1123 label")
HOSTNAME = Pattern(_DNS_NAME, "a lowercase DNS name such as polaris.exchange.example.com")
HOSTED_ZONE = Pattern(_DNS_NAME, "the zone's domain name, such as exchange.example.com")
CLIENT_ID = Pattern(re.compile(r"\S.*"), "the client id of a principal holding service_admin")
ENDPOINT_URL = Pattern(re.compile(r"https?://.*[^/].*"), "an https:// URL (or http:// for a store without TLS)")
GCP_PROJECT = Pattern(gcp.PROJECT_ID, "a GCP project id: 6-30 lowercase letters, digits or '-'")
GCP_SERVICE_ACCOUNT = Pattern(
    gcp.SERVICE_ACCOUNT_EMAIL, "a service account e-mail <name>@<project>.iam.gserviceaccount.com"
)
TENANT_ID = Pattern(azure.GUID, "a tenant GUID")
APPLICATION_ID = Pattern(azure.GUID, "an application GUID")
SUBSCRIPTION_ID = Pattern(azure.GUID, "a GUID")
AZURE_STORAGE_ACCOUNT = Pattern(azure.STORAGE_ACCOUNT, "a storage account name: 3-24 lowercase letters and digits")
AZURE_CONTAINER = Pattern(azure.CONTAINER, "a container name: 3-63 lowercase letters, digits or single '-'")
NAMESPACE = Pattern(re.compile(r"[^.]*[^.\s][^.]*(\.[^.]*[^.\s][^.]*)*"), "namespace levels joined by '.', none empty")


class Persistence(enum.StrEnum):
    IN_MEMORY = "in-memory"
    POSTGRES = "postgres"


class Exposure(enum.StrEnum):
    INTERNAL = "internal"
    LOAD_BALANCER = "load-balancer"


class CredentialMode(enum.StrEnum):
    KEYLESS = "keyless"
    STATIC_SECRET = "static-secret"


class AccessLevel(enum.StrEnum):
    READ = "read"
    WRITE = "write"


class AwsCredentials(enum.StrEnum):
    ASSUME_ROLE = "assume-role"
    PROFILE = "profile"


class SecretValue(str):
    """A configuration string that arrived encrypted (`pulumi config set --secret`).

    The loader wraps every string under a secret key in this type, so a field typed ``SecretValue`` can
    refuse a value that was written in plain text in ``Pulumi.<stack>.yaml``; its ``repr`` never shows it.
    """

    def __repr__(self) -> str:
        return "'[secret]'"


class Cloud(enum.StrEnum):
    AWS = "aws"
    GCP = "gcp"
    AZURE = "azure"


# --------------------------------------------------------------------------------------------------
# platform


@dataclass(frozen=True)
class NodeGroupConfig:
    instance_types: tuple[str, ...] = setting(
        "instanceTypes", "EC2 instance types of the managed node group.", ("m6i.large",)
    )
    min_size: int = setting("minSize", "Minimum number of nodes.", 2, minimum=1)
    desired_size: int = setting("desiredSize", "Desired number of nodes.", 2)
    max_size: int = setting("maxSize", "Maximum number of nodes.", 4)
    disk_size_gb: int = setting("diskSizeGb", "Root volume size of each node, in GiB.", 50, minimum=20)


@dataclass(frozen=True)
class ExistingNetworkConfig:
    vpc_id: str = setting("vpcId", "Id of an existing VPC to deploy into.", required=True, example="vpc-0abc1234")
    private_subnet_ids: tuple[str, ...] = setting(
        "privateSubnetIds",
        "Private subnets (at least two zones) for nodes and the database.",
        required=True,
        example=["subnet-0aaa", "subnet-0bbb"],
    )
    public_subnet_ids: tuple[str, ...] = setting(
        "publicSubnetIds", "Public subnets for internet-facing load balancers (empty when none).", ()
    )
    egress_cidrs: tuple[str, ...] = setting(
        "egressCidrs",
        "Public addresses the private subnets reach the internet from (their NAT gateways' IPs, as "
        "/32): Polaris' load balancer admits them, so deployers inside the VPC (the CI runners) reach it. A created "
        "network admits its own NAT addresses.",
        (),
        example=["198.18.7.10/32"],
    )


AVAILABILITY_ZONES = range(2, 7)
"""EKS needs subnets in at least two zones; the platform's subnet layout (``subnet_cidrs``) fits six."""


@dataclass(frozen=True)
class NetworkConfig:
    vpc_cidr: str = setting("vpcCidr", "CIDR of the VPC the program creates (ignored with `existing`).", "10.40.0.0/16")
    availability_zones: int = setting(
        "availabilityZones",
        "Number of zones to spread subnets over.",
        2,
        minimum=AVAILABILITY_ZONES[0],
        maximum=AVAILABILITY_ZONES[-1],
    )
    existing: ExistingNetworkConfig | None = setting(
        "existing", "Bring an existing VPC and subnets instead of creating a VPC.", None
    )


@dataclass(frozen=True)
class AddonVersionsConfig:
    vpc_cni: str = setting(
        "vpcCni",
        "Version of the managed `vpc-cni` add-on; explicit, so EKS' moving default never shows as drift "
        "(list: `aws eks describe-addon-versions --addon-name vpc-cni --kubernetes-version <version>`).",
        "v1.19.5-eksbuild.1",
        pattern=ADDON_VERSION,
    )
    kube_proxy: str = setting(
        "kubeProxy",
        "Version of the managed `kube-proxy` add-on (pulumi-eks would take the most recent); its "
        "minor follows `kubernetesVersion`.",
        "v1.33.0-eksbuild.2",
        pattern=ADDON_VERSION,
    )


@dataclass(frozen=True)
class PlatformConfig:
    account_id: str = setting(
        "accountId",
        "AWS account that hosts EKS and Polaris.",
        required=True,
        example="111111111111",
        pattern=ACCOUNT_ID,
    )
    region: str = setting(
        "region", "AWS region of the platform.", required=True, example="eu-west-1", pattern=AWS_REGION
    )
    deploy_role_arn: str | None = setting(
        "deployRoleArn",
        "Role the program assumes in the platform account; unset uses ambient credentials.",
        None,
        example="arn:aws:iam::111111111111:role/polaris-deployer",
    )
    aws_credentials: AwsCredentials = setting(
        "awsCredentials",
        "How the program reaches each AWS account: `assume-role` (the account's "
        "`deployRoleArn`) or `profile` (the AWS profile `polaris-<accountId>`, so CI can point one profile at a "
        "read-only role for previews and at the deploy role for `up` without changing any provider input).",
        AwsCredentials.ASSUME_ROLE,
    )
    kubernetes_version: str = setting(
        "kubernetesVersion", "Pinned EKS Kubernetes version.", "1.33", pattern=KUBERNETES_VERSION
    )
    addon_versions: AddonVersionsConfig = setting(
        "addonVersions", "Pinned versions of the cluster's managed add-ons.", AddonVersionsConfig()
    )
    node_group: NodeGroupConfig = setting("nodeGroup", "The managed node group.", NodeGroupConfig())
    network: NetworkConfig = setting("network", "VPC to create, or an existing one.", NetworkConfig())
    api_allowed_cidrs: tuple[str, ...] = setting(
        "apiAllowedCidrs",
        "CIDRs allowed to reach the public Kubernetes API endpoint; empty = private only "
        "(reached from the VPC's private subnets, where the CI runners stand).",
        (),
        example=["203.0.113.0/24"],
    )
    cluster_viewers: tuple[str, ...] = setting(
        "clusterViewers",
        "IAM role ARNs given read-only access to the cluster (EKS access entry with "
        "AmazonEKSAdminViewPolicy), e.g. the CI preview role, so previews and drift checks can read Kubernetes "
        "objects without write access.",
        (),
        example=["arn:aws:iam::111111111111:role/polaris-ci-preview"],
    )
    polaris_allowed_cidrs: tuple[str, ...] = setting(
        "polarisAllowedCidrs",
        "The partners' CIDRs allowed to reach the Polaris load balancer (`exposure: "
        "load-balancer`); the platform VPC's own NAT addresses are admitted too, for the deployers inside it.",
        (),
        example=["198.51.100.0/24"],
    )


# --------------------------------------------------------------------------------------------------
# polaris


BACKUP_RETENTION_DAYS = range(1, RDS_BACKUP_RETENTION_MAX_DAYS + 1)
"""At least a day (0 would turn RDS backups off), at most what RDS keeps."""


@dataclass(frozen=True)
class DatabaseConfig:
    instance_class: str = setting("instanceClass", "RDS instance class.", "db.t4g.medium")
    engine_version: str = setting(
        "engineVersion",
        "RDS PostgreSQL major version: RDS applies minor upgrades itself (automatic minor "
        "upgrades), so a pinned minor would read as drift after the first one.",
        "16",
        pattern=POSTGRES_MAJOR,
    )
    allocated_storage_gb: int = setting("allocatedStorageGb", "Allocated storage, in GiB.", 20, minimum=20)
    backup_retention_days: int = setting(
        "backupRetentionDays",
        "Automated backup retention, in days.",
        7,
        minimum=BACKUP_RETENTION_DAYS[0],
        maximum=BACKUP_RETENTION_DAYS[-1],
    )
    multi_az: bool = setting("multiAz", "Run a standby in a second zone.", False)


@dataclass(frozen=True)
class PodResourcesConfig:
    cpu_request: str = setting("cpuRequest", "CPU request of a Polaris pod.", "500m")
    memory_request: str = setting("memoryRequest", "Memory request of a Polaris pod.", "1Gi")
    cpu_limit: str = setting("cpuLimit", "CPU limit of a Polaris pod.", "2")
    memory_limit: str = setting("memoryLimit", "Memory limit of a Polaris pod.", "2Gi")


@dataclass(frozen=True)
class AzureApplicationConfig:
    tenant_id: str = setting(
        "tenantId",
        "Home tenant of Polaris' multi-tenant Entra application.",
        required=True,
        example="00000000-0000-0000-0000-000000000001",
        pattern=TENANT_ID,
    )
    display_name: str = setting("displayName", "Display name of the application.", "polaris-credential-vending")
    client_id: str | None = setting(
        "clientId",
        "Bring your own multi-tenant application (its client id): the program then creates no "
        "application and no credential for it, only the owners' service principals and role assignments.",
        None,
        example="00000000-0000-0000-0000-0000000000ee",
        pattern=APPLICATION_ID,
    )


@dataclass(frozen=True)
class ExistingPolarisConfig:
    url: str = setting(
        "url",
        "Base URL of the Polaris server (its API, without `/api/...`).",
        required=True,
        example="https://polaris.example.com",
    )
    client_id: str = setting(
        "clientId",
        "Client id of a principal holding `service_admin` in the realm.",
        required=True,
        example="root",
        pattern=CLIENT_ID,
    )
    client_secret: SecretValue = setting(
        "clientSecret",
        "That principal's client secret (a Pulumi secret: `pulumi config set --secret`).",
        required=True,
    )
    server_role_arn: str | None = setting(
        "serverRoleArn",
        "AWS identity the existing Polaris assumes vending roles with; needed only when the "
        "program creates an AWS data owner's vending role.",
        None,
        example="arn:aws:iam::111111111111:role/polaris-server",
    )


REMOTE_DEBUG_PORT = 5005
"""JDWP's port when ``remoteDebug`` is on (on loopback only: ``components.kubernetes.DEBUG_ADDRESS``)."""
AZURE_SECRET_VALIDITY_DAYS = range(1, 366)
"""The static-secret fallback's password lives a year at most; rotation renews it before then."""


@dataclass(frozen=True)
class PolarisConfig:
    existing: ExistingPolarisConfig | None = setting(
        "existing",
        "Bring your own Polaris: the program then declares no platform, database or Kubernetes "
        "object, only the objects inside Polaris and the client configurations.",
        None,
    )
    version: str = setting(
        "version",
        "Polaris release; pins `apache/polaris` and `apache/polaris-admin-tool`, deployed by the digests "
        "recorded for it in `components/data/images.json` (`python -m tools.pin_images --add <image>:<version>`).",
        "1.7.0",
        pattern=POLARIS_RELEASE,
    )
    replicas: int = setting("replicas", "Polaris server replicas (1 with `in-memory`).", 1, minimum=1)
    persistence: Persistence = setting(
        "persistence",
        "`postgres` (RDS) or `in-memory` (refused in production stacks: every catalog is lost on restart).",
        Persistence.IN_MEMORY,
    )
    realm: str = setting("realm", "Polaris realm name.", "POLARIS", pattern=REALM)
    exposure: Exposure = setting(
        "exposure",
        "`internal` (cluster-internal Service) or `load-balancer` (NLB limited to `platform.polarisAllowedCidrs`).",
        Exposure.INTERNAL,
    )
    credential_mode: CredentialMode = setting(
        "credentialMode",
        "`keyless` (IRSA, GCP workload identity federation, Azure federated credentials) "
        "or `static-secret` (Azure application password; explicit, policed fallback).",
        CredentialMode.KEYLESS,
    )
    namespace: str = setting("namespace", "Kubernetes namespace of Polaris.", "polaris", pattern=DNS_LABEL)
    service_account: str = setting(
        "serviceAccount", "Kubernetes service account Polaris runs as.", "polaris", pattern=DNS_LABEL
    )
    endpoint: str | None = setting(
        "endpoint",
        "URL through which the Pulumi engine reaches Polaris' API (e.g. over a VPN or a private "
        "ingress). Unset with `exposure: internal`: a port-forward to a ready Polaris pod through the Kubernetes "
        "API server, as `kubectl port-forward` (docs/operations.md); unset with `load-balancer`: its URL.",
        None,
        example="https://polaris.internal.example.com",
    )
    tls_certificate_arn: str | None = setting(
        "tlsCertificateArn",
        "Existing ACM certificate for TLS on the load balancer, in the platform's account and "
        "region; unset with `hostname` = the program issues one for `hostname`, DNS-validated in `hostedZone`.",
        None,
        example="arn:aws:acm:eu-west-1:111111111111:certificate/abcd",
        pattern=ACM_CERTIFICATE_ARN,
    )
    hostname: str | None = setting(
        "hostname",
        "DNS name clients use for Polaris (`exposure: load-balancer`; required in production): the "
        "program creates its alias record to the load balancer in `hostedZone`, and the provider, the stack "
        "outputs and every client configuration use `https://<hostname>`.",
        None,
        example="polaris.exchange.example.com",
        pattern=HOSTNAME,
    )
    hosted_zone: str | None = setting(
        "hostedZone",
        "Domain name of the public Route 53 hosted zone, in the platform account, that holds "
        "`hostname` (and the issued certificate's validation record).",
        None,
        example="exchange.example.com",
        pattern=HOSTED_ZONE,
    )
    session_tags: bool = setting("sessionTags", "Send STS session tags (adds `sts:TagSession` to trusts).", False)
    remote_debug: bool = setting(
        "remoteDebug", f"JDWP on port {REMOTE_DEBUG_PORT}; refused in production stacks.", False
    )
    features: Mapping[str, Any] = setting(
        "features", 'Extra Polaris feature flags (`polaris.features."KEY"`); insecure ones are policed.', {}
    )
    database: DatabaseConfig = setting("database", "RDS settings (`persistence: postgres`).", DatabaseConfig())
    resources: PodResourcesConfig = setting("resources", "Pod requests and limits.", PodResourcesConfig())
    azure_application: AzureApplicationConfig | None = setting(
        "azureApplication", "Polaris' Entra application; needed when a data owner is on Azure.", None
    )
    gcp_identity_project: str | None = setting(
        "gcpIdentityProject",
        "GCP project holding the one workload identity pool Polaris federates into; "
        "unset = the first GCP data owner's project.",
        None,
        example="globex-data",
        pattern=GCP_PROJECT,
    )
    azure_secret_validity_days: int = setting(
        "azureSecretValidityDays",
        "Lifetime of the Azure application password (`static-secret`), in days.",
        90,
        minimum=AZURE_SECRET_VALIDITY_DAYS[0],
        maximum=AZURE_SECRET_VALIDITY_DAYS[-1],
    )


# --------------------------------------------------------------------------------------------------
# data owners


@dataclass(frozen=True)
class GivenAwsRole:
    role_arn: str = setting(
        "roleArn",
        "The vending role your security team created in the owner's account.",
        required=True,
        example="arn:aws:iam::222222222222:role/polaris-vending",
    )
    external_id: SecretValue = setting(
        "externalId",
        "The external id its trust policy requires (a Pulumi secret: `pulumi config set --secret`).",
        required=True,
    )


@dataclass(frozen=True)
class S3CompatibleEndpoints:
    s3: str = setting(
        "s3",
        "S3 endpoint URL Polaris and clients use.",
        required=True,
        example="http://127.0.0.1:9000",
        pattern=ENDPOINT_URL,
    )
    sts: str | None = setting(
        "sts",
        "STS endpoint URL Polaris vends through; unset = AWS STS.",
        None,
        example="http://127.0.0.1:9000",
        pattern=ENDPOINT_URL,
    )
    path_style_access: bool = setting("pathStyleAccess", "Address buckets by path instead of host name.", False)


@dataclass(frozen=True)
class AwsAccount:
    account_id: str = setting(
        "accountId", "AWS account of the data owner.", required=True, example="222222222222", pattern=ACCOUNT_ID
    )
    region: str = setting("region", "Region of the bucket.", required=True, example="eu-west-1", pattern=AWS_REGION)
    deploy_role_arn: str | None = setting(
        "deployRoleArn",
        "Role the program assumes in that account; needed when the program creates the bucket "
        "or the vending role there.",
        None,
        example="arn:aws:iam::222222222222:role/polaris-deployer",
    )
    kms_key_arn: str | None = setting(
        "kmsKeyArn", "Customer KMS key for SSE-KMS; unset = SSE-S3.", None, pattern=KMS_KEY_ARN
    )
    vending_role: GivenAwsRole | None = setting(
        "vendingRole", "Bring your own vending role instead of having the program create it.", None
    )
    endpoints: S3CompatibleEndpoints | None = setting(
        "endpoints", "An S3-compatible store instead of AWS S3 (local runs, on-premises object stores).", None
    )

    @property
    def creates_resources(self) -> bool:
        return self.vending_role is None


@dataclass(frozen=True)
class GcpProject:
    project: str = setting(
        "project", "GCP project of the data owner.", required=True, example="globex-data", pattern=GCP_PROJECT
    )
    location: str = setting(
        "location",
        "Bucket location: a multi-region (`EU`), a predefined dual-region (`EUR4`) or a "
        "region (`europe-west1`); checked against `rules/gcp.py`.",
        "EU",
    )
    object_admin: bool = setting(
        "objectAdmin", "Grant `roles/storage.objectAdmin` instead of `objectUser` on the bucket.", False
    )
    service_account: str | None = setting(
        "serviceAccount",
        "Bring your own vending service account (its e-mail) instead of having the program "
        "create it; Polaris' identity must be allowed to impersonate it.",
        None,
        example="polaris-vending@globex-data.iam.gserviceaccount.com",
        pattern=GCP_SERVICE_ACCOUNT,
    )


@dataclass(frozen=True)
class AzureSubscription:
    tenant_id: str = setting(
        "tenantId",
        "Entra tenant of the data owner.",
        required=True,
        example="00000000-0000-0000-0000-000000000002",
        pattern=TENANT_ID,
    )
    subscription_id: str = setting(
        "subscriptionId",
        "Azure subscription.",
        required=True,
        example="00000000-0000-0000-0000-0000000000aa",
        pattern=SUBSCRIPTION_ID,
    )
    resource_group: str = setting(
        "resourceGroup", "Existing resource group for the storage account.", required=True, example="initech-data"
    )
    location: str = setting(
        "location",
        "Azure region, as `az account list-locations` names it; checked against `rules/azure.py`.",
        required=True,
        example="westeurope",
    )
    shared_key_access: bool = setting("sharedKeyAccess", "Allow storage account shared keys.", False)


@dataclass(frozen=True)
class StorageConfig:
    bucket: str | None = setting("bucket", "S3 or GCS bucket name (AWS, GCP).", None, example="acme-shared-data")
    account: str | None = setting(
        "account", "Storage account name (Azure).", None, example="initechshared", pattern=AZURE_STORAGE_ACCOUNT
    )
    container: str | None = setting(
        "container", "Blob container name (Azure).", None, example="exchange", pattern=AZURE_CONTAINER
    )
    create: bool = setting("create", "Create the bucket/container (false = bring an existing one by name).", True)
    prefixes: tuple[str, ...] = setting(
        "prefixes",
        "Prefixes under the bucket/container that may be shared; vending is limited to them.",
        required=True,
        example=["sales", "marketing"],
    )


@dataclass(frozen=True)
class DataOwnerConfig:
    name: str = setting("name", "Data owner name (unique).", required=True, example="acme")
    storage: StorageConfig = setting("storage", "Where the owner's shared data lives.", required=True)
    aws: AwsAccount | None = setting("aws", "The owner's AWS account (exactly one of aws, gcp, azure).", None)
    gcp: GcpProject | None = setting("gcp", "The owner's GCP project.", None)
    azure: AzureSubscription | None = setting("azure", "The owner's Azure tenant and subscription.", None)

    @property
    def cloud(self) -> Cloud:
        if self.aws is not None:
            return Cloud.AWS
        if self.gcp is not None:
            return Cloud.GCP
        return Cloud.AZURE

    @property
    def storage_root(self) -> str:
        """The URL of the bucket or container, without a trailing slash."""
        return storage_root(self.cloud, self.storage)

    @property
    def allowed_locations(self) -> tuple[str, ...]:
        """One URL per shared prefix, with a trailing slash: what Polaris may vend access to."""
        return tuple(f"{self.storage_root}/{prefix.strip('/')}/" for prefix in self.storage.prefixes)


def storage_root(cloud: Cloud, storage: StorageConfig) -> str:
    if cloud is Cloud.AWS:
        return f"s3://{storage.bucket}"
    if cloud is Cloud.GCP:
        return f"gs://{storage.bucket}"
    # Unset names are reported by the validation, as an unset bucket is; the root is then only shown.
    return container_url(str(storage.account), str(storage.container))


# --------------------------------------------------------------------------------------------------
# catalogs and organisations


@dataclass(frozen=True)
class CatalogConfig:
    name: str = setting("name", "Polaris catalog name (unique).", required=True, example="sales")
    data_owner: str = setting(
        "dataOwner", "Name of the data owner whose storage holds the catalog.", required=True, example="acme"
    )
    locations: tuple[str, ...] = setting(
        "locations",
        "Allowed locations under the owner's shared prefixes; the first is the default base location.",
        required=True,
        example=["s3://acme-shared-data/sales/"],
    )

    @property
    def default_base_location(self) -> str:
        return self.locations[0]


@dataclass(frozen=True)
class AccessConfig:
    catalog: str = setting("catalog", "Catalog the access applies to.", required=True, example="sales")
    level: AccessLevel = setting("level", "`read` or `write`.", required=True, example="read")
    namespaces: tuple[str, ...] = setting(
        "namespaces",
        "Namespaces (levels joined by `.`) the access is limited to; empty = the whole catalog.",
        (),
        example=["emea.orders"],
        pattern=NAMESPACE,
    )


@dataclass(frozen=True)
class OrganisationConfig:
    name: str = setting(
        "name", "Organisation name; names its Polaris principal and principal role.", required=True, example="contoso"
    )
    access: tuple[AccessConfig, ...] = setting("access", "What the organisation may read or write.", ())
    credential_rotation: str = setting(
        "credentialRotation", "Rotation trigger: change the value to rotate the principal's secret.", ""
    )


# --------------------------------------------------------------------------------------------------
# audit trail

AUDIT_RETENTION_DAYS = (30, 60, 90, 120, 150, 180, 365, 400, 545)
"""Retention periods both CloudWatch Logs and a Log Analytics workspace (30-730 days) accept."""


@dataclass(frozen=True)
class AuditConfig:
    enabled: bool | None = setting(
        "enabled",
        "Record who obtained credentials for what and who read what: Polaris' events to CloudWatch "
        "Logs (platform account), S3 server access logs (each AWS owner's account), Cloud Storage Data Access "
        "audit logs (each GCP owner's project), blob diagnostic settings to a Log Analytics workspace (each "
        "Azure owner's subscription). Unset = on in production stacks, off otherwise.",
        None,
    )
    retention_days: int = setting(
        "retentionDays",
        "Days the audit logs are kept (CloudWatch log group, S3 log bucket, Log Analytics workspace).",
        365,
        choices=AUDIT_RETENTION_DAYS,
    )


# --------------------------------------------------------------------------------------------------
# the whole stack


@dataclass(frozen=True)
class StackConfig:
    production: bool = setting("production", "Marks a production stack: stricter rules apply.", False)
    tags: Mapping[str, str] = setting(
        "tags",
        "Tags/labels applied to every cloud resource that takes them: at most "
        f"{tags.COUNT_MAX}, keys of 1-{tags.KEY_MAX} and values of at most {tags.VALUE_MAX} characters, no "
        f"`{tags.RESERVED_PREFIX}` prefix, keys distinct regardless of case.",
        {},
    )
    platform: PlatformConfig | None = setting(
        "platform", "The AWS platform account, EKS and networking (required unless `polaris.existing`).", None
    )
    polaris: PolarisConfig = setting("polaris", "The Polaris deployment.", PolarisConfig())
    data_owners: tuple[DataOwnerConfig, ...] = setting("dataOwners", "Organisations whose storage is shared.", ())
    catalogs: tuple[CatalogConfig, ...] = setting("catalogs", "Polaris catalogs.", ())
    organisations: tuple[OrganisationConfig, ...] = setting(
        "organisations", "Principals that consume or produce data, and their access.", ()
    )
    audit: AuditConfig = setting("audit", "The audit trail per cloud (docs/operations.md: reading it).", AuditConfig())

    @property
    def audit_enabled(self) -> bool:
        """``audit.enabled``, defaulting to the stack's ``production`` flag."""
        return self.production if self.audit.enabled is None else self.audit.enabled

    def data_owner(self, name: str) -> DataOwnerConfig:
        return next(o for o in self.data_owners if o.name == name)

    def catalog(self, name: str) -> CatalogConfig:
        return next(c for c in self.catalogs if c.name == name)

    def owners_on(self, cloud: Cloud) -> tuple[DataOwnerConfig, ...]:
        return tuple(o for o in self.data_owners if o.cloud is cloud)

    def gcp_identity_project(self) -> str | None:
        """Project of the workload identity pool that Polaris' Kubernetes identity federates into."""
        first = next((o.gcp.project for o in self.owners_on(Cloud.GCP) if o.gcp is not None), None)
        return self.polaris.gcp_identity_project or first
