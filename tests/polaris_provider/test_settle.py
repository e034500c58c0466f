"""Every object settles (issue 13, items 1 and 2), through the real dynamic-provider server.

After create, refresh and update the diff against the program is empty although Polaris answers with fields
the program did not declare (the test server fills them as Polaris 1.7.0's generated models do); a no-change
`up` costs nothing beyond the read; a create whose reply was lost is adopted when Polaris holds what was
declared, for every kind, and a real conflict names the fields that differ.
"""

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
from tests.polaris_provider.harness import ProviderError, with_provider
from tests.polaris_provider.props import CREATE_PATH, ROLE_ARN, catalog_props, create_method, unique

STORAGE = {
    "S3": lambda bucket: (
        {
            "storageType": "S3",
            "allowedLocations": [f"s3://{bucket}/"],
            "roleArn": ROLE_ARN,
            "externalId": "ext-1",
            "region": "eu-west-1",
        },
        f"s3://{bucket}/warehouse",
    ),
    "S3 with the defaults spelled out": lambda bucket: (
        {
            "storageType": "S3",
            "allowedLocations": [f"s3://{bucket}/b", f"s3://{bucket}/a", f"s3://{bucket}/a"],
            "roleArn": ROLE_ARN,
            "pathStyleAccess": False,
            "allowedKmsKeys": [],
            "stsUnavailable": None,
        },
        f"s3://{bucket}/a/warehouse",
    ),
    "S3 without allowed locations": lambda bucket: (
        {"storageType": "S3", "roleArn": ROLE_ARN},
        f"s3://{bucket}/warehouse",
    ),
    "GCS": lambda bucket: (
        {
            "storageType": "GCS",
            "allowedLocations": [f"gs://{bucket}/"],
            "gcsServiceAccount": "vend@proj.iam.gserviceaccount.com",
        },
        f"gs://{bucket}/warehouse",
    ),
    "AZURE": lambda bucket: (
        {
            "storageType": "AZURE",
            "tenantId": "tenant-1",
            "hierarchical": True,
            "allowedLocations": [f"abfss://{bucket}@acct.dfs.core.windows.net/"],
        },
        f"abfss://{bucket}@acct.dfs.core.windows.net/warehouse",
    ),
}


def catalog_with(polaris, storage_kind: str) -> dict:
    name = unique("cat")
    storage, base = STORAGE[storage_kind](name.replace("_", "-"))
    properties = {"default-base-location": base, "polaris.config.drop-with-purge.enabled": "true", "owner": "x"}
    return {**catalog_props(polaris, name), "properties": properties, "storageConfigInfo": storage}


def every_kind(polaris, catalog: dict) -> list[tuple[object, dict]]:
    """One resource of every kind, parents first, all on ``catalog``."""
    conn, cat = polaris.connection(), catalog["name"]
    principal, principal_role, role = unique("spark"), unique("spark_role"), unique("readers")
    return [
        (CatalogProvider(), catalog),
        (
            NamespaceProvider(),
            {"connection": conn, "catalogName": cat, "namespace": ["sales"], "properties": {"tier": "gold"}},
        ),
        (
            PrincipalProvider(),
            {"connection": conn, "name": principal, "properties": {"team": "a"}, "rotation": None, "adopt": False},
        ),
        (
            PrincipalRoleProvider(),
            {"connection": conn, "name": principal_role, "properties": {"k": "v"}, "adopt": False},
        ),
        (
            CatalogRoleProvider(),
            {"connection": conn, "catalogName": cat, "name": role, "properties": {"k": "v"}, "adopt": False},
        ),
        (
            PrincipalRoleAssignmentProvider(),
            {"connection": conn, "principalName": principal, "principalRoleName": principal_role},
        ),
        (
            CatalogRoleAssignmentProvider(),
            {"connection": conn, "principalRoleName": principal_role, "catalogName": cat, "catalogRoleName": role},
        ),
        (
            GrantProvider(),
            {
                "connection": conn,
                "catalogName": cat,
                "catalogRoleName": role,
                "grant": {"type": "namespace", "namespace": ["sales"], "privilege": "TABLE_READ_DATA"},
            },
        ),
    ]


def assert_settled(engine, provider, props, state) -> None:
    diff = engine.harness.diff(state.id, state.outputs, with_provider(provider, props))
    assert diff.changes == proto.DiffResponse.DIFF_NONE, (type(provider).__name__, list(diff.diffs))


@pytest.mark.parametrize("storage_kind", list(STORAGE))
def test_every_kind_settles_after_create_refresh_and_update(engine, polaris, storage_kind):
    for provider, props in every_kind(polaris, catalog_with(polaris, storage_kind)):
        state = engine.up(provider, props)
        assert_settled(engine, provider, props, state)
        refreshed = engine.refresh(state)
        assert_settled(engine, provider, props, refreshed)
        if "properties" in props:
            changed = {**props, "properties": {**props["properties"], "changed": "yes"}}
            updated = engine.up(provider, changed, refreshed)
            assert_settled(engine, provider, changed, updated)
            assert_settled(engine, provider, changed, engine.refresh(updated))


def test_polaris_answers_s3_with_fields_the_program_left_out(engine, fake_polaris):
    """The premise of the test above: what is stored differs from what was declared, yet nothing shows."""
    props = catalog_with(fake_polaris, "S3")
    state = engine.up(CatalogProvider(), props)
    held = fake_polaris.server.store.catalogs[props["name"]].to_json()["storageConfigInfo"]
    assert held["allowedKmsKeys"] == [] and held["pathStyleAccess"] is False
    assert state.outputs["storageConfigInfo"] == props["storageConfigInfo"]


@pytest.mark.parametrize("storage_kind", ["S3", "GCS", "AZURE"])
def test_a_no_change_up_sends_nothing_and_keeps_the_entity_version(engine, fake_polaris, storage_kind):
    """`pulumi up` twice: the second one is check + diff only (no GET, no PUT, no version bump); after a
    refresh, each object costs exactly its one read."""
    server = fake_polaris.server
    resources = every_kind(fake_polaris, catalog_with(fake_polaris, storage_kind))
    states = [engine.up(provider, props) for provider, props in resources]
    versions = {name: c.entity_version for name, c in server.store.catalogs.items()}
    before = len(server.requests)
    again = [engine.up(provider, props, state) for (provider, props), state in zip(resources, states, strict=True)]
    assert server.requests[before:] == [] and again == states
    refreshed = []
    for state in states:
        start = len(server.requests)
        refreshed.append(engine.refresh(state))
        assert len([r for r in server.requests[start:] if "/oauth/" not in r.path]) == 1, state
    before = len(server.requests)
    for (provider, props), state in zip(resources, refreshed, strict=True):
        engine.up(provider, props, state)
    assert server.requests[before:] == []
    assert {name: c.entity_version for name, c in server.store.catalogs.items()} == versions


@pytest.mark.parametrize("storage_kind", ["S3", "GCS", "AZURE"])
def test_a_lost_create_reply_is_adopted_for_every_kind(engine, fake_polaris, storage_kind):
    """The create takes effect but its reply is lost (connection reset); the retry answers 409 (or, for the
    idempotent links, 201 again): the provider adopts, nothing is created twice, nothing is left behind."""
    server, states = fake_polaris.server, {}
    for provider, props in every_kind(fake_polaris, catalog_with(fake_polaris, storage_kind)):
        kind = type(provider).__name__.removesuffix("Provider")
        server.inject_reset(create_method(kind), CREATE_PATH[kind], times=1, applied=True)
        start = len(server.requests)
        state = engine.up(provider, props)
        assert_settled(engine, provider, props, state)
        writes = [
            r.status
            for r in server.requests[start:]
            if r.method in ("POST", "PUT") and "/oauth/" not in r.path and "/reset" not in r.path
        ]
        assert writes in ([None, 409], [None, 201]), (kind, writes)
        assert engine.refresh(state) is not None
        states[kind] = state
    principal = states["Principal"].outputs
    assert server.store.principals[principal["name"]].matches(principal["clientSecret"]), "the stored secret works"
    assert len(server.store.catalogs) == 1 and len(server.store.principals) == 2  # root and ours: none twice


def test_when_every_create_reply_is_lost_the_object_is_read_and_adopted(engine, fake_polaris):
    """Every attempt reaches Polaris (the first creates, the others get 409) and every reply is lost: the
    provider reads, finds what it declared, and adopts instead of failing and orphaning the catalog."""
    server = fake_polaris.server
    server.inject_reset("POST", CREATE_PATH["Catalog"], times=10, applied=True)
    props = catalog_with(fake_polaris, "S3")
    state = engine.up(CatalogProvider(), props)
    assert [r.status for r in server.requests if r.method == "POST" and "/oauth/" not in r.path] == [None] * 5
    assert state.outputs["entityVersion"] == 1 and list(server.store.catalogs) == [props["name"]]
    assert_settled(engine, CatalogProvider(), props, state)


def test_when_no_create_reply_arrives_and_nothing_landed_the_failure_stands(engine, fake_polaris):
    server = fake_polaris.server
    server.inject_reset("POST", CREATE_PATH["Catalog"], times=10)
    with pytest.raises(ProviderError, match="createCatalog on catalog .* failed: ConnectionError after 5 attempt"):
        engine.up(CatalogProvider(), catalog_with(fake_polaris, "S3"))
    assert server.store.catalogs == {}


def test_a_real_conflict_names_the_fields_that_differ(engine, fake_polaris):
    props = catalog_with(fake_polaris, "S3")
    store = fake_polaris.server.store
    with store.lock:
        store.create_catalog(
            {
                **props,
                "properties": {**props["properties"], "owner": "another-team"},
                "storageConfigInfo": {**props["storageConfigInfo"], "region": "us-east-1"},
            }
        )
    fake_polaris.server.inject_status("POST", CREATE_PATH["Catalog"], 503, times=1)
    with pytest.raises(ProviderError) as error:
        engine.up(CatalogProvider(), props)
    line = error.value.last_line
    assert "already exists" in line and "properties.owner, storageConfigInfo.region" in line, line
    assert "allowedKmsKeys" not in line and "pathStyleAccess" not in line, "filled defaults are no conflict"
    assert store.catalogs[props["name"]].properties["owner"] == "another-team", "someone else's catalog is untouched"
