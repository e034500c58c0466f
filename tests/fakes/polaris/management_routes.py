"""Handlers of the management API (/api/management/v1), one per operationId of the official spec."""

from __future__ import annotations

import functools

from tests.fakes.polaris.errors import Forbidden, NotImplementedYet
from tests.fakes.polaris.routing import Context, Reply, Router, require_service_admin, required
from tests.fakes.polaris.store import SERVICE_ADMIN

BASE = "/api/management/v1"
GRANT_FIELDS = ("type", "namespace", "tableName", "viewName", "policyName", "privilege")


def resolve_path_entities(ctx: Context) -> None:
    """Polaris resolves named entities before authorizing, so a missing one is 404 even for a non-admin."""
    store, params = ctx.store, ctx.params
    if "catalogName" in params:
        store.catalog(params["catalogName"])
    if "catalogRoleName" in params:
        store.catalog_role(params["catalogName"], params["catalogRoleName"])
    if "principalName" in params:
        store.principal(params["principalName"])
    if "principalRoleName" in params:
        store.principal_role(params["principalRoleName"])


def admin_only(ctx: Context) -> None:
    resolve_path_entities(ctx)
    require_service_admin(ctx)


def admin_or_self(ctx: Context) -> None:
    """A principal may rotate its own credentials without any grant (isSelfOperation)."""
    resolve_path_entities(ctx)
    if ctx.caller.principal != ctx.params["principalName"] and SERVICE_ADMIN not in ctx.caller.roles:
        raise Forbidden(f"Principal '{ctx.caller.principal}' may not rotate another principal's credentials")


def _ok(entity) -> Reply:
    return Reply(200, entity.to_json())


# ---- catalogs -----------------------------------------------------------------------------------------
def list_catalogs(ctx: Context) -> Reply:
    return Reply(200, {"catalogs": [c.to_json() for c in ctx.store.catalogs.values()]})


def create_catalog(ctx: Context) -> Reply:
    return Reply(201, ctx.store.create_catalog(required(ctx.json(), "catalog")).to_json())


def get_catalog(ctx: Context) -> Reply:
    return _ok(ctx.store.catalog(ctx.params["catalogName"]))


def update_catalog(ctx: Context) -> Reply:
    body = ctx.json()
    version, properties = body.get("currentEntityVersion"), body.get("properties")
    catalog = ctx.store.update_catalog(ctx.params["catalogName"], version, properties, body.get("storageConfigInfo"))
    return _ok(catalog)


def delete_catalog(ctx: Context) -> Reply:
    ctx.store.delete_catalog(ctx.params["catalogName"])
    return Reply(204)


# ---- principals ---------------------------------------------------------------------------------------
def list_principals(ctx: Context) -> Reply:
    return Reply(200, {"principals": [p.to_json() for p in ctx.store.principals.values()]})


def create_principal(ctx: Context) -> Reply:
    return Reply(201, ctx.store.create_principal(required(ctx.json(), "principal")).credentials())


def get_principal(ctx: Context) -> Reply:
    return _ok(ctx.store.principal(ctx.params["principalName"]))


def update_principal(ctx: Context) -> Reply:
    return _update(ctx, ctx.store.principal(ctx.params["principalName"]), "Principal")


def delete_principal(ctx: Context) -> Reply:
    ctx.store.delete_principal(ctx.params["principalName"])
    return Reply(204)


def rotate_credentials(ctx: Context) -> Reply:
    return Reply(200, ctx.store.rotate_credentials(ctx.params["principalName"]).credentials())


def reset_credentials(ctx: Context) -> Reply:
    body = ctx.json()
    principal = ctx.store.reset_credentials(ctx.params["principalName"], body.get("clientId"), body.get("clientSecret"))
    return Reply(200, principal.credentials())


def list_principal_roles_assigned(ctx: Context) -> Reply:
    return Reply(200, {"roles": [r.to_json() for r in ctx.store.roles_of_principal(ctx.params["principalName"])]})


def assign_principal_role(ctx: Context) -> Reply:
    role = required(required(ctx.json(), "principalRole"), "name")
    ctx.store.assign_principal_role(ctx.params["principalName"], role)
    return Reply(201)


def revoke_principal_role(ctx: Context) -> Reply:
    ctx.store.revoke_principal_role(ctx.params["principalName"], ctx.params["principalRoleName"])
    return Reply(204)


# ---- principal roles ----------------------------------------------------------------------------------
def list_principal_roles(ctx: Context) -> Reply:
    return Reply(200, {"roles": [r.to_json() for r in ctx.store.principal_roles.values()]})


def create_principal_role(ctx: Context) -> Reply:
    return Reply(201, ctx.store.create_principal_role(required(ctx.json(), "principalRole")).to_json())


def get_principal_role(ctx: Context) -> Reply:
    return _ok(ctx.store.principal_role(ctx.params["principalRoleName"]))


def update_principal_role(ctx: Context) -> Reply:
    return _update(ctx, ctx.store.principal_role(ctx.params["principalRoleName"]), "PrincipalRole")


def delete_principal_role(ctx: Context) -> Reply:
    ctx.store.delete_principal_role(ctx.params["principalRoleName"])
    return Reply(204)


def list_assignee_principals(ctx: Context) -> Reply:
    principals = ctx.store.principals_of_role(ctx.params["principalRoleName"])
    return Reply(200, {"principals": [p.to_json() for p in principals]})


def list_catalog_roles_for_principal_role(ctx: Context) -> Reply:
    roles = ctx.store.catalog_roles_of(ctx.params["principalRoleName"], ctx.params["catalogName"])
    return Reply(200, {"roles": [r.to_json() for r in roles]})


def assign_catalog_role(ctx: Context) -> Reply:
    role = required(required(ctx.json(), "catalogRole"), "name")
    ctx.store.assign_catalog_role(ctx.params["principalRoleName"], ctx.params["catalogName"], role)
    return Reply(201)


def revoke_catalog_role(ctx: Context) -> Reply:
    p = ctx.params
    ctx.store.revoke_catalog_role(p["principalRoleName"], p["catalogName"], p["catalogRoleName"])
    return Reply(204)


# ---- catalog roles and grants -------------------------------------------------------------------------
def list_catalog_roles(ctx: Context) -> Reply:
    catalog = ctx.params["catalogName"]
    roles = [role for (cat, _), role in ctx.store.catalog_roles.items() if cat == catalog]
    return Reply(200, {"roles": [r.to_json() for r in roles]})


def create_catalog_role(ctx: Context) -> Reply:
    role = ctx.store.create_catalog_role(ctx.params["catalogName"], required(ctx.json(), "catalogRole"))
    return Reply(201, role.to_json())


def get_catalog_role(ctx: Context) -> Reply:
    return _ok(ctx.store.catalog_role(ctx.params["catalogName"], ctx.params["catalogRoleName"]))


def update_catalog_role(ctx: Context) -> Reply:
    return _update(ctx, ctx.store.catalog_role(ctx.params["catalogName"], ctx.params["catalogRoleName"]), "CatalogRole")


def delete_catalog_role(ctx: Context) -> Reply:
    ctx.store.delete_catalog_role(ctx.params["catalogName"], ctx.params["catalogRoleName"])
    return Reply(204)


def list_assignee_principal_roles(ctx: Context) -> Reply:
    roles = ctx.store.principal_roles_of(ctx.params["catalogName"], ctx.params["catalogRoleName"])
    return Reply(200, {"roles": [r.to_json() for r in roles]})


def list_grants(ctx: Context) -> Reply:
    return Reply(200, {"grants": ctx.store.list_grants(ctx.params["catalogName"], ctx.params["catalogRoleName"])})


def add_grant(ctx: Context) -> Reply:
    ctx.store.add_grant(ctx.params["catalogName"], ctx.params["catalogRoleName"], _grant(ctx))
    return Reply(201)


def revoke_grant(ctx: Context) -> Reply:
    if ctx.query.get("cascade", "false").lower() == "true":
        raise NotImplementedYet("Cascading revocation of grants is not supported")
    ctx.store.revoke_grant(ctx.params["catalogName"], ctx.params["catalogRoleName"], _grant(ctx))
    return Reply(201)


def _grant(ctx: Context) -> dict:
    grant = required(ctx.json(), "grant")
    return {key: grant[key] for key in GRANT_FIELDS if key in grant}


def _update(ctx: Context, entity, kind: str) -> Reply:
    body = ctx.json()
    return _ok(ctx.store.update_properties(entity, kind, body["currentEntityVersion"], body["properties"]))


ROUTES = (
    ("GET", "/catalogs", "listCatalogs", list_catalogs),
    ("POST", "/catalogs", "createCatalog", create_catalog),
    ("GET", "/catalogs/{catalogName}", "getCatalog", get_catalog),
    ("PUT", "/catalogs/{catalogName}", "updateCatalog", update_catalog),
    ("DELETE", "/catalogs/{catalogName}", "deleteCatalog", delete_catalog),
    ("GET", "/principals", "listPrincipals", list_principals),
    ("POST", "/principals", "createPrincipal", create_principal),
    ("GET", "/principals/{principalName}", "getPrincipal", get_principal),
    ("PUT", "/principals/{principalName}", "updatePrincipal", update_principal),
    ("DELETE", "/principals/{principalName}", "deletePrincipal", delete_principal),
    ("POST", "/principals/{principalName}/reset", "resetCredentials", reset_credentials),
    ("GET", "/principals/{principalName}/principal-roles", "listPrincipalRolesAssigned", list_principal_roles_assigned),
    ("PUT", "/principals/{principalName}/principal-roles", "assignPrincipalRole", assign_principal_role),
    (
        "DELETE",
        "/principals/{principalName}/principal-roles/{principalRoleName}",
        "revokePrincipalRole",
        revoke_principal_role,
    ),
    ("GET", "/principal-roles", "listPrincipalRoles", list_principal_roles),
    ("POST", "/principal-roles", "createPrincipalRole", create_principal_role),
    ("GET", "/principal-roles/{principalRoleName}", "getPrincipalRole", get_principal_role),
    ("PUT", "/principal-roles/{principalRoleName}", "updatePrincipalRole", update_principal_role),
    ("DELETE", "/principal-roles/{principalRoleName}", "deletePrincipalRole", delete_principal_role),
    (
        "GET",
        "/principal-roles/{principalRoleName}/principals",
        "listAssigneePrincipalsForPrincipalRole",
        list_assignee_principals,
    ),
    (
        "GET",
        "/principal-roles/{principalRoleName}/catalog-roles/{catalogName}",
        "listCatalogRolesForPrincipalRole",
        list_catalog_roles_for_principal_role,
    ),
    (
        "PUT",
        "/principal-roles/{principalRoleName}/catalog-roles/{catalogName}",
        "assignCatalogRoleToPrincipalRole",
        assign_catalog_role,
    ),
    (
        "DELETE",
        "/principal-roles/{principalRoleName}/catalog-roles/{catalogName}/{catalogRoleName}",
        "revokeCatalogRoleFromPrincipalRole",
        revoke_catalog_role,
    ),
    ("GET", "/catalogs/{catalogName}/catalog-roles", "listCatalogRoles", list_catalog_roles),
    ("POST", "/catalogs/{catalogName}/catalog-roles", "createCatalogRole", create_catalog_role),
    ("GET", "/catalogs/{catalogName}/catalog-roles/{catalogRoleName}", "getCatalogRole", get_catalog_role),
    ("PUT", "/catalogs/{catalogName}/catalog-roles/{catalogRoleName}", "updateCatalogRole", update_catalog_role),
    ("DELETE", "/catalogs/{catalogName}/catalog-roles/{catalogRoleName}", "deleteCatalogRole", delete_catalog_role),
    (
        "GET",
        "/catalogs/{catalogName}/catalog-roles/{catalogRoleName}/principal-roles",
        "listAssigneePrincipalRolesForCatalogRole",
        list_assignee_principal_roles,
    ),
    ("GET", "/catalogs/{catalogName}/catalog-roles/{catalogRoleName}/grants", "listGrantsForCatalogRole", list_grants),
    ("PUT", "/catalogs/{catalogName}/catalog-roles/{catalogRoleName}/grants", "addGrantToCatalogRole", add_grant),
    (
        "POST",
        "/catalogs/{catalogName}/catalog-roles/{catalogRoleName}/grants",
        "revokeGrantFromCatalogRole",
        revoke_grant,
    ),
)


def register(router: Router) -> None:
    add = functools.partial(router.add, spec="management")
    for method, path, operation_id, handler in ROUTES:
        add(method, BASE + path, operation_id, handler, authorize=admin_only)
    add(
        "POST",
        BASE + "/principals/{principalName}/rotate",
        "rotateCredentials",
        rotate_credentials,
        authorize=admin_or_self,
    )
