"""Principal through the real dynamic-provider server: credentials, rotation, adopt, drift, secrets."""

from __future__ import annotations

import pytest
import requests
from pulumi.runtime import proto

from polaris_provider.resources.principals import PrincipalProvider
from tests.polaris_provider.harness import ProviderError, with_provider
from tests.polaris_provider.props import unique


def principal_props(polaris, name: str, **extra) -> dict:
    return {
        "connection": polaris.connection(),
        "name": name,
        "properties": {"team": "sales"},
        "rotation": None,
        "adopt": False,
        **extra,
    }


def can_get_token(polaris, client_id: str, client_secret: str) -> bool:
    form = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
        "scope": "PRINCIPAL_ROLE:ALL",
    }
    return requests.post(polaris.url + "/api/catalog/v1/oauth/tokens", data=form, timeout=5).status_code == 200


def test_lifecycle_credentials_rotation_update_delete(engine, polaris):
    name = unique("spark")
    props = principal_props(polaris, name)
    state = engine.up(PrincipalProvider(), props)
    assert state.id == name
    first_secret = state.outputs["clientSecret"]
    assert state.outputs["clientId"] and first_secret
    assert can_get_token(polaris, state.outputs["clientId"], first_secret), "the issued credentials work"

    refreshed = engine.refresh(state)
    assert refreshed.outputs["clientSecret"] == first_secret, "read keeps the secret Polaris never shows again"
    assert refreshed.outputs["properties"] == {"team": "sales"}

    relabelled = engine.up(PrincipalProvider(), {**props, "properties": {"team": "finance"}}, refreshed)
    assert relabelled.outputs["clientSecret"] == first_secret, "a properties change keeps the credentials"
    assert engine.refresh(relabelled).outputs["properties"] == {"team": "finance"}

    rotated = engine.up(
        PrincipalProvider(), {**props, "properties": {"team": "finance"}, "rotation": "2026-11"}, relabelled
    )
    assert rotated.outputs["clientSecret"] != first_secret
    assert rotated.outputs["clientId"] == state.outputs["clientId"]
    assert can_get_token(polaris, rotated.outputs["clientId"], rotated.outputs["clientSecret"])

    engine.destroy(rotated)
    assert engine.refresh(rotated) is None
    engine.destroy(rotated)


def test_diff_name_replaces_rotation_and_properties_update(engine, fake_polaris):
    olds = {**principal_props(fake_polaris, "spark"), "clientId": "x", "clientSecret": "y", "entityVersion": 1}
    cases = {
        "name": ({"name": "flink"}, ["name"]),
        "rotation": ({"rotation": "r2"}, []),
        "properties": ({"properties": {}}, []),
        "adopt": ({"adopt": True}, []),
    }
    for label, (change, replaces) in cases.items():
        diff = engine.harness.diff("spark", olds, with_provider(PrincipalProvider(), {**olds, **change}))
        assert diff.changes == proto.DiffResponse.DIFF_SOME, label
        assert list(diff.replaces) == replaces, label
    same = engine.harness.diff(
        "spark", olds, with_provider(PrincipalProvider(), principal_props(fake_polaris, "spark"))
    )
    assert same.changes == proto.DiffResponse.DIFF_NONE


def test_adopting_an_existing_principal_resets_its_credentials(engine, fake_polaris):
    store = fake_polaris.server.store
    with store.lock:
        existing = store.create_principal({"name": "spark", "properties": {}})
        old_secret = existing.main_secret
    with pytest.raises(ProviderError) as error:
        engine.up(PrincipalProvider(), principal_props(fake_polaris, "spark"))
    assert "createPrincipal on principal 'spark'" in error.value.last_line and "adopt=true" in error.value.last_line
    adopted = engine.up(PrincipalProvider(), principal_props(fake_polaris, "spark", adopt=True))
    assert adopted.outputs["clientSecret"] not in (None, old_secret)
    assert not can_get_token(fake_polaris, existing.client_id, old_secret), "reset revokes the unknown old secret"
    assert can_get_token(fake_polaris, adopted.outputs["clientId"], adopted.outputs["clientSecret"])
    assert store.principals["spark"].properties == {"team": "sales"}


def test_out_of_band_delete_then_recreate(engine, fake_polaris):
    state = engine.up(PrincipalProvider(), principal_props(fake_polaris, "spark"))
    with fake_polaris.server.store.lock:
        fake_polaris.server.store.delete_principal("spark")
    assert engine.refresh(state) is None
    again = engine.up(PrincipalProvider(), principal_props(fake_polaris, "spark"))
    assert again.outputs["clientId"] != state.outputs["clientId"]


def test_check_rejects_bad_names_and_rotation(engine, fake_polaris):
    bad = principal_props(fake_polaris, "", rotation=7, properties={"polaris.x": "1"})
    _, failures = engine.harness.check({}, with_provider(PrincipalProvider(), bad))
    assert {f.property for f in failures} == {"name", "rotation", "properties"}
