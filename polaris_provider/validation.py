"""Input rules checked before anything is sent, mirroring what Polaris 1.7.0 would reject (reference §1-§4).

Every function returns a list of ``CheckFailure``s (all problems at once). A value that is still unknown
at preview (``pulumi.runtime.rpc.UNKNOWN``, e.g. an endpoint from a load balancer not yet created) is
never judged: its rule runs again when the value is known, at ``up``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from pulumi.dynamic import CheckFailure
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from polaris_provider import tunnel
from polaris_provider.connection import SCOPE_PREFIX
from polaris_provider.privileges import PRIVILEGES, TARGET_FIELDS
from rules import aws, polaris

BASE_LOCATION = "default-base-location"
RESERVED_PREFIX = "polaris."
CATALOG_CONFIGS = frozenset(
    {
        "polaris.config.add-trailing-slash-to-location",
        "polaris.config.allow-dropping-non-empty-passthrough-facade-catalog",
        "polaris.config.allow-federated-catalogs-credential-vending",
        "polaris.config.allow.client-specified.table.location",
        "polaris.config.allow.external.metadata.file.location",
        "polaris.config.allow.external.table.location",
        "polaris.config.allow.overlapping.table.location",
        "polaris.config.allow.unstructured.table.location",
        "polaris.config.cleanup.on.catalog.drop",
        "polaris.config.cleanup.on.namespace.drop",
        "polaris.config.default-table-location-object-storage-prefix.enabled",
        "polaris.config.default-unique-table-location.enabled",
        "polaris.config.drop-with-purge.enabled",
        "polaris.config.enable-fine-grained-update-table-privileges",
        "polaris.config.enable-sub-catalog-rbac-for-federated-catalogs",
        "polaris.config.enable.credential.vending",
        "polaris.config.iceberg-commit-max-retries",
        "polaris.config.list-pagination-enabled",
        "polaris.config.namespace-custom-location.enabled",
        "polaris.config.purge-view-metadata-on-drop",
        "polaris.config.rollback.compaction.on-conflicts.enabled",
        "polaris.config.supported.storage.types",
    }
)
"""The catalog-level feature overrides Polaris 1.7.0 accepts under the reserved prefix (its ReservedProperties
allowlist: every registered catalogConfig key); any other `polaris.` key is answered 400."""
LOCATION_SCHEMES = {
    "S3": ("s3://", "s3a://"),
    "GCS": ("gs://",),
    "AZURE": ("abfss://", "abfs://", "wasbs://", "wasb://"),
}
AZURE_LOCATION = re.compile(r"^[a-z]+://[^@/]+@[^./]+\.(dfs|blob)\.core\.windows\.net(/.*)?$")
_COMMON_STORAGE_FIELDS = ("storageType", "allowedLocations", "storageName")
STORAGE_FIELDS: dict[str, frozenset[str]] = {
    "S3": frozenset(
        (
            *_COMMON_STORAGE_FIELDS,
            "roleArn",
            "externalId",
            "userArn",
            "currentKmsKey",
            "allowedKmsKeys",
            "region",
            "endpoint",
            "stsEndpoint",
            "stsUnavailable",
            "endpointInternal",
            "pathStyleAccess",
            "kmsUnavailable",
        )
    ),
    "GCS": frozenset((*_COMMON_STORAGE_FIELDS, "gcsServiceAccount")),
    "AZURE": frozenset((*_COMMON_STORAGE_FIELDS, "tenantId", "multiTenantAppName", "consentUrl", "hierarchical")),
}
"""Storage type -> the StorageConfigInfo fields Polaris 1.7.0 knows (proved equal to the spec by a test)."""
STORAGE_DEFAULTS: dict[str, dict[str, Any]] = {"S3": {"allowedKmsKeys": [], "pathStyleAccess": False}}
"""What Polaris fills in for an absent storage field when it answers (its generated models: the spec's `default:`
values, and an empty list for an array), per storage type; proved equal to the spec by a test."""


def unknown_value(value: Any) -> bool:
    """True if the value itself is unknown: the SDK's ``Unknown`` or the raw wire sentinel."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def is_unknown(value: Any) -> bool:
    """True if the value, or anything inside it, is still unknown (preview)."""
    if unknown_value(value):
        return True
    if isinstance(value, Mapping):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(is_unknown(v) for v in value)
    return False


def _fail(prop: str, reason: str) -> list[CheckFailure]:
    return [CheckFailure(prop, reason)]


def name(prop: str, value: Any, what: str) -> list[CheckFailure]:
    """Polaris entity names (``rules.polaris``), each fault with its own message."""
    if is_unknown(value):
        return []
    if not isinstance(value, str) or not 1 <= polaris.java_length(value) <= polaris.MAX_NAME:
        return _fail(
            prop,
            f"{what} name must be a string of 1 to {polaris.MAX_NAME} characters (UTF-16 code units, as "
            f"Polaris counts them), got {value!r}",
        )
    if any(terminator in value for terminator in polaris.LINE_TERMINATORS):
        return _fail(
            prop,
            f"{what} name {value!r} must not contain a line break (\\n, \\r, U+0085, U+2028, U+2029): "
            "Polaris' name pattern refuses it",
        )
    if not polaris.is_entity_name(value):
        return _fail(
            prop,
            f"{what} name {value!r} must not start with 'system$' in any case, even after blanks (reserved by Polaris)",
        )
    return []


def properties(prop: str, value: Any, allowed: frozenset[str] = frozenset()) -> list[CheckFailure]:
    """A string map; keys under `polaris.` are reserved except the ``allowed`` ones (catalogs: CATALOG_CONFIGS)."""
    if value is None or is_unknown(value):
        return []
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return _fail(prop, "must be a map of strings to strings")
    reserved = sorted(k for k in value if k.startswith(RESERVED_PREFIX) and k not in allowed)
    hint = f"; the catalog settings Polaris 1.7.0 accepts there are {sorted(allowed)}" if allowed else ""
    return [CheckFailure(prop, f"key {k!r} uses the reserved prefix '{RESERVED_PREFIX}'{hint}") for k in reserved]


def connection(value: Any) -> list[CheckFailure]:
    """The connection must name an http(s) endpoint, a client id and secret, and a PRINCIPAL_ROLE scope."""
    if value is None:
        return _fail("connection", "is required")
    if unknown_value(value):
        return []
    if not isinstance(value, Mapping):
        return _fail("connection", "must be an object")
    failures: list[CheckFailure] = []
    endpoint = value.get("endpoint")
    if not is_unknown(endpoint) and (
        not isinstance(endpoint, str)
        or urlparse(endpoint).scheme not in ("http", "https")
        or not urlparse(endpoint).netloc
    ):
        failures += _fail("connection", f"endpoint must be an http(s) URL, got {endpoint!r}")
    for key in ("clientId", "clientSecret"):
        if not is_unknown(value.get(key)) and not (isinstance(value.get(key), str) and value.get(key)):
            failures += _fail("connection", f"{key} is required")  # never echo a secret's value
    scope = value.get("scope")
    if scope is not None and not is_unknown(scope) and not _valid_scope(scope):
        failures += _fail("connection", f"scope must be space-separated 'PRINCIPAL_ROLE:<name>' tokens, got {scope!r}")
    bundle = value.get("caBundle")
    if bundle is not None and not is_unknown(bundle) and "-----BEGIN CERTIFICATE-----" not in str(bundle):
        failures += _fail("connection", "caBundle must be PEM text holding at least one certificate")
    route = value.get("tunnel")
    if route is not None and not is_unknown(route):
        failures += [CheckFailure("connection", problem) for problem in tunnel.problems(route)]
    return failures


def _valid_scope(scope: Any) -> bool:
    parts = scope.split() if isinstance(scope, str) else []
    return bool(parts) and all(p.startswith(SCOPE_PREFIX) and len(p) > len(SCOPE_PREFIX) for p in parts)


def storage(value: Any, catalog_properties: Any) -> list[CheckFailure]:
    """StorageConfigInfo: type, fields, location schemes, and the base location inside the allowed ones."""
    if value is None:
        return _fail("storageConfigInfo", "is required")
    if unknown_value(value):
        return []
    if not isinstance(value, Mapping):
        return _fail("storageConfigInfo", "must be an object")
    storage_type = value.get("storageType")
    if is_unknown(storage_type):
        return []
    if storage_type not in STORAGE_FIELDS:
        return _fail("storageConfigInfo", f"storageType must be one of {sorted(STORAGE_FIELDS)}, got {storage_type!r}")
    unknown_fields = sorted(set(value) - STORAGE_FIELDS[storage_type])
    failures = [
        CheckFailure("storageConfigInfo", f"field {f!r} is not valid for storageType {storage_type}")
        for f in unknown_fields
    ]
    return failures + _locations(storage_type, value, catalog_properties) + _identity(storage_type, value)


def _locations(storage_type: str, value: Mapping[str, Any], catalog_properties: Any) -> list[CheckFailure]:
    allowed = value.get("allowedLocations") or []
    if is_unknown(allowed):
        return []
    if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
        return _fail("storageConfigInfo", "allowedLocations must be a list of strings")
    failures = [f for a in allowed for f in _location("storageConfigInfo", storage_type, a)]
    if is_unknown(catalog_properties) or not isinstance(catalog_properties, Mapping):
        return failures
    base = catalog_properties.get(BASE_LOCATION)
    if not base:
        return failures + _fail("properties", f"'{BASE_LOCATION}' is required")
    failures += _location("properties", storage_type, base)
    if allowed and not any(_within(base, a) for a in allowed):
        failures += _fail(
            "properties",
            f"'{BASE_LOCATION}' {base!r} must lie inside one of the allowedLocations "
            f"{allowed} (Polaris 1.7.0 rejects it otherwise)",
        )
    return failures


def _location(prop: str, storage_type: str, location: str) -> list[CheckFailure]:
    schemes = LOCATION_SCHEMES[storage_type]
    if not location.startswith(schemes):
        return _fail(prop, f"location {location!r} must start with one of {list(schemes)} for {storage_type}")
    if storage_type == "AZURE" and not AZURE_LOCATION.match(location):
        return _fail(
            prop,
            f"location {location!r} must look like "
            "abfss://<container>@<account>.dfs.core.windows.net/<path> (or .blob.core.windows.net)",
        )
    return []


def _within(child: str, parent: str) -> bool:
    return (child.rstrip("/") + "/").startswith(parent.rstrip("/") + "/")


def _identity(storage_type: str, value: Mapping[str, Any]) -> list[CheckFailure]:
    if storage_type == "S3":
        arn = value.get("roleArn")
        if arn is not None and not is_unknown(arn) and not (isinstance(arn, str) and aws.role_account(arn)):
            return _fail(
                "storageConfigInfo",
                f"roleArn must be an IAM role ARN (arn:<partition>:iam::<account>:role/<name>), got {arn!r}",
            )
    if storage_type == "AZURE" and not value.get("tenantId"):
        return _fail("storageConfigInfo", "tenantId is required for AZURE storage")
    return []


def role_account(storage_config: Mapping[str, Any]) -> str | None:
    """The AWS account of an S3 roleArn (Polaris lets a role change in place only within one account)."""
    return aws.role_account(str(storage_config.get("roleArn") or ""))


def namespace_levels(prop: str, value: Any) -> list[CheckFailure]:
    """A non-empty list of non-empty levels; the unit separator would corrupt the REST path encoding."""
    if is_unknown(value):
        return []
    if not isinstance(value, list) or not value:
        return _fail(prop, "must be a non-empty list of namespace levels")
    if not all(isinstance(level, str) and level and "\x1f" not in level for level in value):
        return _fail(prop, "every namespace level must be a non-empty string without the unit separator (\\x1f)")
    return []


def grant(value: Any) -> list[CheckFailure]:
    """A GrantResource whose privilege belongs to the enum of its target type."""
    if value is None:
        return _fail("grant", "is required")
    if is_unknown(value.get("type") if isinstance(value, Mapping) else value):
        return []
    if not isinstance(value, Mapping) or value.get("type") not in PRIVILEGES:
        return _fail("grant", f"type must be one of {sorted(PRIVILEGES)}")
    kind = value["type"]
    failures = _grant_fields(kind, value)
    privilege = value.get("privilege")
    if not is_unknown(privilege) and privilege not in PRIVILEGES[kind]:
        failures += _fail(
            "grant", f"privilege {privilege!r} is not a {kind} privilege; allowed: {sorted(PRIVILEGES[kind])}"
        )
    return failures


def _grant_fields(kind: str, value: Mapping[str, Any]) -> list[CheckFailure]:
    expected = TARGET_FIELDS[kind]
    extra = sorted(set(value) - {"type", "privilege", *expected})
    failures = [CheckFailure("grant", f"field {f!r} does not apply to a {kind} grant") for f in extra]
    if "namespace" in expected:
        failures += namespace_levels("grant", value.get("namespace"))
    for target in expected[1:]:
        failures += name("grant", value.get(target), target)
    return failures
