"""What every policy module shares: the resource type tokens (the only place they are spelled), the two
policy factories that give every rule the same metadata and config handling, and small readers for
engine-shaped properties.

Properties are read through pulumi_policy's unknown-checking proxy: touching a value that is unknown during
preview raises ``UnknownValueError``, which the analyzer turns into an advisory "can't run policy during
preview". Nothing here catches it, so an unknown value is never mistaken for a pass or a violation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

# -- type tokens -------------------------------------------------------------------------------------

AWS_IAM_ROLE = "aws:iam/role:Role"
AWS_IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
AWS_IAM_POLICY = "aws:iam/policy:Policy"
AWS_S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
AWS_S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
AWS_S3_ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
AWS_S3_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
AWS_EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_COMPONENT_CLUSTER = "eks:index:Cluster"
AWS_RDS_INSTANCE = "aws:rds/instance:Instance"

GCP_SERVICE_ACCOUNT = "gcp:serviceaccount/account:Account"
GCP_SERVICE_ACCOUNT_KEY = "gcp:serviceaccount/key:Key"
GCP_BUCKET = "gcp:storage/bucket:Bucket"
GCP_PROJECT_IAM = (
    "gcp:projects/iAMMember:IAMMember",
    "gcp:projects/iAMBinding:IAMBinding",
    "gcp:projects/iAMPolicy:IAMPolicy",
)
GCP_BUCKET_IAM = (
    "gcp:storage/bucketIAMMember:BucketIAMMember",
    "gcp:storage/bucketIAMBinding:BucketIAMBinding",
    "gcp:storage/bucketIAMPolicy:BucketIAMPolicy",
)
GCP_SERVICE_ACCOUNT_IAM = (
    "gcp:serviceaccount/iAMMember:IAMMember",
    "gcp:serviceaccount/iAMBinding:IAMBinding",
    "gcp:serviceaccount/iAMPolicy:IAMPolicy",
)
GCP_WIF_PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"

AZURE_STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
AZURE_BLOB_CONTAINER = "azure-native:storage:BlobContainer"
AZURE_ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
AZUREAD_SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
AZUREAD_APPLICATION_PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"

K8S_DEPLOYMENT = "kubernetes:apps/v1:Deployment"
K8S_JOB = "kubernetes:batch/v1:Job"
K8S_CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
K8S_SERVICE = "kubernetes:core/v1:Service"
K8S_WORKLOADS = (K8S_DEPLOYMENT, K8S_JOB)
K8S_HELM_RELEASE = "kubernetes:helm.sh/v3:Release"

_POLARIS = "pulumi-python:dynamic/polaris:"
POLARIS_CATALOG = _POLARIS + "Catalog"
POLARIS_PRINCIPAL = _POLARIS + "Principal"
POLARIS_PRINCIPAL_ROLE_ASSIGNMENT = _POLARIS + "PrincipalRoleAssignment"
POLARIS_CATALOG_ROLE_ASSIGNMENT = _POLARIS + "CatalogRoleAssignment"
POLARIS_GRANT = _POLARIS + "Grant"

STACK = "pulumi:pulumi:Stack"

# -- policy factories --------------------------------------------------------------------------------

MANDATORY = EnforcementLevel.MANDATORY

PRODUCTION = {
    "production": {
        "type": "boolean",
        "default": False,
        "description": "The stack is production: the stricter rules apply.",
    }
}
"""Config property of the policies whose rule depends on the stack being production (prod.json sets it)."""

Messages = Iterable[str]
ResourceCheck = Callable[[ResourceValidationArgs, Mapping[str, Any]], Messages]
StackCheck = Callable[[StackValidationArgs, Mapping[str, Any]], Iterable[tuple[str, str | None]]]


def settings(args: ResourceValidationArgs | StackValidationArgs, schema: Mapping[str, Any] | None) -> dict:
    """The policy's config with schema defaults filled in, as the CLI does, so direct calls behave alike."""
    defaults = {key: spec["default"] for key, spec in (schema or {}).items() if "default" in spec}
    return {**defaults, **dict(args.get_config() or {})}


def _schema(config: Mapping[str, Any] | None) -> PolicyConfigSchema | None:
    return PolicyConfigSchema(properties=dict(config)) if config else None


def resource_policy(
    name: str,
    *,
    types: Sequence[str],
    description: str,
    remediation: str,
    severity: Severity,
    check: ResourceCheck,
    level: EnforcementLevel = MANDATORY,
    config: Mapping[str, Any] | None = None,
) -> ResourceValidationPolicy:
    """A resource rule: ``check`` yields one message per problem on a resource of one of ``types``."""

    def validate(args: ResourceValidationArgs, report_violation) -> None:
        if args.resource_type not in types:
            return
        for message in check(args, settings(args, config)):
            report_violation(message, None)

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=level,
        config_schema=_schema(config),
        severity=severity,
        remediation_steps=remediation,
    )


def stack_policy(
    name: str,
    *,
    description: str,
    remediation: str,
    severity: Severity,
    check: StackCheck,
    level: EnforcementLevel = MANDATORY,
    config: Mapping[str, Any] | None = None,
) -> StackValidationPolicy:
    """A rule across resources: ``check`` yields (message, urn of the offending resource or None)."""

    def validate(args: StackValidationArgs, report_violation) -> None:
        for message, urn in check(args, settings(args, config)):
            report_violation(message, urn)

    return StackValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=level,
        config_schema=_schema(config),
        severity=severity,
        remediation_steps=remediation,
    )


# -- property readers --------------------------------------------------------------------------------


def get(value: Any, *path: str | int, default: Any = None) -> Any:
    """``value[p0][p1]...``, or ``default`` where a key is absent; unknown values still raise."""
    for key in path:
        if isinstance(value, Mapping) and isinstance(key, str):
            if key not in value:
                return default
        elif not (isinstance(value, Sequence) and isinstance(key, int) and -len(value) <= key < len(value)):
            return default
        value = value[key]
    return default if value is None else value


def as_list(value: Any) -> list:
    """IAM documents allow a single value where a list is meant."""
    if value is None:
        return []
    if isinstance(value, (str, Mapping)):
        return [value]
    return list(value)


def json_document(value: Any) -> Mapping[str, Any] | None:
    """A JSON policy document given as a string or as an object; None when it is not one."""
    if isinstance(value, Mapping):
        return value
    try:
        document = json.loads(value)
    except (TypeError, ValueError):
        return None
    return document if isinstance(document, Mapping) else None


def of_type(resources: Iterable[Any], *types: str) -> list[Any]:
    """The stack's resources whose type is one of ``types``."""
    return [r for r in resources if r.resource_type in types]


# -- table-driven property rules ---------------------------------------------------------------------


def is_true(value: Any) -> bool:
    return value is True


def is_false(value: Any) -> bool:
    return value is False


@dataclass(frozen=True)
class Setting:
    """One property that must satisfy ``ok``. ``absent`` is what the provider does when the property is
    not set (stated here, never assumed to pass); ``problem`` is formatted with ``value``."""

    path: tuple[str, ...]
    ok: Callable[[Any], bool]
    problem: str
    absent: Any = None


def setting_check(*rules: Setting, production_only: bool = False) -> ResourceCheck:
    """A check that reports every rule whose property does not satisfy it."""

    def check(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Messages:
        if production_only and not config.get("production"):
            return
        for rule in rules:
            value = get(args.props, *rule.path, default=rule.absent)
            if not rule.ok(value):
                yield rule.problem.format(value=show(value))

    return check


def plain(value: Any) -> Any:
    """Proxies (and any mapping or sequence) as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {key: plain(value[key]) for key in value}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [plain(item) for item in value]
    return value


def show(value: Any) -> str:
    """A property value as it reads in a message."""
    return json.dumps(plain(value), sort_keys=True)
