"""PrincipalRole and CatalogRole through the real dynamic-provider server."""

from __future__ import annotations

import threading

import pytest
from pulumi.runtime import proto

from polaris_provider.resources.catalog import CatalogProvider
from polaris_provider.resources.roles import CatalogRoleProvider, PrincipalRoleProvider
from tests.polaris_provider.harness import ProviderError, with_provider
from tests.polaris_provider.props import catalog_props, unique


def test_principal_role_lifecycle(engine, polaris):
    name = unique("readers")
    props = {"connection": polaris.connection(), "name": name, "properties": {"a": "1"}, "adopt": False}
    state = engine.up(PrincipalRoleProvider(), props)
    assert state.id == name and state.outputs["entityVersion"] == 1
    updated = engine.up(PrincipalRoleProvider(), {**props, "properties": {"b": "2"}}, state)
    assert updated.outputs["entityVersion"] == 2
    assert engine.refresh(updated).outputs["properties"] == {"b": "2"}
    engine.destroy(updated)
    assert engine.refresh(updated) is None
    engine.destroy(updated)


def test_catalog_role_lifecycle_and_id(engine, polaris):
    catalog = engine.up(CatalogProvider(), catalog_props(polaris, unique("cat")))
    name = unique("analysts")
    props = {
        "connection": polaris.connection(),
        "catalogName": catalog.id,
        "name": name,
        "properties": {},
        "adopt": False,
    }
    state = engine.up(CatalogRoleProvider(), props)
    assert state.id == f"{catalog.id}/{name}"
    updated = engine.up(CatalogRoleProvider(), {**props, "properties": {"owner": "x"}}, state)
    assert engine.refresh(updated).outputs["properties"] == {"owner": "x"}
    engine.destroy(updated)
    assert engine.refresh(updated) is None
    engine.destroy(catalog)


def test_catalog_role_diff_replaces_on_catalog_or_name(engine, fake_polaris):
    olds = {"connection": fake_polaris.connection(), "catalogName": "c", "name": "r", "properties": {}, "adopt": False}
    for change, replaces in (
        ({"catalogName": "d"}, ["catalogName"]),
        ({"name": "s"}, ["name"]),
        ({"properties": {"k": "v"}}, []),
    ):
        diff = engine.harness.diff("c/r", olds, with_provider(CatalogRoleProvider(), {**olds, **change}))
        assert diff.changes == proto.DiffResponse.DIFF_SOME and list(diff.replaces) == replaces


def test_drift_and_adopt_of_a_principal_role(engine, fake_polaris):
    props = {"connection": fake_polaris.connection(), "name": "readers", "properties": {"a": "1"}, "adopt": False}
    state = engine.up(PrincipalRoleProvider(), props)
    store = fake_polaris.server.store
    with store.lock:
        store.update_properties(store.principal_roles["readers"], "PrincipalRole", 1, {"a": "changed"})
    assert engine.refresh(state).outputs["properties"] == {"a": "changed"}
    with store.lock:
        store.delete_principal_role("readers")
        store.create_principal_role({"name": "readers", "properties": {"z": "9"}})
    with pytest.raises(ProviderError, match="createPrincipalRole on principal role 'readers'.*already exists"):
        engine.up(PrincipalRoleProvider(), props)
    engine.up(PrincipalRoleProvider(), {**props, "adopt": True})
    assert store.principal_roles["readers"].properties == {"a": "1"}


def test_version_race_is_retried_within_budget(engine, fake_polaris):
    """Another writer bumps the version between our GET and PUT: Polaris answers 409, the update re-reads, wins."""
    props = {"connection": fake_polaris.connection(), "name": "readers", "properties": {}, "adopt": False}
    state = engine.up(PrincipalRoleProvider(), props)
    server, store = fake_polaris.server, fake_polaris.server.store
    server.inject_delay("PUT", "/principal-roles/readers$", 0.4, times=1)

    def rival_write() -> None:
        with store.lock:
            store.update_properties(store.principal_roles["readers"], "PrincipalRole", 1, {"rival": "1"})

    rival = threading.Timer(0.1, rival_write)
    rival.start()
    updated = engine.up(PrincipalRoleProvider(), {**props, "properties": {"k": "v"}}, state)
    rival.join()
    assert store.principal_roles["readers"].properties == {"k": "v"}
    puts = [r.status for r in server.requests if r.method == "PUT" and r.path.endswith("/principal-roles/readers")]
    gets = [r for r in server.requests if r.method == "GET" and r.path.endswith("/principal-roles/readers")]
    assert puts == [409, 200] and len(gets) == 2, "the retry re-read the version"
    assert updated.outputs["entityVersion"] == 3


def test_endless_version_race_fails_clearly(engine, fake_polaris):
    props = {"connection": fake_polaris.connection(), "name": "readers", "properties": {}, "adopt": False}
    state = engine.up(PrincipalRoleProvider(), props)
    fake_polaris.server.inject_status("PUT", "/principal-roles/readers$", 409, times=50)
    with pytest.raises(ProviderError) as error:
        engine.up(PrincipalRoleProvider(), {**props, "properties": {"k": "v"}}, state)
    line = error.value.last_line
    assert "updatePrincipalRole on principal role 'readers'" in line and "kept changing in 5 attempts" in line
