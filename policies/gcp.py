"""GCP rules: keyless service accounts, private uniform buckets, no basic or project-wide storage roles,
and workload identity providers that only admit Polaris' own identity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies.common import (
    GCP_BUCKET,
    GCP_BUCKET_IAM,
    GCP_PROJECT_IAM,
    GCP_SERVICE_ACCOUNT_IAM,
    GCP_SERVICE_ACCOUNT_KEY,
    GCP_WIF_PROVIDER,
    Messages,
    Setting,
    as_list,
    get,
    is_true,
    json_document,
    resource_policy,
    setting_check,
)

BASIC_ROLES = frozenset({"roles/owner", "roles/editor", "roles/viewer"})


def _roles(args: ResourceValidationArgs) -> list[str]:
    """Roles an IAM member or binding names, or every binding's role of an IAM policy document."""
    if "policyData" in args.props:
        document = json_document(get(args.props, "policyData")) or {}
        return [get(b, "role", default="") for b in as_list(get(document, "bindings"))]
    return [get(args.props, "role", default="")]


def _role_problems(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Messages:
    project_level = args.resource_type in GCP_PROJECT_IAM
    for role in _roles(args):
        if role in BASIC_ROLES:
            yield f"grants the basic role {role}"
        elif project_level and role.startswith("roles/storage."):
            yield f"grants {role} on the whole project; grant it on the bucket instead"


def _key_problems(_args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Messages:
    yield "declares a service account key; Polaris impersonates the account through workload identity"


no_service_account_keys = resource_policy(
    "gcp-no-service-account-keys",
    types=[GCP_SERVICE_ACCOUNT_KEY],
    description="Keeps long-lived GCP keys out of the system: vending identities are impersonated through "
    "workload identity federation. Fix: delete the Key resource and grant "
    "roles/iam.serviceAccountTokenCreator to the federated principal.",
    remediation="Remove gcp.serviceaccount.Key; use the workload identity pool and impersonation.",
    severity=Severity.CRITICAL,
    check=_key_problems,
)

bucket_private = resource_policy(
    "gcs-bucket-private",
    types=[GCP_BUCKET],
    description="Keeps shared GCS buckets private and governed by IAM alone: uniform bucket-level access on "
    "and public access prevention enforced. Fix: set uniformBucketLevelAccess=true and "
    'publicAccessPrevention="enforced".',
    remediation='Set uniformBucketLevelAccess=true and publicAccessPrevention="enforced" on the bucket.',
    severity=Severity.HIGH,
    check=setting_check(
        Setting(("uniformBucketLevelAccess",), is_true, "uniformBucketLevelAccess is {value}, not true", absent=False),
        Setting(
            ("publicAccessPrevention",),
            lambda v: v == "enforced",
            'publicAccessPrevention is {value}, not "enforced"',
            absent="inherited",
        ),
    ),
)

no_broad_roles = resource_policy(
    "gcp-no-basic-or-project-storage-roles",
    types=[*GCP_PROJECT_IAM, *GCP_BUCKET_IAM, *GCP_SERVICE_ACCOUNT_IAM],
    description="Keeps vending identities least-privileged: no basic roles (owner, editor, viewer) anywhere and "
    "no roles/storage.* on a project. Fix: grant a predefined storage role on the bucket.",
    remediation="Replace the binding with roles/storage.objectUser (or objectViewer) on the shared bucket.",
    severity=Severity.CRITICAL,
    check=_role_problems,
)

wif_attribute_condition = resource_policy(
    "gcp-wif-attribute-condition",
    types=[GCP_WIF_PROVIDER],
    description="Stops any workload of the trusted OIDC issuer from federating: a workload identity provider "
    "needs a non-empty attributeCondition. Fix: restrict it to Polaris' Kubernetes service "
    "account subject.",
    remediation="Set attributeCondition to \"assertion.sub == 'system:serviceaccount:<ns>:<sa>'\".",
    severity=Severity.HIGH,
    check=setting_check(
        Setting(
            ("attributeCondition",),
            lambda v: bool(v and v.strip()),
            "attributeCondition is {value}: every identity of the issuer may federate",
            absent="",
        )
    ),
)

POLICIES = [no_service_account_keys, bucket_private, no_broad_roles, wif_attribute_condition]
