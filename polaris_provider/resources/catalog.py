"""Catalog: an INTERNAL Polaris catalog with its storage configuration (what Polaris vends credentials for)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CheckFailure

from polaris_provider import validation
from polaris_provider.api import PolarisApi
from polaris_provider.connection import PolarisConnection
from polaris_provider.errors import BadRequest, PolarisError
from polaris_provider.resources.base import VersionedEntityProvider, entity_id, resource_props
from polaris_provider.validation import BASE_LOCATION, STORAGE_DEFAULTS, is_unknown, role_account

CATALOG_ADMIN = "catalog_admin"
SUPPORTED_TYPES = ("INTERNAL",)


class CatalogProvider(VersionedEntityProvider):
    inputs: ClassVar[Mapping[str, Any]] = {
        "name": None,
        "type": "INTERNAL",
        "properties": {},
        "storageConfigInfo": None,
        "adopt": False,
    }
    outputs = ("entityVersion", "createTimestamp", "lastUpdateTimestamp")
    replace_keys = ("name", "type")
    refreshed = ("properties", "storageConfigInfo")
    delete_before_replace = True  # same name, or locations that would overlap the old catalog's: drop it first

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        failures = validation.name("name", news.get("name"), "catalog")
        kind = news.get("type") or "INTERNAL"
        if not is_unknown(kind) and kind not in SUPPORTED_TYPES:
            failures += [CheckFailure("type", f"type must be one of {list(SUPPORTED_TYPES)}, got {kind!r}")]
        failures += validation.properties("properties", news.get("properties"), validation.CATALOG_CONFIGS)
        return failures + validation.storage(news.get("storageConfigInfo"), news.get("properties") or {})

    def identity(self, spec: dict[str, Any]) -> str:
        return entity_id(spec["name"])

    def replacements(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        keys = super().replacements(olds, news)
        if _storage_identity_changed(olds.get("storageConfigInfo") or {}, news.get("storageConfigInfo")):
            keys.append("storageConfigInfo")
        return keys

    def fetch(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        return api.get_catalog(spec["name"])

    def make(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        body = {
            "type": spec["type"],
            "name": spec["name"],
            "properties": spec["properties"],
            "storageConfigInfo": spec["storageConfigInfo"],
        }
        return api.create_catalog(body)

    def put(self, api: PolarisApi, spec: dict[str, Any], version: int) -> dict[str, Any]:
        return api.update_catalog(spec["name"], version, spec["properties"], spec["storageConfigInfo"])

    def remove(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        try:
            api.delete_catalog(spec["name"])
        except BadRequest as error:
            if "not empty" not in error.message.lower():
                raise
            raise BadRequest(
                error.operation,
                error.obj,
                _blockers(api, spec["name"], error.message),
                status=error.status,
                error_type=error.error_type,
            ) from None

    def state(self, entity: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
        properties = entity.get("properties") or {}
        return {
            "type": entity.get("type"),
            "properties": properties,
            "storageConfigInfo": _as_declared(entity.get("storageConfigInfo") or {}, spec, properties),
            "entityVersion": entity.get("entityVersion"),
            "createTimestamp": entity.get("createTimestamp"),
            "lastUpdateTimestamp": entity.get("lastUpdateTimestamp"),
        }


def _storage_identity_changed(old: Mapping[str, Any], new: Any) -> bool:
    """What Polaris 1.7.0 refuses to change in place: storage type, S3 account and externalId, Azure tenant."""
    if new is None or is_unknown(new.get("storageType") if isinstance(new, Mapping) else new):
        return True
    fields = {"S3": ("externalId",), "AZURE": ("tenantId",)}.get(new["storageType"], ())
    if old.get("storageType") != new["storageType"] or any(
        is_unknown(new.get(f)) or old.get(f) != new.get(f) for f in fields
    ):
        return True
    return new["storageType"] == "S3" and (is_unknown(new.get("roleArn")) or role_account(old) != role_account(new))


def _normalised(storage: Mapping[str, Any], base: str | None) -> dict[str, Any]:
    """Polaris' stored form: no nulls, no output-only userArn, allowed locations as a set (empty -> base), and
    the fields Polaris fills in when absent (STORAGE_DEFAULTS) filled in."""
    defaults = STORAGE_DEFAULTS.get(storage.get("storageType", ""), {})
    cleaned = {
        **defaults,
        **{k: v for k, v in storage.items() if v is not None and k not in ("userArn", "allowedLocations")},
    }
    locations = set(storage.get("allowedLocations") or ([base] if base else []))
    cleaned["allowedLocations"] = sorted(locations)
    return cleaned


def _as_declared(remote: Mapping[str, Any], spec: dict[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    """The declared storage when Polaris holds the same thing (no phantom diff), else Polaris' version (drift),
    without the defaults it filled in for fields the program leaves out (they are no drift)."""
    declared = spec.get("storageConfigInfo") or {}
    base = properties.get(BASE_LOCATION)
    if _normalised(remote, base) == _normalised(declared, base):
        return dict(declared)
    defaults = STORAGE_DEFAULTS.get(remote.get("storageType", ""), {})
    return {
        k: v
        for k, v in remote.items()
        if v is not None and k != "userArn" and not (k not in declared and k in defaults and defaults[k] == v)
    }


def _blockers(api: PolarisApi, catalog: str, message: str) -> str:
    """Names what still keeps a catalog from being dropped, so the operator knows what to delete first."""
    try:
        namespaces = [".".join(levels) for levels in api.list_namespaces(catalog)]
        roles = [role["name"] for role in api.list_catalog_roles(catalog) if role["name"] != CATALOG_ADMIN]
    except PolarisError:
        return f"{message}; it still holds namespaces or catalog roles other than {CATALOG_ADMIN}"
    return (
        f"{message}; it still holds namespaces {namespaces} and catalog roles {roles}: delete those first "
        f"(make them depend on the catalog so Pulumi deletes them before it)"
    )


@dataclass(frozen=True)
class CatalogArgs:
    """An INTERNAL catalog; ``properties`` must hold "default-base-location" inside the allowed locations."""

    name: pulumi.Input[str]
    storage_config_info: pulumi.Input[Mapping[str, Any]]
    """Polaris StorageConfigInfo JSON (storageType, allowedLocations, roleArn, externalId, tenantId, ...)."""
    properties: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    type: str = "INTERNAL"
    adopt: bool = False
    """Take over a catalog of this name that already exists instead of failing."""


class Catalog(pulumi.dynamic.Resource, module="polaris", name="Catalog"):
    connection: pulumi.Output[dict[str, Any]]
    name: pulumi.Output[str]
    type: pulumi.Output[str]
    properties: pulumi.Output[dict[str, Any]]
    storageConfigInfo: pulumi.Output[dict[str, Any]]
    adopt: pulumi.Output[bool]
    entityVersion: pulumi.Output[int]
    createTimestamp: pulumi.Output[int]
    lastUpdateTimestamp: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        args: CatalogArgs,
        connection: PolarisConnection,
        opts: pulumi.ResourceOptions | None = None,
    ):
        inputs = {
            "name": args.name,
            "type": args.type,
            "properties": args.properties,
            "storageConfigInfo": args.storage_config_info,
            "adopt": args.adopt,
        }
        super().__init__(
            CatalogProvider(), resource_name, resource_props(connection, inputs, CatalogProvider.outputs), opts
        )
