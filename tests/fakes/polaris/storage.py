"""Polaris 1.7.0's rules for a catalog's storage config and locations (reference §2.3 and §3), free of HTTP."""

from __future__ import annotations

import re

from tests.fakes.polaris.errors import BadRequest, ValidationFailed
from tests.fakes.polaris.features import Features

BASE_LOCATION = "default-base-location"
PREFIXES = {
    "S3": ("s3://", "s3a://"),
    "GCS": ("gs://",),
    "AZURE": ("abfs://", "abfss://", "wasb://", "wasbs://"),
    "FILE": ("file://", "/", "*"),
}
AZURE_LOCATION = re.compile(r"^[a-z]+://[^@/]+@[^./]+\.(dfs|blob)\.core\.windows\.net(/.*)?$")
ROLE_ARN = re.compile(r"^.+:(.*):.+:.*:(.*):.+$")  # AwsStorageConfigurationInfo.validateArn; group 2 = account


MODEL_DEFAULTS: dict[str, dict] = {"S3": {"allowedKmsKeys": [], "pathStyleAccess": False}}
"""What Polaris' generated model classes fill in for an absent field (openapi-generator 7.12 jaxrs-resteasy with
server-templates/pojo.mustache: `Objects.requireNonNullElse(x, <default>)`, `new ArrayList<>()` for arrays,
the spec's `default:` for scalars); nulls are left out (`JsonInclude.NON_NULL`, api/management-model)."""


def normalise(storage: dict, properties: dict) -> dict:
    """The stored form as CatalogEntity.getStorageInfo answers it: no nulls, no userArn (never taken from input),
    the allowed locations as a set (a `HashSet` in CatalogEntity, so their order is not kept; sorted here),
    an empty allowed list meaning {default-base-location}, and the model defaults of the storage type."""
    stored = {key: value for key, value in storage.items() if key != "userArn" and value is not None}
    stored["allowedLocations"] = sorted(set(stored.get("allowedLocations") or [properties[BASE_LOCATION]]))
    for key, default in MODEL_DEFAULTS.get(stored["storageType"], {}).items():
        stored.setdefault(key, type(default)(default) if isinstance(default, list) else default)
    return stored


def validate(storage: dict, properties: dict, features: Features) -> None:
    """Checks a catalog's own storage config: type enabled, base location present, prefixes, ARN form."""
    storage_type = storage["storageType"]
    if storage_type not in features.supported_storage_types:
        raise BadRequest(f"Unsupported storage type: {storage_type}")
    base = properties.get(BASE_LOCATION)
    if not base:
        raise BadRequest("Must specify default base location")
    for location in [base, *storage.get("allowedLocations", [])]:
        _check_location(storage_type, location)
    allowed = storage.get("allowedLocations") or [base]
    if not any(_within(base, entry) for entry in allowed):
        raise BadRequest(f"Default location {base} is not in the list of allowed locations: {allowed}")
    if storage_type == "S3" and storage.get("roleArn") is not None:
        _role_account(storage["roleArn"])


def validate_change(old: dict, new: dict, features: Features) -> None:
    """Update rules: the storage type is fixed; the AWS account, externalId and Azure tenant are fixed too."""
    if old["storageType"] != new["storageType"]:
        raise BadRequest("Cannot modify storage type of storage config")
    if features.allow_unrestricted_storage_config_role_changes:
        return
    if new["storageType"] == "S3":
        if _account_of(old) != _account_of(new):
            raise BadRequest("Cannot modify Role ARN to a different AWS account in storage config")
        if old.get("externalId") != new.get("externalId"):
            raise BadRequest("Cannot modify ExternalId in storage config")
    if new["storageType"] == "AZURE" and old.get("tenantId") != new.get("tenantId"):
        raise BadRequest("Cannot modify TenantId in storage config")


def check_overlap(name: str, locations: list[str], others: dict[str, list[str]], features: Features) -> None:
    """A catalog's locations may not contain, or lie inside, another catalog's (catalogOverlapsWithExistingCatalog)."""
    if features.allow_overlapping_catalog_urls:
        return
    for other, other_locations in others.items():
        for mine in locations:
            for theirs in other_locations:
                if _within(mine, theirs) or _within(theirs, mine):
                    raise ValidationFailed(
                        f"Cannot create Catalog {name}. One or more of its new locations overlaps "
                        f"with an existing catalog {other}: {mine} vs {theirs}"
                    )


def locations(storage: dict, properties: dict) -> list[str]:
    return [properties[BASE_LOCATION], *storage["allowedLocations"]]


def _check_location(storage_type: str, location: str) -> None:
    if not location.startswith(PREFIXES[storage_type]):
        raise BadRequest(f"Location prefix not allowed: '{location}', expected prefixes {list(PREFIXES[storage_type])}")
    if storage_type == "AZURE" and not AZURE_LOCATION.match(location):
        raise BadRequest(f"Invalid azure location uri {location}")


def _within(child: str, parent: str) -> bool:
    return child.rstrip("/") + "/" == parent.rstrip("/") + "/" or child.startswith(parent.rstrip("/") + "/")


def _role_account(role_arn: str) -> str:
    match = ROLE_ARN.match(role_arn)
    if match is None:
        raise BadRequest(f"Invalid role ARN format: {role_arn}")
    return match.group(2)


def _account_of(storage: dict) -> str | None:
    return _role_account(storage["roleArn"]) if storage.get("roleArn") else None
