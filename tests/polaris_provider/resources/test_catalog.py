"""Catalog through the real dynamic-provider server: check, diff, create, read, update, delete, drift."""

from __future__ import annotations

import pytest
from pulumi.output import Unknown
from pulumi.runtime import proto
from pulumi.runtime.rpc import UNKNOWN

from polaris_provider.resources.catalog import CatalogProvider
from tests.polaris_provider.harness import ProviderError, with_provider
from tests.polaris_provider.props import catalog_props, unique


def test_lifecycle_create_read_update_delete(engine, polaris):
    name = unique("sales")
    props = catalog_props(polaris, name)
    state = engine.up(CatalogProvider(), props)
    assert state.id == name
    assert state.outputs["entityVersion"] == 1 and state.outputs["createTimestamp"] > 0

    refreshed = engine.refresh(state)
    assert refreshed.outputs["properties"] == props["properties"]
    assert refreshed.outputs["storageConfigInfo"] == props["storageConfigInfo"], "no phantom drift after create"

    changed = {
        **props,
        "properties": {**props["properties"], "owner": "sales"},
        "storageConfigInfo": {**props["storageConfigInfo"], "region": "eu-west-1"},
    }
    diff = engine.harness.diff(state.id, state.outputs, with_provider(CatalogProvider(), changed))
    assert diff.changes == proto.DiffResponse.DIFF_SOME and list(diff.replaces) == []
    updated = engine.up(CatalogProvider(), changed, state)
    assert updated.outputs["entityVersion"] == 2
    assert engine.refresh(updated).outputs["storageConfigInfo"]["region"] == "eu-west-1"

    engine.destroy(updated)
    assert engine.refresh(updated) is None
    engine.destroy(updated)  # deleting what is gone succeeds


def test_no_change_means_no_diff(engine, fake_polaris):
    props = catalog_props(fake_polaris, "sales")
    state = engine.up(CatalogProvider(), props)
    diff = engine.harness.diff(state.id, state.outputs, with_provider(CatalogProvider(), props))
    assert diff.changes == proto.DiffResponse.DIFF_NONE


@pytest.mark.parametrize(
    "change, replaced",
    [
        ({"name": "other"}, ["name"]),
        ({"storageConfigInfo": {"storageType": "GCS", "allowedLocations": ["gs://b/"]}}, ["storageConfigInfo"]),
        ({"externalId": "ext-2"}, ["storageConfigInfo"]),
        ({"roleArn": "arn:aws:iam::210987654321:role/polaris-sales"}, ["storageConfigInfo"]),
        ({"roleArn": "arn:aws:iam::123456789012:role/renamed"}, []),
        ({"region": "us-east-1"}, []),
    ],
)
def test_diff_replaces_only_what_polaris_cannot_change(engine, fake_polaris, change, replaced):
    olds = catalog_props(fake_polaris, "sales")
    news = {**olds, **{k: v for k, v in change.items() if k in olds}}
    storage_change = {k: v for k, v in change.items() if k not in olds}
    news["storageConfigInfo"] = {**news["storageConfigInfo"], **storage_change}
    diff = engine.harness.diff("sales", olds, with_provider(CatalogProvider(), news))
    assert diff.changes == proto.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == replaced
    assert diff.deleteBeforeReplace == bool(replaced)


def test_azure_tenant_change_replaces(engine, fake_polaris):
    azure = {
        "storageType": "AZURE",
        "tenantId": "t-1",
        "allowedLocations": ["abfss://lake@acct.dfs.core.windows.net/sales"],
    }
    olds = {
        **catalog_props(fake_polaris, "sales"),
        "storageConfigInfo": azure,
        "properties": {"default-base-location": "abfss://lake@acct.dfs.core.windows.net/sales/wh"},
    }
    news = {**olds, "storageConfigInfo": {**azure, "tenantId": "t-2"}}
    diff = engine.harness.diff("sales", olds, with_provider(CatalogProvider(), news))
    assert list(diff.replaces) == ["storageConfigInfo"]


def test_unknown_inputs_at_preview_pass_check_and_diff_says_some(engine, fake_polaris):
    props = catalog_props(fake_polaris, "sales")
    preview = {**props, "connection": UNKNOWN, "storageConfigInfo": {**props["storageConfigInfo"], "roleArn": UNKNOWN}}
    inputs, failures = engine.harness.check({}, with_provider(CatalogProvider(), preview))
    assert failures == []
    assert isinstance(inputs["connection"], Unknown), "passed through untouched"
    assert isinstance(inputs["storageConfigInfo"]["roleArn"], Unknown)
    diff = engine.harness.diff("sales", props, with_provider(CatalogProvider(), preview))
    assert diff.changes == proto.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == ["storageConfigInfo"], "an unknown role may be in another account"


def test_check_reports_every_problem_at_once(engine, fake_polaris):
    bad = {
        **catalog_props(fake_polaris, "System$cat"),
        "type": "EXTERNAL",
        "properties": {"default-base-location": "s3://elsewhere/wh", "polaris.secret": "x"},
        "storageConfigInfo": {
            "storageType": "S3",
            "allowedLocations": ["gs://wrong/", "s3://bucket/"],
            "roleArn": "not-an-arn",
            "tenantId": "t",
        },
    }
    _, failures = engine.harness.check({}, with_provider(CatalogProvider(), bad))
    reasons = " | ".join(f"{f.property}: {f.reason}" for f in failures)
    for expected in (
        "system$",
        "type must be one of",
        "reserved prefix",
        "'tenantId' is not valid for storageType S3",
        "gs://wrong/",
        "must lie inside one of the allowedLocations",
        "roleArn must be an IAM role ARN",
    ):
        assert expected in reasons, reasons
    assert fake_polaris.server.requests == [], "check sends nothing to Polaris"


@pytest.mark.parametrize(
    "storage, base, message",
    [
        ({"storageType": "GCS", "allowedLocations": ["s3://b/"]}, "gs://b/x", "must start with one of ['gs://']"),
        (
            {"storageType": "AZURE", "tenantId": "t", "allowedLocations": ["abfss://acct.dfs.core.windows.net/x"]},
            "abfss://c@acct.dfs.core.windows.net/x",
            "container",
        ),
        (
            {"storageType": "AZURE", "allowedLocations": ["abfss://c@acct.dfs.core.windows.net/x"]},
            "abfss://c@acct.dfs.core.windows.net/x/y",
            "tenantId is required",
        ),
        ({"storageType": "FILE", "allowedLocations": ["file:///tmp"]}, "file:///tmp/x", "storageType must be one of"),
        ({"storageType": "S3", "allowedLocations": []}, None, "'default-base-location' is required"),
    ],
)
def test_check_storage_rules(engine, fake_polaris, storage, base, message):
    props = {
        **catalog_props(fake_polaris, "c"),
        "storageConfigInfo": storage,
        "properties": {"default-base-location": base} if base else {},
    }
    _, failures = engine.harness.check({}, with_provider(CatalogProvider(), props))
    assert any(message in f.reason for f in failures), failures


@pytest.mark.parametrize("location", ["s3a://bucket-c/warehouse/x", "s3://bucket-c/warehouse"])
def test_check_accepts_valid_locations(engine, fake_polaris, location):
    props = catalog_props(fake_polaris, "c")
    props["properties"] = {"default-base-location": location}
    props["storageConfigInfo"]["allowedLocations"] = ["s3a://bucket-c/", "s3://bucket-c/"]
    assert engine.harness.check({}, with_provider(CatalogProvider(), props))[1] == []


def test_drift_out_of_band_change_shows_in_read(engine, fake_polaris):
    props = catalog_props(fake_polaris, "sales")
    state = engine.up(CatalogProvider(), props)
    store = fake_polaris.server.store
    with store.lock:
        store.catalogs["sales"].properties["owner"] = "someone-else"
        store.catalogs["sales"].storage["region"] = "ap-south-1"
        store.catalogs["sales"].touch()
    refreshed = engine.refresh(state)
    assert refreshed.inputs["properties"]["owner"] == "someone-else"
    assert refreshed.outputs["storageConfigInfo"]["region"] == "ap-south-1"
    assert refreshed.outputs["entityVersion"] == 2
    diff = engine.harness.diff(refreshed.id, refreshed.outputs, with_provider(CatalogProvider(), props))
    assert diff.changes == proto.DiffResponse.DIFF_SOME and list(diff.replaces) == []
    repaired = engine.up(CatalogProvider(), props, refreshed)
    assert store.catalogs["sales"].properties == props["properties"]
    assert "region" not in store.catalogs["sales"].storage
    assert repaired.outputs["entityVersion"] == 3


def test_drift_out_of_band_delete_then_recreate(engine, fake_polaris):
    props = catalog_props(fake_polaris, "sales")
    state = engine.up(CatalogProvider(), props)
    with fake_polaris.server.store.lock:
        fake_polaris.server.store.delete_catalog("sales")
    assert engine.refresh(state) is None
    again = engine.up(CatalogProvider(), props)
    assert again.id == "sales" and "sales" in fake_polaris.server.store.catalogs


def test_create_existing_fails_clearly_or_adopts(engine, fake_polaris):
    props = catalog_props(fake_polaris, "sales")
    engine.up(CatalogProvider(), props)
    with pytest.raises(ProviderError) as error:
        engine.up(CatalogProvider(), {**props, "properties": {**props["properties"], "k": "v"}})
    assert "createCatalog on catalog 'sales'" in error.value.last_line
    assert "already exists" in error.value.last_line and "adopt=true" in error.value.last_line
    adopted = engine.up(CatalogProvider(), {**props, "properties": {**props["properties"], "k": "v"}, "adopt": True})
    assert adopted.id == "sales"
    assert fake_polaris.server.store.catalogs["sales"].properties["k"] == "v", "adopt brings it to the declared state"


def test_delete_of_non_empty_catalog_names_the_blockers(engine, fake_polaris):
    state = engine.up(CatalogProvider(), catalog_props(fake_polaris, "sales"))
    store = fake_polaris.server.store
    with store.lock:
        store.create_namespace("sales", ("raw",), {})
        store.create_catalog_role("sales", {"name": "readers"})
    with pytest.raises(ProviderError) as error:
        engine.destroy(state)
    line = error.value.last_line
    assert "deleteCatalog on catalog 'sales'" in line and "['raw']" in line and "['readers']" in line
    assert "catalog_admin" not in line.split("catalog roles")[-1]


@pytest.mark.parametrize(
    "name, problem",
    [
        ("sales\n", "line break"),
        ("sa\u2028les", "line break"),
        ("\tSYSTEM$x", "system$"),
        ("s" * 255 + "\U0001f600", "UTF-16"),
    ],
)
def test_check_refuses_names_polaris_refuses_before_any_request(engine, fake_polaris, name, problem):
    _, failures = engine.harness.check({}, with_provider(CatalogProvider(), catalog_props(fake_polaris, name)))
    assert [f.property for f in failures] == ["name"] and problem in failures[0].reason
    assert fake_polaris.server.requests == []


def test_check_refuses_catalog_config_keys_polaris_1_7_does_not_accept(engine, fake_polaris):
    props = catalog_props(fake_polaris, "sales")
    props["properties"] = {
        **props["properties"],
        "polaris.config.enable.credential.vending": "true",
        "polaris.config.made-up": "1",
    }
    _, failures = engine.harness.check({}, with_provider(CatalogProvider(), props))
    assert len(failures) == 1 and "'polaris.config.made-up'" in failures[0].reason
    assert fake_polaris.server.requests == []
    props["properties"].pop("polaris.config.made-up")
    state = engine.up(CatalogProvider(), props)  # what check lets through, Polaris takes
    assert state.outputs["properties"]["polaris.config.enable.credential.vending"] == "true"
