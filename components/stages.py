"""How the stages connect: each stage's typed outputs are the next stage's inputs.

    platform (EKS, IRSA role, OIDC issuer) ──► vending identities per data owner (AWS, GCP, Azure)
        │            ▲ vending role ARNs (AssumeRole grant)         │
        ▼                                                           ▼
    database, Polaris server (Kubernetes) ◄── GCP credential config, Azure environment
        │ API URL, admin credentials
        ▼
    Polaris access (catalogs, principals, roles, grants) ──► client configuration per organisation

Only this module knows the order; components know nothing of each other beyond their typed args. It also
turns the stack's ``production`` flag into concrete choices (``Resilience``): no component sees the flag.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pulumi

from components.audit import EventLogArgs, PolarisEventLog
from components.aws import AwsDataOwner, AwsVendingArgs
from components.azure import (
    AzureApplicationArgs,
    AzureDataOwner,
    AzureVendingApplication,
    AzureVendingArgs,
    AzureWorkloadAccess,
)
from components.client_config import client_configuration
from components.data_owner import DataOwner
from components.dns import PolarisAlias, PolarisAliasArgs, PolarisName, PolarisNameArgs
from components.gcp import (
    GcpApis,
    GcpDataOwner,
    GcpVendingArgs,
    GcpWorkloadAccess,
    GcpWorkloadIdentity,
    GcpWorkloadIdentityArgs,
    required_apis,
)
from components.kubernetes import API_PORT, SELECTOR, PolarisServer, PolarisServerArgs
from components.platform.cluster import (
    PlatformArgs,
    PlatformResilience,
    PolarisPlatform,
    PolarisVendingAccess,
    VendingAccessArgs,
)
from components.platform.database import DatabaseArgs, DatabaseResilience, PolarisDatabase
from components.polaris import PolarisAccess, PolarisAccessArgs
from configuration.parser import ConfigError, Problem
from configuration.schema import (
    AwsCredentials,
    Cloud,
    DataOwnerConfig,
    ExistingPolarisConfig,
    Exposure,
    Persistence,
    PlatformConfig,
    StackConfig,
)
from configuration.validation import (
    AZURE_APPLICATION_REQUIRED,
    EXISTING_APPLICATION_REQUIRED,
    PLATFORM_REQUIRED,
    server_role_required,
)
from polaris_provider import PolarisConnection
from polaris_provider.tunnel import PolarisTunnel

T = TypeVar("T")


def _missing(path: str, expected: str) -> ConfigError:
    """The error for a setting the configuration's validation requires where the stages read it: the same
    kind of error, naming its path, should a caller skip validation."""
    return ConfigError([Problem(path, None, expected)])


def _validated(value: T | None, path: str, expected: str) -> T:
    """``value``, which validation guarantees is set here (``_missing`` otherwise)."""
    if value is None:
        raise _missing(path, expected)
    return value


@dataclass
class Stages:
    """Every stage of one stack, kept so tests and exports can reach them.

    ``platform`` and ``server`` are None when the stack brings its own Polaris (``polaris.existing``)."""

    config: StackConfig
    platform: PolarisPlatform | None
    vending: dict[str, DataOwner]
    server: PolarisServer | None
    access: PolarisAccess
    exports: dict[str, Any] = field(default_factory=dict)

    def outputs(self) -> dict[str, Any]:
        return self.exports


@dataclass(frozen=True)
class Resilience:
    """What a production stack buys, decided here once: components get these choices, never the stack's
    ``production`` flag."""

    platform: PlatformResilience
    database: DatabaseResilience

    @classmethod
    def of(cls, production: bool) -> Resilience:
        """A production stack survives a zone outage (a NAT gateway per zone) and refuses to lose its cluster
        or database to a mistaken delete; any other stack shares one NAT and deletes cleanly."""
        return cls(
            platform=PlatformResilience(nat_per_zone=production, deletion_protection=production),
            database=DatabaseResilience(deletion_protection=production, final_snapshot=production),
        )


@dataclass(frozen=True)
class PlatformIdentity:
    """What the owners' vending identities trust on Polaris' side."""

    server_role_arn: pulumi.Input[str] | None
    """Polaris' IRSA role: the program's, or ``polaris.existing.serverRoleArn`` (None when every AWS owner of a
    brought Polaris brings its vending role)."""
    oidc_issuer_url: pulumi.Input[str] | None
    """The cluster's OIDC issuer; None when Polaris is brought (GCP and Azure owners then bring identities)."""


@dataclass(frozen=True)
class OwnerGroup:
    """The data owners of one storage kind, and what Polaris' pod needs to use their identities."""

    owners: Mapping[str, DataOwner]
    gcp: GcpWorkloadAccess | None = None
    azure: AzureWorkloadAccess | None = None


OwnerKind = Callable[[StackConfig, PlatformIdentity], OwnerGroup]
"""Builds every owner of one storage kind (nothing when the stack has none)."""


def _aws_owners(config: StackConfig, platform: PlatformIdentity) -> OwnerGroup:
    credentials = config.platform.aws_credentials if config.platform else AwsCredentials.ASSUME_ROLE
    return OwnerGroup(
        {
            owner.name: AwsDataOwner(
                f"aws-{owner.name}",
                AwsVendingArgs(
                    owner=owner,
                    polaris_server_role_arn=_trusted_server_role(owner, platform),
                    session_tags=config.polaris.session_tags,
                    tags=config.tags,
                    credentials=credentials,
                ),
            )
            for owner in config.owners_on(Cloud.AWS)
        }
    )


def _trusted_server_role(owner: DataOwnerConfig, platform: PlatformIdentity) -> pulumi.Input[str] | None:
    """What the vending role the program creates trusts. A brought Polaris may name no role when the owner
    brings its vending role: that role keeps its own trust."""
    brings_role = owner.aws is not None and owner.aws.vending_role is not None
    if platform.server_role_arn is not None or brings_role:
        return platform.server_role_arn
    raise _missing("polaris.existing.serverRoleArn", server_role_required(owner.name))


def _gcp_owners(config: StackConfig, platform: PlatformIdentity) -> OwnerGroup:
    """The owners' service accounts and, with the program's own Polaris, the pool they let impersonate them."""
    pol, owners = config.polaris, config.owners_on(Cloud.GCP)
    federated_principal: pulumi.Input[str] = ""  # with polaris.existing every GCP owner brings its account
    apis: Sequence[pulumi.Resource] = ()
    access = None
    if owners and platform.oidc_issuer_url is not None:
        # owners_on(Cloud.GCP) holds exactly the owners with a gcp section; with one, the pool's project is known.
        identity_project = _validated(
            config.gcp_identity_project(), "polaris.gcpIdentityProject", "the project of Polaris' identity pool"
        )
        apis = GcpApis(
            "gcp-apis", required_apis(identity_project, [o.gcp.project for o in owners if o.gcp is not None])
        ).services
        identity = GcpWorkloadIdentity(
            "gcp-identity",
            GcpWorkloadIdentityArgs(
                project=identity_project,
                oidc_issuer_url=platform.oidc_issuer_url,
                namespace=pol.namespace,
                service_account=pol.service_account,
                apis=apis,
            ),
        )
        access, federated_principal = identity.access, identity.federated_principal
    vending = {
        owner.name: GcpDataOwner(
            f"gcp-{owner.name}",
            GcpVendingArgs(
                owner=owner,
                federated_principal=federated_principal,
                labels=config.tags,
                apis=apis,
                audit=config.audit_enabled,
            ),
        )
        for owner in owners
    }
    return OwnerGroup(vending, gcp=access)


def _azure_owners(config: StackConfig, platform: PlatformIdentity) -> OwnerGroup:
    """Polaris' multi-tenant application (the one given, ``azureApplication.clientId``, or created) and each
    owner's storage with the application's roles."""
    pol, owners = config.polaris, config.owners_on(Cloud.AZURE)
    if not owners:
        return OwnerGroup({})
    app = _validated(
        pol.azure_application,
        "polaris.azureApplication",
        AZURE_APPLICATION_REQUIRED,
    )
    # owners_on(Cloud.AZURE) holds exactly the owners with an azure section.
    tenants = tuple(o.azure.tenant_id for o in owners if o.azure is not None)
    home_principal = None
    if app.client_id is not None:
        client_id: pulumi.Input[str] = app.client_id
        home = app.tenant_id
        access = AzureWorkloadAccess(
            client_id=client_id,
            tenant_id=home,
            additionally_allowed_tenants=tuple(sorted(set(tenants) - {home})),
            client_secret=None,
        )
    elif platform.oidc_issuer_url is None:
        raise _missing(
            "polaris.azureApplication.clientId",
            EXISTING_APPLICATION_REQUIRED,
        )
    else:
        application = AzureVendingApplication(
            "azure-vending",
            AzureApplicationArgs(
                application=app,
                credential_mode=pol.credential_mode,
                oidc_issuer_url=platform.oidc_issuer_url,
                namespace=pol.namespace,
                service_account=pol.service_account,
                secret_validity_days=pol.azure_secret_validity_days,
                owner_tenants=tenants,
            ),
        )
        client_id, home_principal, access = application.client_id, application.service_principal, application.access
    vending = {
        owner.name: AzureDataOwner(
            f"azure-{owner.name}",
            AzureVendingArgs(
                owner=owner,
                application_client_id=client_id,
                application_name=app.display_name,
                tags=config.tags,
                home_principal=home_principal,
            ),
        )
        for owner in owners
    }
    return OwnerGroup(vending, azure=access)


OWNER_KINDS: tuple[OwnerKind, ...] = (_aws_owners, _gcp_owners, _azure_owners)
"""Every storage kind the exchange vends for: a new kind is its ``DataOwner`` module and one entry here."""


class VendingStage:
    """The data owners' identities, and what Polaris' pod needs to use them. Past their construction, every
    owner is wired through ``DataOwner`` alone."""

    def __init__(self, config: StackConfig, identity: PlatformIdentity):
        self.owners: dict[str, DataOwner] = {}
        self.gcp_access: GcpWorkloadAccess | None = None
        self.azure_access: AzureWorkloadAccess | None = None
        for kind in OWNER_KINDS:
            group = kind(config, identity)
            self.owners.update(group.owners)
            self.gcp_access = group.gcp or self.gcp_access
            self.azure_access = group.azure or self.azure_access
        self.storage = {name: owner.storage_config() for name, owner in self.owners.items()}

    def role_arns(self) -> list[pulumi.Input[str]]:
        return [arn for owner in self.owners.values() for arn in owner.assumed_roles]


def build_stages(config: StackConfig) -> Stages:
    if config.polaris.existing is not None:
        return _build_on_existing_polaris(config, config.polaris.existing)
    pol, resilience = config.polaris, Resilience.of(config.production)
    platform_config = _validated(
        config.platform,
        "platform",
        PLATFORM_REQUIRED,
    )
    platform = PolarisPlatform(
        "platform",
        PlatformArgs(
            platform=platform_config,
            namespace=pol.namespace,
            service_account=pol.service_account,
            resilience=resilience.platform,
            tags=config.tags,
        ),
    )
    vending = VendingStage(config, PlatformIdentity(platform.server_role_arn, platform.oidc_issuer_url))
    if vending.role_arns():
        PolarisVendingAccess(
            "polaris-vending-access",
            VendingAccessArgs(
                server_role_name=platform.server_role_name,
                vending_role_arns=vending.role_arns(),
                session_tags=pol.session_tags,
            ),
            opts=pulumi.ResourceOptions(provider=platform.aws_provider),
        )
    database = None
    if pol.persistence is Persistence.POSTGRES:
        database = PolarisDatabase(
            "polaris-db",
            DatabaseArgs(
                database=pol.database,
                vpc_id=platform.vpc_id,
                subnet_ids=platform.private_subnet_ids,
                client_security_group_id=platform.node_security_group_id,
                resilience=resilience.database,
                tags=config.tags,
                performance_insights=True,
                account_id=platform_config.account_id,
            ),
            opts=pulumi.ResourceOptions(provider=platform.aws_provider),
        )
    events = _audit_trail(config, platform_config, platform, vending)
    hostname, name = pol.hostname, None
    if hostname:
        name = PolarisName(
            "polaris-name",
            PolarisNameArgs(
                hostname=hostname,
                hosted_zone=_validated(
                    pol.hosted_zone,
                    "polaris.hostedZone",
                    "the public Route 53 zone of polaris.hostname: the program creates its record there",
                ),
                issue_certificate=pol.tls_certificate_arn is None,
            ),
            opts=pulumi.ResourceOptions(provider=platform.aws_provider),
        )
    server = PolarisServer(
        "polaris",
        PolarisServerArgs(
            polaris=pol,
            server_role_arn=platform.server_role_arn,
            allowed_cidrs=platform_config.polaris_allowed_cidrs,
            database=database.connection if database else None,
            gcp=vending.gcp_access,
            azure=vending.azure_access,
            aws_region=platform_config.region,
            certificate_arn=name.certificate_arn if name else None,
            deployer_cidrs=platform.egress_cidrs,
            event_log=events.event_log if events else None,
        ),
        # The load balancer controller's webhook must answer before a LoadBalancer Service is created, and the
        # network policy agent must run before Polaris does.
        opts=pulumi.ResourceOptions(
            provider=platform.kubernetes_provider, depends_on=[*platform.cluster_addons, *([events] if events else [])]
        ),
    )
    public_url = server.api_url
    if hostname and name is not None:
        alias = PolarisAlias(
            "polaris-alias",
            PolarisAliasArgs(
                hostname=hostname,
                zone_id=name.zone_id,
                load_balancer_hostname=_validated(
                    server.load_balancer_hostname,
                    "polaris.exposure",
                    "'load-balancer' with polaris.hostname (the record points at the load balancer)",
                ),
                region=platform_config.region,
            ),
            opts=pulumi.ResourceOptions(provider=platform.aws_provider),
        )
        # The name once its record exists and the rollout is done (``api_url`` waits for it).
        public_url = pulumi.Output.all(alias.url, server.api_url).apply(lambda urls: urls[0])
    endpoint = pol.endpoint or public_url
    connection = PolarisConnection(
        endpoint=endpoint,
        client_id=server.admin_client_id,
        client_secret=server.admin_client_secret,
        realm=pol.realm,
        tunnel=_tunnel(config, platform),
    )
    access = PolarisAccess(
        "polaris-access",
        PolarisAccessArgs(
            connection=connection, catalogs=config.catalogs, organisations=config.organisations, storage=vending.storage
        ),
        opts=pulumi.ResourceOptions(depends_on=[server]),
    )
    stages = Stages(config, platform, vending.owners, server, access)
    # Clients use the public name whenever there is one, even if the engine goes through `polaris.endpoint`.
    client_url = public_url if name is not None else endpoint
    stages.exports.update(_exports(config, vending, access, client_url))
    stages.exports.update(_platform_exports(platform, server))
    return stages


def _audit_trail(
    config: StackConfig, platform_config: PlatformConfig, platform: PolarisPlatform, vending: VendingStage
) -> PolarisEventLog | None:
    """Polaris' event log in the platform account and each owner's storage access log in the owner's own
    account, project or subscription; nothing when ``audit`` is off. Polaris starts after its event log."""
    if not config.audit_enabled:
        return None
    for name, owner in vending.owners.items():
        owner.access_log(f"audit-{name}", config.audit.retention_days)
    events = PolarisEventLog(
        "audit-polaris-events",
        EventLogArgs(
            account_id=platform_config.account_id,
            region=platform_config.region,
            server_role_name=platform.server_role_name,
            retention_days=config.audit.retention_days,
        ),
        opts=pulumi.ResourceOptions(provider=platform.aws_provider),
    )
    return events


def _tunnel(config: StackConfig, platform: PolarisPlatform) -> PolarisTunnel | None:
    """An internal Polaris without an explicit endpoint is reached through a port-forward, with the cluster
    credentials of the Kubernetes provider (the kubeconfig's exec plugin: no token is stored)."""
    pol = config.polaris
    if pol.endpoint is not None or pol.exposure is not Exposure.INTERNAL:
        return None
    return PolarisTunnel(namespace=pol.namespace, selector=SELECTOR, port=API_PORT, kubeconfig=platform.kubeconfig)


def _build_on_existing_polaris(config: StackConfig, existing: ExistingPolarisConfig) -> Stages:
    """Bring your own Polaris: only the vending identities it needs, the objects inside it, client configs."""
    vending = VendingStage(config, PlatformIdentity(existing.server_role_arn, oidc_issuer_url=None))
    connection = PolarisConnection(
        endpoint=existing.url,
        client_id=existing.client_id,
        client_secret=pulumi.Output.secret(str(existing.client_secret)),
        realm=config.polaris.realm,
    )
    access = PolarisAccess(
        "polaris-access",
        PolarisAccessArgs(
            connection=connection, catalogs=config.catalogs, organisations=config.organisations, storage=vending.storage
        ),
    )
    stages = Stages(config, None, vending.owners, None, access)
    stages.exports.update(_exports(config, vending, access, existing.url))
    return stages


def _exports(
    config: StackConfig, vending: VendingStage, access: PolarisAccess, endpoint: pulumi.Input[str]
) -> dict[str, Any]:
    """What operators and organisations need; every credential is a secret."""
    return {
        "polarisUrl": endpoint,
        "catalogs": {c.name: {"dataOwner": c.data_owner, "locations": list(c.locations)} for c in config.catalogs},
        "dataOwners": {name: owner.summary() for name, owner in vending.owners.items()},
        "clientConfigurations": {
            name: client_configuration(
                config, endpoint, org.principal.clientId, org.principal.clientSecret, org.scope, org.catalogs
            )
            for name, org in access.organisations.items()
        },
    }


def _platform_exports(platform: PolarisPlatform, server: PolarisServer) -> dict[str, Any]:
    """What operators of the Polaris the program runs need; every credential is a secret."""
    return {
        "polarisAdminClientId": pulumi.Output.secret(server.admin_client_id),
        "polarisAdminClientSecret": pulumi.Output.secret(server.admin_client_secret),
        "kubeconfig": pulumi.Output.secret(platform.kubeconfig),
        "oidcIssuerUrl": platform.oidc_issuer_url,
        # Where the VPC's deployers (the CI runners) come from: what another stack's lists must admit for them.
        "platformEgressCidrs": platform.egress_cidrs,
        "polarisServerRoleArn": platform.server_role_arn,
    }
