"""Iceberg REST table routes for the Polaris test server: create, load and commit, with credential vending.

    server = PolarisTestServer()
    tables.register(server.router, vendor)      # vendor: s3_vending.S3CredentialVendor (or any `.vend`)

Authorization follows Polaris 1.7.0 (reference §4.3): loadTable needs TABLE_READ_PROPERTIES; with
`X-Iceberg-Access-Delegation: vended-credentials` it needs TABLE_WRITE_DATA (read/write credentials) or else
TABLE_READ_DATA (read-only credentials), and is 403 without either. createTable needs TABLE_CREATE, plus
TABLE_WRITE_DATA when credentials are asked for; updateTable needs TABLE_WRITE_PROPERTIES. Grants on catalogs
and namespaces count (as in `privileges`); table-level grants are not modelled.

Table metadata is built and updated in memory with PyIceberg's own implementation of the Iceberg spec
(`new_table_metadata`, `TableRequirement.validate`, `update_table_metadata`) and every response is checked
against the catalog spec by the server. Metadata files are not written to storage: the location is a name.
Credentials come back in `config` and in `storage-credentials` (prefix = table location), as in Polaris.
"""

from __future__ import annotations

import functools
import json
import uuid
from typing import Any, Protocol

from pyiceberg.exceptions import CommitFailedException
from pyiceberg.partitioning import UNPARTITIONED_PARTITION_SPEC, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.table import CommitTableRequest
from pyiceberg.table.metadata import TableMetadata, TableMetadataUtil, new_table_metadata
from pyiceberg.table.sorting import UNSORTED_SORT_ORDER, SortOrder
from pyiceberg.table.update import update_table_metadata

from tests.fakes.polaris import catalog_routes, privileges, storage
from tests.fakes.polaris.errors import BadRequest, Forbidden, PolarisError
from tests.fakes.polaris.routing import Context, Reply, Router

TABLES = catalog_routes.NAMESPACE + "/tables"
TABLE = TABLES + "/{table}"
DELEGATION_HEADER = "X-Iceberg-Access-Delegation"
VENDED = "vended-credentials"
_METADATA_SUPERS = frozenset({"TABLE_FULL_METADATA", "CATALOG_MANAGE_METADATA", "CATALOG_MANAGE_CONTENT"})
IMPLIED_BY: dict[str, frozenset[str]] = {
    "TABLE_READ_PROPERTIES": _METADATA_SUPERS | {"TABLE_WRITE_PROPERTIES", "TABLE_READ_DATA", "TABLE_WRITE_DATA"},
    "TABLE_WRITE_PROPERTIES": _METADATA_SUPERS,
    "TABLE_CREATE": _METADATA_SUPERS,
    "TABLE_READ_DATA": frozenset({"TABLE_WRITE_DATA", "CATALOG_MANAGE_CONTENT"}),
    "TABLE_WRITE_DATA": frozenset({"CATALOG_MANAGE_CONTENT"}),
}
"""Polaris' super-privileges of the table privileges this module checks."""


class CredentialVendor(Protocol):
    def vend(self, storage: dict, locations: list[str], write: bool) -> dict[str, str]: ...


class CommitFailed(PolarisError):
    status, error_type = 409, "CommitFailedException"


def _holds(ctx: Context, catalog: str, namespace: tuple[str, ...], privilege: str) -> bool:
    held = privileges.held_privileges(ctx.store, ctx.caller, catalog, namespace)
    return privilege in held or bool(held & IMPLIED_BY[privilege])


def _require(ctx: Context, catalog: str, namespace: tuple[str, ...], *required: str) -> None:
    missing = [p for p in required if not _holds(ctx, catalog, namespace, p)]
    if missing:
        raise Forbidden(
            f"Principal '{ctx.caller.principal}' with activated PrincipalRoles "
            f"'{sorted(ctx.caller.roles)}' is not authorized for op {missing} on "
            f"{catalog}.{'.'.join(namespace)}"
        )


def _wants_credentials(ctx: Context) -> bool:
    requested = {v.strip() for k, v in ctx.headers.items() if k.lower() == DELEGATION_HEADER.lower()}
    return any(VENDED in value.split(",") for value in requested)


def _default_location(catalog: Any, namespace: tuple[str, ...], name: str) -> str:
    return "/".join([catalog.properties[storage.BASE_LOCATION].rstrip("/"), *namespace, name])


def _check_location(catalog: Any, location: str) -> None:
    """A table must lie inside one of the catalog's allowed locations (Polaris: 403 ForbiddenException)."""
    allowed = catalog.storage["allowedLocations"]
    if not any(location.rstrip("/").startswith(entry.rstrip("/") + "/") for entry in allowed):
        raise Forbidden(f"Invalid location '{location}': not in the allowed locations {allowed}")


def _metadata_location(location: str, version: int) -> str:
    return f"{location}/metadata/{version:05d}-{uuid.uuid4()}.metadata.json"


def _dump(metadata: TableMetadata) -> dict:
    return json.loads(metadata.model_dump_json())


class TableRoutes:
    """The handlers, bound to one credential vendor."""

    def __init__(self, vendor: CredentialVendor):
        self.vendor = vendor

    def _result(self, catalog: Any, entry: dict, write: bool | None) -> Reply:
        """A LoadTableResult; `write` None means no credentials were asked for."""
        body = {"metadata-location": entry["metadata-location"], "metadata": _dump(entry["metadata"])}
        if write is not None:
            if catalog.storage["storageType"] != "S3":
                raise BadRequest(
                    f"Credential vending was requested for table {entry['metadata'].location}, "
                    "but no credentials are available"
                )
            location = entry["metadata"].location
            config = self.vendor.vend(catalog.storage, [location], write)
            body["config"] = config
            body["storage-credentials"] = [{"prefix": location, "config": config}]
        return Reply(200, body)

    def create_table(self, ctx: Context) -> Reply:
        catalog, namespace, body = ctx.store.catalog(ctx.params["prefix"]), ctx.namespace(), ctx.json()
        vend = _wants_credentials(ctx)
        _require(ctx, catalog.name, namespace, "TABLE_CREATE", *(["TABLE_WRITE_DATA"] if vend else []))
        if body.get("stage-create"):
            raise BadRequest("Staged table creation is not supported by this fake")
        ctx.store.namespace(catalog.name, namespace)
        location = (body.get("location") or _default_location(catalog, namespace, body["name"])).rstrip("/")
        _check_location(catalog, location)
        metadata = new_table_metadata(
            Schema.model_validate(body["schema"]),
            PartitionSpec.model_validate(body["partition-spec"])
            if body.get("partition-spec")
            else UNPARTITIONED_PARTITION_SPEC,
            SortOrder.model_validate(body["write-order"]) if body.get("write-order") else UNSORTED_SORT_ORDER,
            location,
            dict(body.get("properties") or {}),
        )
        entry = {"metadata-location": _metadata_location(location, 0), "metadata": metadata}
        ctx.store.add_table(catalog.name, namespace, body["name"], entry)
        return self._result(catalog, entry, True if vend else None)

    def load_table(self, ctx: Context) -> Reply:
        catalog, namespace = ctx.store.catalog(ctx.params["prefix"]), ctx.namespace()
        _require(ctx, catalog.name, namespace, "TABLE_READ_PROPERTIES")
        entry = ctx.store.table(catalog.name, namespace, ctx.params["table"])
        if not _wants_credentials(ctx):
            return self._result(catalog, entry, None)
        if _holds(ctx, catalog.name, namespace, "TABLE_WRITE_DATA"):
            return self._result(catalog, entry, True)
        _require(ctx, catalog.name, namespace, "TABLE_READ_DATA")
        return self._result(catalog, entry, False)

    def update_table(self, ctx: Context) -> Reply:
        catalog, namespace = ctx.store.catalog(ctx.params["prefix"]), ctx.namespace()
        _require(ctx, catalog.name, namespace, "TABLE_WRITE_PROPERTIES")
        entry = ctx.store.table(catalog.name, namespace, ctx.params["table"])
        request = CommitTableRequest.model_validate(
            {"identifier": {"namespace": list(namespace), "name": ctx.params["table"]}, **ctx.json()}
        )
        base = entry["metadata"]
        try:
            for requirement in request.requirements:
                requirement.validate(base)
        except CommitFailedException as error:
            raise CommitFailed(str(error)) from None
        updated = update_table_metadata(base, request.updates, metadata_location=entry["metadata-location"])
        updated = TableMetadataUtil.parse_obj(updated.model_dump())  # re-validated as a whole
        version = len(updated.metadata_log)
        entry["metadata"], entry["metadata-location"] = updated, _metadata_location(updated.location, version)
        return Reply(200, {"metadata-location": entry["metadata-location"], "metadata": _dump(updated)})


def register(router: Router, vendor: CredentialVendor) -> TableRoutes:
    routes = TableRoutes(vendor)
    add = functools.partial(router.add, spec="catalog")
    add("POST", TABLES, "createTable", routes.create_table)
    add("GET", TABLE, "loadTable", routes.load_table)
    add("POST", TABLE, "updateTable", routes.update_table)
    return routes
