"""AWS rules: who may assume a vending role, what it may touch, how buckets, EKS and RDS are hardened."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies.common import (
    AWS_EKS_CLUSTER,
    AWS_IAM_POLICY,
    AWS_IAM_ROLE,
    AWS_IAM_ROLE_POLICY,
    AWS_RDS_INSTANCE,
    AWS_S3_PUBLIC_ACCESS_BLOCK,
    EKS_COMPONENT_CLUSTER,
    PRODUCTION,
    Messages,
    Setting,
    as_list,
    get,
    is_false,
    is_true,
    json_document,
    resource_policy,
    setting_check,
)
from rules.aws import ACCOUNT_PRINCIPAL, ROLE_CHAINING_MAX_SECONDS, ROLE_DEFAULT_SESSION_SECONDS, s3_bucket_of
from rules.network import covers_internet

PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _label(statement: Mapping[str, Any], index: int) -> str:
    return f"statement {get(statement, 'Sid', default=index)}"


def _allow_statements(document: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    statements = as_list(get(document, "Statement"))
    return [(_label(s, i), s) for i, s in enumerate(statements) if get(s, "Effect") == "Allow"]


def _trust_problems(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Messages:
    document = json_document(get(args.props, "assumeRolePolicy"))
    if document is None:
        yield "assumeRolePolicy is not a JSON policy document"
        return
    for label, statement in _allow_statements(document):
        principal = get(statement, "Principal")
        if principal == "*" or "NotPrincipal" in statement:
            yield f"{label} trusts every principal; name the Polaris server role"
            continue
        principals = principal if isinstance(principal, Mapping) else {}
        for kind in principals:
            if "*" in as_list(principals[kind]):
                yield f'{label} trusts every {kind} principal ("*")'
        aws = as_list(get(principals, "AWS"))
        for name in aws:
            if name != "*" and ACCOUNT_PRINCIPAL.fullmatch(name):
                yield f"{label} trusts the whole account {name}; name the Polaris server role instead"
        if aws and not get(statement, "Condition", "StringEquals", "sts:ExternalId"):
            yield f"{label} lets AWS principals assume the role without a StringEquals sts:ExternalId condition"


def _touches_s3(statements: list[tuple[str, Mapping[str, Any]]]) -> bool:
    return any(str(a).lower().startswith("s3:") for _, s in statements for a in as_list(get(s, "Action")))


def _permission_problems(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Messages:
    document = json_document(get(args.props, "policy"))
    if document is None:
        yield "policy is not a JSON policy document"
        return
    statements = _allow_statements(document)
    if not _touches_s3(statements):
        return  # not a vending permission: other platform policies (e.g. the load balancer controller's)
    prefixes = tuple(p.lower() for p in config["allowedActionPrefixes"])
    for label, statement in statements:
        for negation in ("NotAction", "NotResource"):
            if negation in statement:
                yield f"{label} uses {negation}, which allows everything not listed"
        for action in as_list(get(statement, "Action")):
            if "*" in action:
                yield f"{label} allows the wildcard action {action}; list the actions"
            elif not action.lower().startswith(prefixes):
                yield f"{label} allows {action}, outside {', '.join(config['allowedActionPrefixes'])}"
        for resource in as_list(get(statement, "Resource")):
            bucket = s3_bucket_of(resource)
            scope = resource if bucket is None else bucket
            if "*" in scope:
                yield f"{label} allows the wildcard resource {resource}; name the bucket or key"


def _max_session_problems(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Messages:
    seconds = get(args.props, "maxSessionDuration", default=ROLE_DEFAULT_SESSION_SECONDS)
    if seconds > config["maxSeconds"]:
        yield f"maxSessionDuration is {seconds:g} s, above {config['maxSeconds']:g} s"


_EKS_ENCRYPTION = {
    EKS_COMPONENT_CLUSTER: Setting(
        ("encryptionConfigKeyArn",),
        bool,
        "encryptionConfigKeyArn is not set: Kubernetes secrets are not envelope-encrypted",
    ),
    AWS_EKS_CLUSTER: Setting(
        ("encryptionConfig",),
        lambda c: "secrets" in as_list(get(c, "resources")) and bool(get(c, "provider", "keyArn")),
        "encryptionConfig {value} does not encrypt `secrets` with a KMS key",
    ),
}


def _eks_encryption_problems(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Messages:
    return setting_check(_EKS_ENCRYPTION[args.resource_type])(args, config)


def _eks_logging_problems(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Messages:
    enabled = set(as_list(get(args.props, "enabledClusterLogTypes")))
    missing = [t for t in config["requiredLogTypes"] if t not in enabled]
    if missing:
        yield f"control-plane log types {', '.join(missing)} are not enabled"


_EKS_ENDPOINT = {  # where each cluster type keeps its endpoint settings
    EKS_COMPONENT_CLUSTER: (),
    AWS_EKS_CLUSTER: ("vpcConfig",),
}


def _eks_public_endpoint_problems(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Messages:
    if not config["production"]:
        return
    base = _EKS_ENDPOINT[args.resource_type]
    public = get(args.props, *base, "endpointPublicAccess", default=True)  # EKS default: public
    cidrs = as_list(get(args.props, *base, "publicAccessCidrs", default=["0.0.0.0/0"]))  # EKS default: all
    if public and covers_internet(cidrs):
        yield f"the public API endpoint is open to {' + '.join(map(str, cidrs))} in production (the whole internet)"


vending_role_trust = resource_policy(
    "aws-role-trust-specific",
    types=[AWS_IAM_ROLE],
    description="Protects vending roles from being assumed by anyone but Polaris: a trust must name specific "
    "principals (no `*`, no account root or bare account id) and AWS principals must present "
    "sts:ExternalId. Fix: trust the Polaris server role ARN with a StringEquals sts:ExternalId "
    "condition.",
    remediation="Set the role's assumeRolePolicy Principal.AWS to the Polaris server role ARN and add "
    "Condition.StringEquals.sts:ExternalId with the owner's external id.",
    severity=Severity.CRITICAL,
    check=_trust_problems,
)

vending_permissions = resource_policy(
    "aws-permissions-scoped",
    types=[AWS_IAM_ROLE_POLICY, AWS_IAM_POLICY],
    description="Protects owners' data from over-broad vending: an IAM policy that grants S3 access (a vending "
    "permission) may only allow named S3 and KMS actions on named resources, never `*`. Fix: list "
    "the actions and the bucket/prefix ARNs explicitly.",
    remediation="Replace wildcard actions with the S3 object and list actions Polaris needs, and `*` "
    "resources with arn:aws:s3:::<bucket> and arn:aws:s3:::<bucket>/<prefix>/*.",
    severity=Severity.CRITICAL,
    check=_permission_problems,
    config={
        "allowedActionPrefixes": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["s3:", "kms:"],
            "description": "Action prefixes a vending policy may allow (case-insensitive).",
        }
    },
)

role_max_session = resource_policy(
    "aws-role-max-session",
    types=[AWS_IAM_ROLE],
    description="Limits how long an assumed role session, and so a vended credential, stays valid. Fix: set "
    f"maxSessionDuration to at most the configured maximum ({ROLE_CHAINING_MAX_SECONDS} s by default).",
    remediation=f"Set maxSessionDuration={ROLE_CHAINING_MAX_SECONDS} (or less) on the role.",
    severity=Severity.MEDIUM,
    check=_max_session_problems,
    config={
        "maxSeconds": {
            "type": "integer",
            "default": ROLE_CHAINING_MAX_SECONDS,
            "description": "Longest allowed session.",
        }
    },
)

s3_public_access_block = resource_policy(
    "s3-public-access-block-complete",
    types=[AWS_S3_PUBLIC_ACCESS_BLOCK],
    description="Keeps shared buckets private: a public access block must set all four flags. Fix: set "
    "blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.",
    remediation="Set all four flags of the BucketPublicAccessBlock to true.",
    severity=Severity.HIGH,
    check=setting_check(
        *(Setting((flag,), is_true, f"{flag} is {{value}}, not true", absent=False) for flag in PUBLIC_ACCESS_FLAGS)
    ),
)

eks_secrets_encryption = resource_policy(
    "eks-secrets-encryption",
    types=list(_EKS_ENCRYPTION),
    description="Protects Kubernetes secrets (Polaris' database password and root credentials) at rest. Fix: "
    "encrypt `secrets` with a KMS key (encryptionConfigKeyArn on pulumi-eks).",
    remediation="Pass a KMS key ARN as encryptionConfigKeyArn (pulumi-eks) or encryptionConfig "
    "{resources: [secrets], provider: {keyArn}} (aws.eks.Cluster).",
    severity=Severity.HIGH,
    check=_eks_encryption_problems,
)

eks_control_plane_logging = resource_policy(
    "eks-control-plane-logging",
    types=list(_EKS_ENCRYPTION),
    description="Keeps an audit trail of who changed the cluster: api, audit and authenticator control-plane "
    "logs must be on. Fix: add them to enabledClusterLogTypes.",
    remediation="Set enabledClusterLogTypes to include api, audit and authenticator.",
    severity=Severity.MEDIUM,
    check=_eks_logging_problems,
    config={
        "requiredLogTypes": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["api", "audit", "authenticator"],
            "description": "Log types that must be enabled.",
        }
    },
)

eks_public_endpoint = resource_policy(
    "eks-public-endpoint-restricted",
    types=list(_EKS_ENDPOINT),
    description="Keeps the production Kubernetes API off the open internet: the public endpoint must not "
    "admit the whole internet, whether as 0.0.0.0/0 (EKS' default when public access is on) or as CIDRs "
    "that together cover every address (0.0.0.0/1 + 128.0.0.0/1). Fix: list office/CI CIDRs in "
    "publicAccessCidrs or disable endpointPublicAccess.",
    remediation="Set platform.apiAllowedCidrs to specific CIDRs, or leave it empty for a private endpoint.",
    severity=Severity.HIGH,
    check=_eks_public_endpoint_problems,
    config=PRODUCTION,
)

rds_storage_encrypted = resource_policy(
    "rds-storage-encrypted",
    types=[AWS_RDS_INSTANCE],
    description="Protects the Polaris metastore at rest (catalog metadata, principal secrets' hashes). Fix: "
    "set storageEncrypted to true.",
    remediation="Set storageEncrypted=true (and a kmsKeyId) on the RDS instance; existing instances need a "
    "snapshot restore.",
    severity=Severity.HIGH,
    check=setting_check(Setting(("storageEncrypted",), is_true, "storageEncrypted is {value}, not true", absent=False)),
)

rds_not_public = resource_policy(
    "rds-not-public",
    types=[AWS_RDS_INSTANCE],
    description="Keeps the Polaris database unreachable from the internet. Fix: set publiclyAccessible to "
    "false and use private subnets.",
    remediation="Set publiclyAccessible=false.",
    severity=Severity.CRITICAL,
    check=setting_check(Setting(("publiclyAccessible",), is_false, "publiclyAccessible is {value}", absent=False)),
)

rds_deletion_protection = resource_policy(
    "rds-deletion-protection",
    types=[AWS_RDS_INSTANCE],
    description="Keeps the production Polaris database from being deleted by a mistaken update. Fix: set "
    "deletionProtection to true in production.",
    remediation="Set deletionProtection=true on the production RDS instance.",
    severity=Severity.HIGH,
    check=setting_check(
        Setting(("deletionProtection",), is_true, "deletionProtection is {value} in production", absent=False),
        production_only=True,
    ),
    config=PRODUCTION,
)

POLICIES = [
    vending_role_trust,
    vending_permissions,
    role_max_session,
    s3_public_access_block,
    eks_secrets_encryption,
    eks_control_plane_logging,
    eks_public_endpoint,
    rds_storage_encrypted,
    rds_not_public,
    rds_deletion_protection,
]
