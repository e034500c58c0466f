"""Namespace through the real dynamic-provider server (Iceberg REST API)."""

from __future__ import annotations

import pytest
from pulumi.runtime import proto

from polaris_provider.resources.catalog import CatalogProvider
from polaris_provider.resources.namespaces import NamespaceProvider
from tests.polaris_provider.harness import ProviderError, with_provider
from tests.polaris_provider.props import catalog_props, unique


def test_namespace_lifecycle_nested(engine, polaris):
    catalog = engine.up(CatalogProvider(), catalog_props(polaris, unique("cat")))
    conn = polaris.connection()
    parent = engine.up(
        NamespaceProvider(), {"connection": conn, "catalogName": catalog.id, "namespace": ["sales"], "properties": {}}
    )
    props = {
        "connection": conn,
        "catalogName": catalog.id,
        "namespace": ["sales", "raw"],
        "properties": {"owner": "a", "tier": "bronze"},
    }
    state = engine.up(NamespaceProvider(), props)
    assert state.id == f"{catalog.id}/sales%1Fraw"
    assert engine.refresh(state).outputs["properties"] == {"owner": "a", "tier": "bronze"}
    updated = engine.up(NamespaceProvider(), {**props, "properties": {"owner": "b"}}, state)
    assert engine.refresh(updated).outputs["properties"] == {"owner": "b"}
    engine.destroy(updated)
    assert engine.refresh(updated) is None
    engine.destroy(updated)
    engine.destroy(parent)
    engine.destroy(catalog)


def test_update_touches_only_managed_keys(engine, fake_polaris):
    engine.up(CatalogProvider(), catalog_props(fake_polaris, "cat"))
    props = {
        "connection": fake_polaris.connection(),
        "catalogName": "cat",
        "namespace": ["sales"],
        "properties": {"owner": "a", "old": "x"},
    }
    state = engine.up(NamespaceProvider(), props)
    store = fake_polaris.server.store
    with store.lock:
        store.namespaces["cat"][("sales",)]["added-by-server"] = "1"
        store.namespaces["cat"][("sales",)]["owner"] = "drifted"
    refreshed = engine.refresh(state)
    assert refreshed.outputs["properties"] == {"owner": "drifted", "old": "x"}
    engine.up(NamespaceProvider(), {**props, "properties": {"owner": "a"}}, refreshed)
    assert store.namespaces["cat"][("sales",)] == {"owner": "a", "added-by-server": "1"}


def test_diff_replaces_on_catalog_or_levels(engine, fake_polaris):
    olds = {"connection": fake_polaris.connection(), "catalogName": "cat", "namespace": ["a"], "properties": {}}
    for change, replaces in (
        ({"catalogName": "x"}, ["catalogName"]),
        ({"namespace": ["a", "b"]}, ["namespace"]),
        ({"properties": {"k": "v"}}, []),
    ):
        diff = engine.harness.diff("cat/a", olds, with_provider(NamespaceProvider(), {**olds, **change}))
        assert diff.changes == proto.DiffResponse.DIFF_SOME and list(diff.replaces) == replaces


def test_existing_namespace_is_a_clear_error(engine, fake_polaris):
    engine.up(CatalogProvider(), catalog_props(fake_polaris, "cat"))
    props = {
        "connection": fake_polaris.connection(),
        "catalogName": "cat",
        "namespace": ["sales"],
        "properties": {"a": "1"},
    }
    engine.up(NamespaceProvider(), props)
    with pytest.raises(ProviderError) as error:
        engine.up(NamespaceProvider(), {**props, "properties": {"a": "2"}})
    line = error.value.last_line
    assert "createNamespace on namespace 'sales' in catalog 'cat'" in line and "already exists" in line


def test_check_rejects_bad_levels(engine, fake_polaris):
    for levels in ([], ["a", ""], ["a\x1fb"], "sales"):
        props = {"connection": fake_polaris.connection(), "catalogName": "cat", "namespace": levels, "properties": {}}
        _, failures = engine.harness.check({}, with_provider(NamespaceProvider(), props))
        assert [f.property for f in failures] == ["namespace"], levels
