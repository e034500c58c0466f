"""Rules across resources: every created bucket is hardened by its companion resources, vending reaches only
declared storage through exactly one identity per catalog, and no organisation reaches a catalog its
declared access does not list.

Stack policies see outputs (``arn``, ``name``, ``email``) as well as inputs; a value unknown during preview
makes the whole rule advisory-skipped, never passed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from policies.aws import PUBLIC_ACCESS_FLAGS
from policies.common import (
    AWS_IAM_POLICY,
    AWS_IAM_ROLE,
    AWS_IAM_ROLE_POLICY,
    AWS_S3_BUCKET_POLICY,
    AWS_S3_BUCKETS,
    AWS_S3_ENCRYPTION,
    AWS_S3_PUBLIC_ACCESS_BLOCK,
    AZURE_BLOB_CONTAINER,
    AZUREAD_SERVICE_PRINCIPAL,
    GCP_BUCKET,
    GCP_BUCKET_IAM,
    GCP_SERVICE_ACCOUNT,
    POLARIS_CATALOG,
    POLARIS_CATALOG_ROLE_ASSIGNMENT,
    POLARIS_GRANT,
    POLARIS_PRINCIPAL,
    POLARIS_PRINCIPAL_ROLE_ASSIGNMENT,
    as_list,
    get,
    json_document,
    of_type,
    stack_policy,
)
from rules.aws import s3_bucket_of
from rules.azure import container_url
from rules.gcp import service_account_email

Findings = Iterable[tuple[str, str | None]]
EXISTING_BUCKETS = {
    "existingBuckets": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Storage roots the stack uses but does not create: s3://<bucket>, gs://<bucket>, "
        "abfss://<container>@<account>.dfs.core.windows.net.",
    }
}


GIVEN_IDENTITIES = {
    "givenVendingIdentities": {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "default": {},
        "description": "Vending identities the stack uses but does not create (a role ARN or a service account "
        "e-mail, brought by the owner's security team) -> the storage roots each may reach.",
    }
}


# -- bucket companions -------------------------------------------------------------------------------


def _encrypts(props: Mapping[str, Any]) -> bool:
    algorithms = [
        get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm") for rule in as_list(get(props, "rules"))
    ]
    return any(a in ("AES256", "aws:kms", "aws:kms:dsse") for a in algorithms)


def _blocks_public_access(props: Mapping[str, Any]) -> bool:
    return all(get(props, flag) is True for flag in PUBLIC_ACCESS_FLAGS)


def _denies_plain_http(props: Mapping[str, Any]) -> bool:
    document = json_document(get(props, "policy")) or {}
    return any(
        get(s, "Effect") == "Deny" and str(get(s, "Condition", "Bool", "aws:SecureTransport")).lower() == "false"
        for s in as_list(get(document, "Statement"))
    )


def _companion_check(types: tuple[str, ...], satisfied: Callable[[Mapping[str, Any]], bool], missing: str):
    def check(args: StackValidationArgs, _config: Mapping[str, Any]) -> Findings:
        covered = {get(c.props, "bucket") for c in of_type(args.resources, *types) if satisfied(c.props)}
        for bucket in of_type(args.resources, *AWS_S3_BUCKETS):
            if get(bucket.props, "bucket") not in covered:
                yield f"bucket {get(bucket.props, 'bucket')} has no {missing}", bucket.urn

    return check


# -- storage a vending identity may reach ------------------------------------------------------------


def _permitted_buckets(resources: list, role_name: str | None) -> set[str]:
    """Buckets named in Allow statements of the inline policies of ``role_name`` (every policy if None)."""
    policies = [
        p
        for p in of_type(resources, AWS_IAM_ROLE_POLICY, AWS_IAM_POLICY)
        if role_name is None or get(p.props, "role") == role_name
    ]
    return {
        bucket
        for p in policies
        for s in as_list(get(json_document(get(p.props, "policy")) or {}, "Statement"))
        if get(s, "Effect") == "Allow"
        for bucket in map(s3_bucket_of, as_list(get(s, "Resource")))
        if bucket
    }


def _tenant(resource) -> str | None:
    return get(resource.provider.props, "tenantId") if resource.provider is not None else None


def _gcs_buckets_of(resources: list, account: str) -> set[str]:
    member = f"serviceAccount:{account}"
    return {
        get(b.props, "bucket", default="").removeprefix("b/")
        for b in of_type(resources, *GCP_BUCKET_IAM)
        if member in (get(b.props, "member"), *as_list(get(b.props, "members")))
    }


def _declared_roots(resources: list, config: Mapping[str, Any]) -> set[str]:
    created = (
        {f"s3://{get(b.props, 'bucket')}" for b in of_type(resources, *AWS_S3_BUCKETS)}
        | {f"gs://{get(b.props, 'name')}" for b in of_type(resources, GCP_BUCKET)}
        | {_container_root(c.props) for c in of_type(resources, AZURE_BLOB_CONTAINER)}
    )
    return created | {root.rstrip("/") for root in config["existingBuckets"]}


def _container_root(props: Mapping[str, Any]) -> str:
    return container_url(get(props, "accountName"), get(props, "containerName"))


def _identity_roots(resources: list, storage: Mapping[str, Any]) -> set[str]:
    """Storage roots the catalog's vending identity is given access to in this stack."""
    kind = get(storage, "storageType")
    if kind == "S3":
        role = get(storage, "roleArn", default="").rsplit("/", 1)[-1]
        return {f"s3://{b}" for b in _permitted_buckets(resources, role)}
    if kind == "GCS":
        return {f"gs://{b}" for b in _gcs_buckets_of(resources, get(storage, "gcsServiceAccount", default=""))}
    if kind == "AZURE":
        return {
            _container_root(c.props)
            for c in of_type(resources, AZURE_BLOB_CONTAINER)
            if _tenant(c) == get(storage, "tenantId")
        }
    return set()


def _given_identity(storage: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    """The catalog's identity when the stack brings it (policy config ``givenVendingIdentities``)."""
    field, _ = _IDENTITIES.get(get(storage, "storageType"), (None, None))
    value = get(storage, field) if field else None
    return value if value in config.get("givenVendingIdentities", {}) else None


def _location_findings(args: StackValidationArgs, config: Mapping[str, Any]) -> Findings:
    declared = _declared_roots(args.resources, config)
    for catalog in of_type(args.resources, POLARIS_CATALOG):
        storage = get(catalog.props, "storageConfigInfo", default={})
        given = _given_identity(storage, config)
        brought = {r.rstrip("/") for r in config["givenVendingIdentities"][given]} if given else set()
        roots = (_identity_roots(args.resources, storage) | brought) & declared
        for location in as_list(get(storage, "allowedLocations")):
            if not any(location.rstrip("/") == r or location.startswith(r + "/") for r in roots):
                yield (
                    (
                        f"catalog {get(catalog.props, 'name')}: {location} is outside the storage declared for its "
                        f"vending identity ({', '.join(sorted(roots)) or 'none'})"
                    ),
                    catalog.urn,
                )


def _undeclared_bucket_findings(args: StackValidationArgs, config: Mapping[str, Any]) -> Findings:
    declared = _declared_roots(args.resources, config)
    for policy in of_type(args.resources, AWS_IAM_ROLE_POLICY, AWS_IAM_POLICY):
        for bucket in sorted(_permitted_buckets([policy], None)):
            if f"s3://{bucket}" not in declared:
                yield f"{policy.name} allows access to bucket {bucket}, which the stack does not declare", policy.urn


def _gcp_email(account) -> str:
    project = get(account.props, "project") or (get(account.provider.props, "project") if account.provider else "")
    return get(account.props, "email") or service_account_email(get(account.props, "accountId"), project)


_IDENTITIES: dict[str, tuple[str, Callable[[list, Mapping[str, Any]], list]]] = {
    "S3": (
        "roleArn",
        lambda rs, s: [
            r for r in of_type(rs, AWS_IAM_ROLE) if get(s, "roleArn") in (get(r.props, "arn"), _role_arn_of(r, s))
        ],
    ),
    "GCS": (
        "gcsServiceAccount",
        lambda rs, s: [a for a in of_type(rs, GCP_SERVICE_ACCOUNT) if _gcp_email(a) == get(s, "gcsServiceAccount")],
    ),
    "AZURE": (
        "tenantId",
        lambda rs, s: [p for p in of_type(rs, AZUREAD_SERVICE_PRINCIPAL) if _tenant(p) == get(s, "tenantId")],
    ),
}
"""storageType -> (the catalog field naming its identity, the stack's identities that match it)."""


def _role_arn_of(role, storage: Mapping[str, Any]) -> str | None:
    """The role's ARN from its name, in the account the catalog names (for roles whose arn is not known)."""
    name = get(role.props, "name")
    account_arn = get(storage, "roleArn", default="").rsplit("/", 1)[0]
    return f"{account_arn}/{name}" if name else None


def _identity_findings(args: StackValidationArgs, config: Mapping[str, Any]) -> Findings:
    for catalog in of_type(args.resources, POLARIS_CATALOG):
        storage = get(catalog.props, "storageConfigInfo", default={})
        identity = _IDENTITIES.get(get(storage, "storageType"))
        if identity is None:
            yield (
                f"catalog {get(catalog.props, 'name')} uses unsupported storage {get(storage, 'storageType')}",
                catalog.urn,
            )
            continue
        field, matching = identity
        found = [*matching(args.resources, storage), *([True] if _given_identity(storage, config) else [])]
        if len(found) != 1:
            yield (
                (
                    f"catalog {get(catalog.props, 'name')}: {len(found)} vending identities match "
                    f"{field} {get(storage, field)}, expected exactly one"
                ),
                catalog.urn,
            )


# -- organisation reach --------------------------------------------------------------------------------


def reachable_catalogs(resources: list) -> dict[str, set[str]]:
    """Principal name -> catalogs it reaches through principal role -> catalog role -> at least one grant."""
    granted = {
        (get(g.props, "catalogName"), get(g.props, "catalogRoleName")) for g in of_type(resources, POLARIS_GRANT)
    }
    catalogs_of_role: dict[str, set[str]] = {}
    for a in of_type(resources, POLARIS_CATALOG_ROLE_ASSIGNMENT):
        if (get(a.props, "catalogName"), get(a.props, "catalogRoleName")) in granted:
            catalogs_of_role.setdefault(get(a.props, "principalRoleName"), set()).add(get(a.props, "catalogName"))
    reach: dict[Any, set[Any]] = {get(p.props, "name"): set() for p in of_type(resources, POLARIS_PRINCIPAL)}
    for a in of_type(resources, POLARIS_PRINCIPAL_ROLE_ASSIGNMENT):
        reach.setdefault(get(a.props, "principalName"), set()).update(
            catalogs_of_role.get(get(a.props, "principalRoleName"), set())
        )
    return reach


def _reach_findings(args: StackValidationArgs, config: Mapping[str, Any]) -> Findings:
    if "organisationAccess" not in config:
        args.not_applicable("no organisationAccess in the policy config")
    urns = {get(p.props, "name"): p.urn for p in of_type(args.resources, POLARIS_PRINCIPAL)}
    for principal, catalogs in sorted(reachable_catalogs(args.resources).items()):
        allowed = set(config["organisationAccess"].get(principal, []))
        for catalog in sorted(catalogs - allowed):
            yield (
                f"principal {principal} reaches catalog {catalog}, which its declared access does not list",
                urns.get(principal),
            )


_COMPANIONS = [  # (policy, companion types, what makes it compliant, what is missing, protects, severity)
    (
        "s3-bucket-encrypted",
        AWS_S3_ENCRYPTION,
        _encrypts,
        "default encryption configuration",
        "Protects shared data at rest: every created bucket has a server-side encryption configuration "
        "(SSE-S3 or SSE-KMS). Fix: declare a BucketServerSideEncryptionConfiguration for the bucket.",
        Severity.HIGH,
    ),
    (
        "s3-bucket-public-access-blocked",
        (AWS_S3_PUBLIC_ACCESS_BLOCK,),
        _blocks_public_access,
        "public access block with all four flags",
        "Keeps every created bucket private: it has a BucketPublicAccessBlock with all four flags true. Fix: "
        "declare one for the bucket.",
        Severity.HIGH,
    ),
    (
        "s3-bucket-tls-only",
        (AWS_S3_BUCKET_POLICY,),
        _denies_plain_http,
        "bucket policy denying aws:SecureTransport=false",
        "Keeps shared data off plain HTTP: every created bucket's policy denies requests with "
        "aws:SecureTransport false. Fix: add a Deny statement on s3:* with that condition.",
        Severity.MEDIUM,
    ),
]

POLICIES = [
    *(
        stack_policy(
            name,
            description=description,
            severity=severity,
            check=_companion_check(types, ok, missing),
            remediation=f"Declare a {missing} for the bucket (components/aws.py hardens owners' buckets this way).",
        )
        for name, types, ok, missing, description, severity in _COMPANIONS
    ),
    stack_policy(
        "vending-permissions-on-declared-buckets",
        description="Keeps vending to data the stack knows about: every bucket an IAM policy allows is created "
        "by the stack or listed in existingBuckets. Fix: declare the bucket (storage.create) or list "
        "it as an existing bucket.",
        remediation="Declare the bucket in the data owner's storage, or add s3://<bucket> to existingBuckets.",
        severity=Severity.HIGH,
        check=_undeclared_bucket_findings,
        config=EXISTING_BUCKETS,
    ),
    stack_policy(
        "catalog-locations-declared",
        description="Keeps each catalog inside its data owner's storage: every allowed location lies in a bucket "
        "or container the stack declares (or lists as existing) and the catalog's vending identity "
        "is given access to. Fix: use a location under the owner's shared prefixes.",
        remediation="Set the catalog's locations under its data owner's storage root and shared prefixes.",
        severity=Severity.CRITICAL,
        check=_location_findings,
        config={**EXISTING_BUCKETS, **GIVEN_IDENTITIES},
    ),
    stack_policy(
        "vending-identity-unique",
        description="Makes every catalog's credentials come from one known identity: exactly one IAM role (S3), "
        "service account (GCS) or service principal in the tenant (Azure) matches the catalog's "
        "storage configuration. Fix: point the catalog at its data owner's vending identity.",
        remediation="Set roleArn / gcsServiceAccount / tenantId to the identity the stack declares for the owner.",
        severity=Severity.HIGH,
        check=_identity_findings,
        config=GIVEN_IDENTITIES,
    ),
    stack_policy(
        "organisation-access-declared",
        description="Keeps each organisation to the catalogs its access entries list: the chain principal -> "
        "principal role -> catalog role -> grant reaches no other catalog. Fix: remove the extra "
        "assignment or add an access entry.",
        remediation="Remove the CatalogRoleAssignment/PrincipalRoleAssignment, or add the catalog to the "
        "organisation's access in the stack configuration.",
        severity=Severity.CRITICAL,
        check=_reach_findings,
        config={
            "organisationAccess": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "Organisation (principal) name -> catalogs it may reach; absent = not applicable.",
            }
        },
    ),
]
