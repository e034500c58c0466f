"""Polaris' management API and the Iceberg namespace API as domain calls (paths, payloads, expected status).

Each method states its operationId from the 1.7.0 specs; the client raises a ``PolarisError`` for any
error status, so methods return the decoded body. Names are percent-encoded as single path segments;
namespace levels are joined by the unit separator (``%1F``) as the Iceberg REST spec defines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from polaris_provider.client import Call, PolarisClient, Reply
from polaris_provider.errors import PolarisError

MANAGEMENT = "/api/management/v1"
CATALOG_API = "/api/catalog/v1"
NAMESPACE_SEPARATOR = "\x1f"


def segment(value: str) -> str:
    return quote(value, safe="")


def namespace_segment(levels: Sequence[str]) -> str:
    return segment(NAMESPACE_SEPARATOR.join(levels))


def describe_namespace(catalog: str, levels: Sequence[str]) -> str:
    return f"namespace '{'.'.join(levels)}' in catalog '{catalog}'"


class PolarisApi:
    def __init__(self, client: PolarisClient):
        self.client = client

    def _send(
        self, operation: str, obj: str, method: str, path: str, json: Any = None, retry: bool = True, **params: str
    ) -> Reply:
        return self.client.send(Call(operation, obj, method, path, json=json, params=params or None, retry=retry))

    def _object(
        self, operation: str, obj: str, method: str, path: str, json: Any = None, retry: bool = True
    ) -> dict[str, Any]:
        """The JSON object the spec promises for a successful answer; anything else (an empty body, a proxy's
        HTML page) is a ``PolarisError`` naming the call, not a crash in the resource code."""
        reply = self._send(operation, obj, method, path, json, retry)
        if not isinstance(reply.body, dict):
            raise PolarisError(
                operation,
                obj,
                f"expected a JSON object in the answer, got {'no body' if reply.body is None else type(reply.body).__name__}",
                status=reply.status,
            )
        return reply.body

    def _listed(self, operation: str, obj: str, path: str, key: str) -> list[Any]:
        """The array under ``key`` of a list answer (GET ``path``)."""
        items = self._object(operation, obj, "GET", path).get(key)
        if not isinstance(items, list):
            raise PolarisError(operation, obj, f"expected a JSON array under {key!r} in the answer")
        return items

    # ---- catalogs ---------------------------------------------------------------------------------------
    def create_catalog(self, catalog: dict[str, Any]) -> dict[str, Any]:
        """createCatalog: POST /catalogs -> 201 Catalog."""
        obj = f"catalog '{catalog['name']}'"
        return self._object("createCatalog", obj, "POST", f"{MANAGEMENT}/catalogs", {"catalog": catalog})

    def get_catalog(self, name: str) -> dict[str, Any]:
        """getCatalog: GET /catalogs/{name} -> 200 Catalog."""
        return self._object("getCatalog", f"catalog '{name}'", "GET", f"{MANAGEMENT}/catalogs/{segment(name)}")

    def update_catalog(
        self, name: str, version: int, properties: dict[str, Any], storage: dict[str, Any]
    ) -> dict[str, Any]:
        """updateCatalog: PUT /catalogs/{name} -> 200; properties and storage are replaced whole."""
        body = {"currentEntityVersion": version, "properties": properties, "storageConfigInfo": storage}
        return self._object("updateCatalog", f"catalog '{name}'", "PUT", f"{MANAGEMENT}/catalogs/{segment(name)}", body)

    def delete_catalog(self, name: str) -> None:
        """deleteCatalog: DELETE /catalogs/{name} -> 204; 400 while namespaces or user catalog roles remain."""
        self._send("deleteCatalog", f"catalog '{name}'", "DELETE", f"{MANAGEMENT}/catalogs/{segment(name)}")

    # ---- principals -------------------------------------------------------------------------------------
    def create_principal(self, name: str, properties: dict[str, Any]) -> dict[str, Any]:
        """createPrincipal: POST /principals -> 201 PrincipalWithCredentials (the only time a secret is shown)."""
        body = {"principal": {"name": name, "properties": properties}}
        return self._object("createPrincipal", f"principal '{name}'", "POST", f"{MANAGEMENT}/principals", body)

    def get_principal(self, name: str) -> dict[str, Any]:
        """getPrincipal: GET /principals/{name} -> 200 Principal."""
        return self._object("getPrincipal", f"principal '{name}'", "GET", self._principal(name))

    def update_principal(self, name: str, version: int, properties: dict[str, Any]) -> dict[str, Any]:
        """updatePrincipal: PUT /principals/{name} -> 200 Principal."""
        body = {"currentEntityVersion": version, "properties": properties}
        return self._object("updatePrincipal", f"principal '{name}'", "PUT", self._principal(name), body)

    def delete_principal(self, name: str) -> None:
        """deletePrincipal: DELETE /principals/{name} -> 204."""
        self._send("deletePrincipal", f"principal '{name}'", "DELETE", self._principal(name))

    def rotate_credentials(self, name: str) -> dict[str, Any]:
        """rotateCredentials: POST /principals/{name}/rotate -> 200 (old secret stays valid until the next).

        Sent once, never repeated: a second rotate would revoke the secret the first one kept valid."""
        return self._object(
            "rotateCredentials", f"principal '{name}'", "POST", self._principal(name) + "/rotate", retry=False
        )

    def reset_credentials(self, name: str, client_secret: str) -> dict[str, Any]:
        """resetCredentials: POST /principals/{name}/reset {clientSecret} -> 200; every other secret stops working.

        With a caller-chosen secret the call is idempotent (a repeat sets the same secret), so it is retried."""
        return self._object(
            "resetCredentials",
            f"principal '{name}'",
            "POST",
            self._principal(name) + "/reset",
            {"clientSecret": client_secret},
        )

    @staticmethod
    def _principal(name: str) -> str:
        return f"{MANAGEMENT}/principals/{segment(name)}"

    # ---- principal roles --------------------------------------------------------------------------------
    def create_principal_role(self, name: str, properties: dict[str, Any]) -> dict[str, Any]:
        """createPrincipalRole: POST /principal-roles -> 201 PrincipalRole."""
        body = {"principalRole": {"name": name, "properties": properties}}
        return self._object(
            "createPrincipalRole", f"principal role '{name}'", "POST", f"{MANAGEMENT}/principal-roles", body
        )

    def get_principal_role(self, name: str) -> dict[str, Any]:
        """getPrincipalRole: GET /principal-roles/{name} -> 200."""
        return self._object("getPrincipalRole", f"principal role '{name}'", "GET", self._principal_role(name))

    def update_principal_role(self, name: str, version: int, properties: dict[str, Any]) -> dict[str, Any]:
        """updatePrincipalRole: PUT /principal-roles/{name} -> 200."""
        body = {"currentEntityVersion": version, "properties": properties}
        return self._object("updatePrincipalRole", f"principal role '{name}'", "PUT", self._principal_role(name), body)

    def delete_principal_role(self, name: str) -> None:
        """deletePrincipalRole: DELETE /principal-roles/{name} -> 204."""
        self._send("deletePrincipalRole", f"principal role '{name}'", "DELETE", self._principal_role(name))

    @staticmethod
    def _principal_role(name: str) -> str:
        return f"{MANAGEMENT}/principal-roles/{segment(name)}"

    # ---- catalog roles ----------------------------------------------------------------------------------
    def create_catalog_role(self, catalog: str, name: str, properties: dict[str, Any]) -> dict[str, Any]:
        """createCatalogRole: POST /catalogs/{catalog}/catalog-roles -> 201."""
        body = {"catalogRole": {"name": name, "properties": properties}}
        path = f"{MANAGEMENT}/catalogs/{segment(catalog)}/catalog-roles"
        return self._object("createCatalogRole", _catalog_role(catalog, name), "POST", path, body)

    def get_catalog_role(self, catalog: str, name: str) -> dict[str, Any]:
        """getCatalogRole: GET /catalogs/{catalog}/catalog-roles/{name} -> 200."""
        return self._object("getCatalogRole", _catalog_role(catalog, name), "GET", self._catalog_role(catalog, name))

    def update_catalog_role(self, catalog: str, name: str, version: int, properties: dict[str, Any]) -> dict[str, Any]:
        """updateCatalogRole: PUT /catalogs/{catalog}/catalog-roles/{name} -> 200."""
        body = {"currentEntityVersion": version, "properties": properties}
        return self._object(
            "updateCatalogRole", _catalog_role(catalog, name), "PUT", self._catalog_role(catalog, name), body
        )

    def delete_catalog_role(self, catalog: str, name: str) -> None:
        """deleteCatalogRole: DELETE /catalogs/{catalog}/catalog-roles/{name} -> 204 (its grants go too)."""
        self._send("deleteCatalogRole", _catalog_role(catalog, name), "DELETE", self._catalog_role(catalog, name))

    def list_catalog_roles(self, catalog: str) -> list[dict[str, Any]]:
        """listCatalogRoles: GET /catalogs/{catalog}/catalog-roles -> 200 CatalogRoles."""
        path = f"{MANAGEMENT}/catalogs/{segment(catalog)}/catalog-roles"
        return self._listed("listCatalogRoles", f"catalog '{catalog}'", path, "roles")

    @staticmethod
    def _catalog_role(catalog: str, name: str) -> str:
        return f"{MANAGEMENT}/catalogs/{segment(catalog)}/catalog-roles/{segment(name)}"

    # ---- assignments ------------------------------------------------------------------------------------
    def assign_principal_role(self, principal: str, role: str) -> None:
        """assignPrincipalRole: PUT /principals/{p}/principal-roles -> 201 (a repeat is a no-op)."""
        body = {"principalRole": {"name": role}}
        self._send(
            "assignPrincipalRole",
            _principal_assignment(principal, role),
            "PUT",
            self._principal(principal) + "/principal-roles",
            body,
        )

    def principal_roles_of(self, principal: str) -> list[dict[str, Any]]:
        """listPrincipalRolesAssigned: GET /principals/{p}/principal-roles -> 200 PrincipalRoles."""
        return self._listed(
            "listPrincipalRolesAssigned",
            f"principal '{principal}'",
            self._principal(principal) + "/principal-roles",
            "roles",
        )

    def revoke_principal_role(self, principal: str, role: str) -> None:
        """revokePrincipalRole: DELETE /principals/{p}/principal-roles/{r} -> 204; 400 GRANT_NOT_FOUND if absent."""
        self._send(
            "revokePrincipalRole",
            _principal_assignment(principal, role),
            "DELETE",
            f"{self._principal(principal)}/principal-roles/{segment(role)}",
        )

    def assign_catalog_role(self, principal_role: str, catalog: str, role: str) -> None:
        """assignCatalogRoleToPrincipalRole: PUT /principal-roles/{pr}/catalog-roles/{catalog} -> 201."""
        body = {"catalogRole": {"name": role}}
        self._send(
            "assignCatalogRoleToPrincipalRole",
            _catalog_assignment(principal_role, catalog, role),
            "PUT",
            self._assigned_catalog_roles(principal_role, catalog),
            body,
        )

    def catalog_roles_of(self, principal_role: str, catalog: str) -> list[dict[str, Any]]:
        """listCatalogRolesForPrincipalRole: GET /principal-roles/{pr}/catalog-roles/{catalog} -> 200."""
        return self._listed(
            "listCatalogRolesForPrincipalRole",
            f"principal role '{principal_role}'",
            self._assigned_catalog_roles(principal_role, catalog),
            "roles",
        )

    def revoke_catalog_role(self, principal_role: str, catalog: str, role: str) -> None:
        """revokeCatalogRoleFromPrincipalRole: DELETE .../catalog-roles/{catalog}/{role} -> 204."""
        self._send(
            "revokeCatalogRoleFromPrincipalRole",
            _catalog_assignment(principal_role, catalog, role),
            "DELETE",
            f"{self._assigned_catalog_roles(principal_role, catalog)}/{segment(role)}",
        )

    def _assigned_catalog_roles(self, principal_role: str, catalog: str) -> str:
        return f"{self._principal_role(principal_role)}/catalog-roles/{segment(catalog)}"

    # ---- grants -----------------------------------------------------------------------------------------
    def add_grant(self, catalog: str, role: str, grant: dict[str, Any]) -> None:
        """addGrantToCatalogRole: PUT .../catalog-roles/{role}/grants -> 201."""
        self._send(
            "addGrantToCatalogRole",
            describe_grant(catalog, role, grant),
            "PUT",
            self._catalog_role(catalog, role) + "/grants",
            {"grant": grant},
        )

    def list_grants(self, catalog: str, role: str) -> list[dict[str, Any]]:
        """listGrantsForCatalogRole: GET .../catalog-roles/{role}/grants -> 200 GrantResources."""
        return self._listed(
            "listGrantsForCatalogRole",
            _catalog_role(catalog, role),
            self._catalog_role(catalog, role) + "/grants",
            "grants",
        )

    def revoke_grant(self, catalog: str, role: str, grant: dict[str, Any]) -> None:
        """revokeGrantFromCatalogRole: POST .../grants?cascade=false -> 201; 400 GRANT_NOT_FOUND if absent."""
        self._send(
            "revokeGrantFromCatalogRole",
            describe_grant(catalog, role, grant),
            "POST",
            self._catalog_role(catalog, role) + "/grants",
            {"grant": grant},
            cascade="false",
        )

    # ---- namespaces (Iceberg REST, prefix = catalog name) -----------------------------------------------
    def create_namespace(self, catalog: str, levels: Sequence[str], properties: dict[str, Any]) -> dict[str, Any]:
        """createNamespace: POST /v1/{prefix}/namespaces -> 200; 409 if it exists."""
        body = {"namespace": list(levels), "properties": properties}
        return self._object(
            "createNamespace",
            describe_namespace(catalog, levels),
            "POST",
            f"{CATALOG_API}/{segment(catalog)}/namespaces",
            body,
        )

    def load_namespace(self, catalog: str, levels: Sequence[str]) -> dict[str, Any]:
        """loadNamespaceMetadata: GET /v1/{prefix}/namespaces/{ns} -> 200 {namespace, properties}."""
        return self._object(
            "loadNamespaceMetadata", describe_namespace(catalog, levels), "GET", self._namespace(catalog, levels)
        )

    def update_namespace_properties(
        self, catalog: str, levels: Sequence[str], updates: dict[str, Any], removals: list[str]
    ) -> dict[str, Any]:
        """updateProperties: POST /v1/{prefix}/namespaces/{ns}/properties -> 200."""
        body = {"updates": updates, "removals": removals}
        return self._object(
            "updateProperties",
            describe_namespace(catalog, levels),
            "POST",
            self._namespace(catalog, levels) + "/properties",
            body,
        )

    def drop_namespace(self, catalog: str, levels: Sequence[str]) -> None:
        """dropNamespace: DELETE /v1/{prefix}/namespaces/{ns} -> 204; 409 while not empty."""
        self._send("dropNamespace", describe_namespace(catalog, levels), "DELETE", self._namespace(catalog, levels))

    def list_namespaces(self, catalog: str) -> list[list[str]]:
        """listNamespaces: GET /v1/{prefix}/namespaces -> 200 (top level)."""
        return self._listed(
            "listNamespaces", f"catalog '{catalog}'", f"{CATALOG_API}/{segment(catalog)}/namespaces", "namespaces"
        )

    @staticmethod
    def _namespace(catalog: str, levels: Sequence[str]) -> str:
        return f"{CATALOG_API}/{segment(catalog)}/namespaces/{namespace_segment(levels)}"


def _catalog_role(catalog: str, name: str) -> str:
    return f"catalog role '{name}' in catalog '{catalog}'"


def _principal_assignment(principal: str, role: str) -> str:
    return f"principal role '{role}' of principal '{principal}'"


def _catalog_assignment(principal_role: str, catalog: str, role: str) -> str:
    return f"catalog role '{role}' (catalog '{catalog}') of principal role '{principal_role}'"


def describe_grant(catalog: str, role: str, grant: dict[str, Any]) -> str:
    target = ".".join([*grant.get("namespace", []), *[grant[k] for k in ("tableName", "viewName") if k in grant]])
    on = f"{grant.get('type')} '{target}'" if target else f"catalog '{catalog}'"
    return f"grant {grant.get('privilege')} on {on} to catalog role '{role}' in catalog '{catalog}'"
