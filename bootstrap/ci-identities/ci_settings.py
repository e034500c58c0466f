"""What the CI identities must reach: the bootstrap's own settings plus the targets read from the application
stacks (``Pulumi.<stack>.yaml`` of polaris-data-exchange), so accounts, projects and tenants are declared once.

A stack in ``previewStacks`` gets read-only access for the preview identity; a stack in ``deployStacks`` also
gets write access for the deploy identity (through the deploy roles its configuration names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from components.platform.cluster import subnet_cidrs
from configuration.loader import load_stack
from configuration.schema import PlatformConfig, StackConfig

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class AwsAccountTarget:
    account_id: str
    region: str
    deploy_role_name: str | None = None
    """Role the program assumes there for `pulumi up` (from `deployRoleArn`); None: CI never deploys here."""
    buckets: tuple[str, ...] = ()
    kms_key_arns: tuple[str, ...] = ()
    platform: bool = False
    """Hosts EKS, RDS and Polaris (the deploy role manages those services there)."""


@dataclass(frozen=True)
class GcpProjectTarget:
    project: str
    deploy: bool = False


@dataclass(frozen=True)
class AzureTarget:
    tenant_id: str
    subscription_id: str
    resource_group: str
    deploy: bool = False

    @property
    def scope(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"


@dataclass(frozen=True)
class Home:
    """Where the GitHub trust lives in each cloud."""

    aws_account_id: str
    aws_region: str
    gcp_project: str | None = None
    azure_tenant_id: str | None = None
    azure_subscription_id: str | None = None

    def require_gcp_project(self) -> str:
        """The pool's project: needed once a stack has GCP data owners."""
        if not self.gcp_project:
            raise ValueError("home.gcpProject is required: a stack has GCP data owners")
        return self.gcp_project

    def require_azure(self) -> tuple[str, str]:
        """The applications' tenant and subscription: needed once a stack has Azure data owners."""
        if not (self.azure_tenant_id and self.azure_subscription_id):
            raise ValueError(
                "home.azureTenantId and home.azureSubscriptionId are required: a stack has Azure data owners"
            )
        return self.azure_tenant_id, self.azure_subscription_id


@dataclass(frozen=True)
class StateBackend:
    bucket: str | None = None
    """S3 bucket of a self-managed backend; None with Pulumi Cloud."""
    kms_key_arn: str | None = None
    """Key of the `awskms://` secrets provider."""


@dataclass(frozen=True)
class RunnerTarget:
    """Where the CI runners stand: the private subnets of one application stack's platform VPC, read from
    that stack's configuration (an existing network names its subnets; a created one is found by its CIDR,
    tags and subnet layout once its first `up` has created it)."""

    stack: str
    account_id: str
    region: str
    private_subnet_cidrs: tuple[str, ...] = ()
    """Created network: the private subnets' CIDRs (the platform's layout)."""
    vpc_cidr: str | None = None
    vpc_tags: Mapping[str, str] = field(default_factory=dict)
    """Created network: the VPC's CIDR and the stack's tags (its provider's default tags)."""
    vpc_id: str | None = None
    private_subnet_ids: tuple[str, ...] = ()
    """Existing network: its VPC and private subnets."""


@dataclass(frozen=True)
class CiIdentitiesArgs:
    repository: str
    """GitHub `owner/name` whose workflows may use the identities."""
    home: Home
    aws_accounts: tuple[AwsAccountTarget, ...]
    gcp_projects: tuple[GcpProjectTarget, ...] = ()
    azure_targets: tuple[AzureTarget, ...] = ()
    state: StateBackend = StateBackend()
    prefix: str = "polaris-ci"
    production_environment: str = "production"
    admin_role_name: str | None = None
    """Role this bootstrap assumes in each AWS account; None: ambient credentials."""
    runners: RunnerTarget | None = None
    """CI runners inside that stack's VPC, for the jobs that touch Kubernetes or Polaris; None: no runners."""

    def subjects(self, identity: str) -> tuple[str, ...]:
        """GitHub OIDC `sub` claims an identity trusts: previews run on pull requests and on main (drift);
        deploys only in the protected environment."""
        if identity == "preview":
            return (f"repo:{self.repository}:pull_request", f"repo:{self.repository}:ref:refs/heads/main")
        return (f"repo:{self.repository}:environment:{self.production_environment}",)


def role_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def aws_targets(stacks: Mapping[str, tuple[StackConfig, bool]]) -> tuple[AwsAccountTarget, ...]:
    targets: dict[str, AwsAccountTarget] = {}
    for name, (cfg, deploy) in stacks.items():
        platform = _platform(name, cfg)
        if deploy and not platform.deploy_role_arn:
            raise ValueError("a deployed stack needs platform.deployRoleArn: the deploy identity only assumes roles")
        _merge(
            targets,
            AwsAccountTarget(
                platform.account_id,
                platform.region,
                platform=True,
                deploy_role_name=role_name(platform.deploy_role_arn) if deploy and platform.deploy_role_arn else None,
            ),
        )
        for index, owner in enumerate(cfg.data_owners):
            if owner.aws is None:
                continue
            if owner.storage.bucket is None:
                raise ValueError(f"stack {name!r}: dataOwners[{index}].storage.bucket is required on AWS")
            _merge(
                targets,
                AwsAccountTarget(
                    owner.aws.account_id,
                    owner.aws.region,
                    buckets=(owner.storage.bucket,),
                    kms_key_arns=(owner.aws.kms_key_arn,) if owner.aws.kms_key_arn else (),
                    deploy_role_name=role_name(owner.aws.deploy_role_arn)
                    if deploy and owner.aws.deploy_role_arn
                    else None,
                ),
            )
    return tuple(targets.values())


def _platform(name: str, cfg: StackConfig) -> PlatformConfig:
    if cfg.platform is None:
        raise ValueError(
            f"stack {name!r}: platform is required: the CI identities reach its platform account "
            "(a stack bringing its Polaris with polaris.existing has none)"
        )
    return cfg.platform


def _merge(targets: dict[str, AwsAccountTarget], new: AwsAccountTarget) -> None:
    old = targets.get(new.account_id)
    if old is None:
        targets[new.account_id] = new
        return
    if old.deploy_role_name and new.deploy_role_name and old.deploy_role_name != new.deploy_role_name:
        raise ValueError(
            f"account {new.account_id}: deploy roles {old.deploy_role_name} and "
            f"{new.deploy_role_name}; deployed stacks must agree"
        )
    targets[new.account_id] = replace(
        old,
        deploy_role_name=old.deploy_role_name or new.deploy_role_name,
        platform=old.platform or new.platform,
        buckets=tuple(dict.fromkeys(old.buckets + new.buckets)),
        kms_key_arns=tuple(dict.fromkeys(old.kms_key_arns + new.kms_key_arns)),
    )


def gcp_targets(stacks: Mapping[str, tuple[StackConfig, bool]]) -> tuple[GcpProjectTarget, ...]:
    deploy_by_project: dict[str, bool] = {}
    for cfg, deploy in stacks.values():
        for gcp in (owner.gcp for owner in cfg.data_owners if owner.gcp is not None):
            deploy_by_project[gcp.project] = deploy_by_project.get(gcp.project, False) or deploy
    return tuple(GcpProjectTarget(p, d) for p, d in deploy_by_project.items())


def azure_targets(stacks: Mapping[str, tuple[StackConfig, bool]]) -> tuple[AzureTarget, ...]:
    deploy_by_group: dict[tuple[str, str, str], bool] = {}
    for cfg, deploy in stacks.values():
        for azure in (owner.azure for owner in cfg.data_owners if owner.azure is not None):
            key = (azure.tenant_id, azure.subscription_id, azure.resource_group)
            deploy_by_group[key] = deploy_by_group.get(key, False) or deploy
    return tuple(AzureTarget(t, s, g, d) for (t, s, g), d in deploy_by_group.items())


def build_args(config: Mapping[str, Any], root: Path = REPO_ROOT) -> CiIdentitiesArgs:
    """Arguments from the bootstrap stack's configuration (keys without namespace, structured values decoded)."""
    deploy_stacks = set(config.get("deployStacks", []))
    names = list(dict.fromkeys([*config["previewStacks"], *deploy_stacks]))
    stacks = {name: (load_stack(name, root), name in deploy_stacks) for name in names}
    home, state = config["home"], config.get("stateBackend", {})
    args = CiIdentitiesArgs(
        repository=config["repository"],
        prefix=config.get("prefix", "polaris-ci"),
        production_environment=config.get("productionEnvironment", "production"),
        admin_role_name=config.get("adminRoleName"),
        home=Home(
            home["awsAccountId"],
            home["awsRegion"],
            home.get("gcpProject"),
            home.get("azureTenantId"),
            home.get("azureSubscriptionId"),
        ),
        state=StateBackend(state.get("bucket"), state.get("kmsKeyArn")),
        aws_accounts=aws_targets(stacks),
        gcp_projects=gcp_targets(stacks),
        azure_targets=azure_targets(stacks),
        runners=runner_target(config.get("runners"), {name: cfg for name, (cfg, _) in stacks.items()}),
    )
    _check_home(args)
    return args


def runner_target(runners: Mapping[str, Any] | None, stacks: Mapping[str, StackConfig]) -> RunnerTarget | None:
    """The runners' network, from the application stack they deploy (its platform VPC)."""
    if runners is None:
        return None
    name = runners.get("stack")
    if not isinstance(name, str) or name not in stacks:
        raise ValueError(
            f"runners.stack: {name!r} — expected one of the previewed or deployed stacks "
            f"({', '.join(stacks)}): the runners stand in that stack's platform VPC"
        )
    platform = _platform(name, stacks[name])
    existing = platform.network.existing
    if existing is not None:
        return RunnerTarget(
            name,
            platform.account_id,
            platform.region,
            vpc_id=existing.vpc_id,
            private_subnet_ids=existing.private_subnet_ids,
        )
    private, _ = subnet_cidrs(platform.network.vpc_cidr, platform.network.availability_zones)
    return RunnerTarget(
        name,
        platform.account_id,
        platform.region,
        private_subnet_cidrs=tuple(private),
        vpc_cidr=platform.network.vpc_cidr,
        vpc_tags=dict(stacks[name].tags),
    )


def _check_home(args: CiIdentitiesArgs) -> None:
    """Fail before any resource is declared, not halfway through the cloud that lacks its home."""
    if args.gcp_projects:
        args.home.require_gcp_project()
    if args.azure_targets:
        args.home.require_azure()
