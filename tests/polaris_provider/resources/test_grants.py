"""Assignments and grants through the real dynamic-provider server: create, read by listing, replace, delete."""

from __future__ import annotations

import pytest
from pulumi.runtime import proto

from polaris_provider.resources.catalog import CatalogProvider
from polaris_provider.resources.grants import (
    CatalogRoleAssignmentProvider,
    GrantProvider,
    PrincipalRoleAssignmentProvider,
)
from polaris_provider.resources.namespaces import NamespaceProvider
from polaris_provider.resources.principals import PrincipalProvider
from polaris_provider.resources.roles import CatalogRoleProvider, PrincipalRoleProvider
from tests.polaris_provider.harness import with_provider
from tests.polaris_provider.props import catalog_props, unique


@pytest.fixture
def world(engine, polaris):
    """A catalog with a namespace, a catalog role, a principal and a principal role."""
    conn = polaris.connection()
    names = {
        "catalog": unique("cat"),
        "role": unique("readers"),
        "principal": unique("spark"),
        "principal_role": unique("spark_role"),
    }
    engine.up(CatalogProvider(), catalog_props(polaris, names["catalog"]))
    engine.up(
        NamespaceProvider(),
        {"connection": conn, "catalogName": names["catalog"], "namespace": ["sales"], "properties": {}},
    )
    engine.up(
        CatalogRoleProvider(),
        {"connection": conn, "catalogName": names["catalog"], "name": names["role"], "properties": {}, "adopt": False},
    )
    engine.up(PrincipalProvider(), {"connection": conn, "name": names["principal"], "properties": {}, "adopt": False})
    engine.up(
        PrincipalRoleProvider(), {"connection": conn, "name": names["principal_role"], "properties": {}, "adopt": False}
    )
    return names


def test_principal_role_assignment_lifecycle(engine, polaris, world):
    props = {
        "connection": polaris.connection(),
        "principalName": world["principal"],
        "principalRoleName": world["principal_role"],
    }
    state = engine.up(PrincipalRoleAssignmentProvider(), props)
    assert state.id == f"{world['principal']}/{world['principal_role']}"
    assert engine.refresh(state) is not None
    engine.destroy(state)
    assert engine.refresh(state) is None
    engine.destroy(state)  # 400 GRANT_NOT_FOUND counts as gone


def test_catalog_role_assignment_lifecycle(engine, polaris, world):
    props = {
        "connection": polaris.connection(),
        "principalRoleName": world["principal_role"],
        "catalogName": world["catalog"],
        "catalogRoleName": world["role"],
    }
    state = engine.up(CatalogRoleAssignmentProvider(), props)
    assert state.id == f"{world['principal_role']}/{world['catalog']}/{world['role']}"
    assert engine.refresh(state) is not None
    engine.destroy(state)
    assert engine.refresh(state) is None
    engine.destroy(state)


@pytest.mark.parametrize(
    "grant",
    [
        {"type": "catalog", "privilege": "CATALOG_READ_PROPERTIES"},
        {"type": "namespace", "namespace": ["sales"], "privilege": "TABLE_READ_DATA"},
    ],
)
def test_grant_lifecycle(engine, polaris, world, grant):
    props = {
        "connection": polaris.connection(),
        "catalogName": world["catalog"],
        "catalogRoleName": world["role"],
        "grant": grant,
    }
    state = engine.up(GrantProvider(), props)
    assert state.id.startswith(f"{world['catalog']}/{world['role']}/{grant['type']}/")
    assert state.id.endswith(grant["privilege"])
    assert engine.refresh(state) is not None
    engine.destroy(state)
    assert engine.refresh(state) is None
    engine.destroy(state)


def test_grant_change_replaces_and_is_revoked_then_added(engine, fake_polaris, world):
    conn = fake_polaris.connection()
    base = {"connection": conn, "catalogName": world["catalog"], "catalogRoleName": world["role"]}
    read = {**base, "grant": {"type": "namespace", "namespace": ["sales"], "privilege": "TABLE_READ_DATA"}}
    write = {**base, "grant": {"type": "namespace", "namespace": ["sales"], "privilege": "TABLE_WRITE_DATA"}}
    state = engine.up(GrantProvider(), read)
    diff = engine.harness.diff(state.id, state.outputs, with_provider(GrantProvider(), write))
    assert diff.changes == proto.DiffResponse.DIFF_SOME and list(diff.replaces) == ["grant"]
    engine.up(GrantProvider(), write, state)
    held = fake_polaris.server.store.list_grants(world["catalog"], world["role"])
    assert [g["privilege"] for g in held] == ["TABLE_WRITE_DATA"]


def test_out_of_band_revoke_shows_as_gone_and_recreate_works(engine, fake_polaris, world):
    props = {
        "connection": fake_polaris.connection(),
        "principalName": world["principal"],
        "principalRoleName": world["principal_role"],
    }
    state = engine.up(PrincipalRoleAssignmentProvider(), props)
    store = fake_polaris.server.store
    with store.lock:
        store.revoke_principal_role(world["principal"], world["principal_role"])
    assert engine.refresh(state) is None
    engine.up(PrincipalRoleAssignmentProvider(), props)
    assert (world["principal"], world["principal_role"]) in store.principal_role_assignments


def test_read_of_a_grant_is_one_list_call(engine, fake_polaris, world):
    props = {
        "connection": fake_polaris.connection(),
        "catalogName": world["catalog"],
        "catalogRoleName": world["role"],
        "grant": {"type": "catalog", "privilege": "TABLE_LIST"},
    }
    state = engine.up(GrantProvider(), props)
    before = len(fake_polaris.server.requests)
    engine.refresh(state)
    calls = [r for r in fake_polaris.server.requests[before:] if "oauth" not in r.path]
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in calls] == [("GET", "grants")]


@pytest.mark.parametrize(
    "grant, message",
    [
        (
            {"type": "table", "namespace": ["sales"], "tableName": "orders", "privilege": "CATALOG_READ_PROPERTIES"},
            "is not a table privilege",
        ),
        ({"type": "view", "namespace": ["sales"], "privilege": "VIEW_DROP"}, "viewName name must be"),
        ({"type": "namespace", "namespace": [], "privilege": "TABLE_READ_DATA"}, "non-empty list"),
        ({"type": "catalog", "namespace": ["x"], "privilege": "TABLE_READ_DATA"}, "does not apply to a catalog grant"),
        ({"type": "policy", "privilege": "POLICY_READ"}, "type must be one of"),
    ],
)
def test_check_rejects_bad_grants(engine, fake_polaris, grant, message):
    props = {"connection": fake_polaris.connection(), "catalogName": "c", "catalogRoleName": "r", "grant": grant}
    _, failures = engine.harness.check({}, with_provider(GrantProvider(), props))
    assert any(message in f.reason for f in failures), failures
