"""Handlers of the Iceberg REST side (/api/catalog): the token endpoint, /v1/config and namespaces."""

from __future__ import annotations

import functools

from tests.fakes.polaris import privileges
from tests.fakes.polaris.errors import OAuthError, UnprocessableEntity
from tests.fakes.polaris.routing import Context, Reply, Router, parse_namespace
from tests.fakes.polaris.store import check_properties

BASE = "/api/catalog"
TOKEN_PATH = BASE + "/v1/oauth/tokens"
NAMESPACES = BASE + "/v1/{prefix}/namespaces"
NAMESPACE = NAMESPACES + "/{namespace}"


def get_token(ctx: Context) -> Reply:
    try:
        return Reply(200, ctx.broker.exchange(ctx.form(), ctx.headers.get("Authorization")))
    except OAuthError as error:
        return Reply(error.status, error.body())


def get_config(ctx: Context) -> Reply:
    """Polaris returns the catalog's properties as defaults and the catalog name as the path prefix."""
    catalog = ctx.store.catalog(ctx.query.get("warehouse", ""))
    return Reply(200, {"defaults": dict(catalog.properties), "overrides": {"prefix": catalog.name}})


def _authorize(ctx: Context, namespace: tuple[str, ...], privilege: str) -> str:
    catalog = ctx.store.catalog(ctx.params["prefix"]).name
    privileges.require(ctx.store, ctx.caller, catalog, namespace, privilege)
    return catalog


def list_namespaces(ctx: Context) -> Reply:
    parent = parse_namespace(ctx.query.get("parent"))
    catalog = _authorize(ctx, parent, "NAMESPACE_LIST")
    return Reply(200, {"namespaces": [list(ns) for ns in ctx.store.child_namespaces(catalog, parent)]})


def create_namespace(ctx: Context) -> Reply:
    body = ctx.json()
    namespace = tuple(body["namespace"])
    catalog = _authorize(ctx, namespace[:-1], "NAMESPACE_CREATE")
    properties = ctx.store.create_namespace(catalog, namespace, body.get("properties") or {})
    return Reply(200, {"namespace": list(namespace), "properties": dict(properties)})


def load_namespace(ctx: Context) -> Reply:
    namespace = ctx.namespace()
    catalog = _authorize(ctx, namespace, "NAMESPACE_READ_PROPERTIES")
    return Reply(200, {"namespace": list(namespace), "properties": dict(ctx.store.namespace(catalog, namespace))})


def namespace_exists(ctx: Context) -> Reply:
    namespace = ctx.namespace()
    ctx.store.namespace(_authorize(ctx, namespace, "NAMESPACE_READ_PROPERTIES"), namespace)
    return Reply(204)


def drop_namespace(ctx: Context) -> Reply:
    namespace = ctx.namespace()
    ctx.store.drop_namespace(_authorize(ctx, namespace, "NAMESPACE_DROP"), namespace)
    return Reply(204)


def update_namespace_properties(ctx: Context) -> Reply:
    namespace, body = ctx.namespace(), ctx.json()
    properties = ctx.store.namespace(_authorize(ctx, namespace, "NAMESPACE_WRITE_PROPERTIES"), namespace)
    removals, updates = body.get("removals") or [], body.get("updates") or {}
    if set(removals) & set(updates):
        raise UnprocessableEntity(f"Keys both updated and removed: {sorted(set(removals) & set(updates))}")
    check_properties(updates)
    missing = [key for key in removals if key not in properties]
    for key in removals:
        properties.pop(key, None)
    properties.update(updates)
    removed = [key for key in removals if key not in missing]
    return Reply(200, {"updated": sorted(updates), "removed": removed, "missing": missing})


def register(router: Router) -> None:
    add = functools.partial(router.add, spec="catalog")
    add("POST", TOKEN_PATH, "getToken", get_token, oauth=True)
    add("GET", BASE + "/v1/config", "getConfig", get_config)
    add("GET", NAMESPACES, "listNamespaces", list_namespaces)
    add("POST", NAMESPACES, "createNamespace", create_namespace)
    add("GET", NAMESPACE, "loadNamespaceMetadata", load_namespace)
    add("HEAD", NAMESPACE, "namespaceExists", namespace_exists)
    add("DELETE", NAMESPACE, "dropNamespace", drop_namespace)
    add("POST", NAMESPACE + "/properties", "updateProperties", update_namespace_properties)
