"""Credential rotation and reset on a flaky network (issue 13, item 3), through the real dynamic-provider server.

Whatever reply is lost, when the operation ends the secret in the state still gets a token, and no secret
nobody saw is left as the principal's only valid one. Asserted on the fake's token endpoint and its store.
"""

from __future__ import annotations

import pytest
import requests

from polaris_provider.resources.principals import PrincipalProvider
from tests.polaris_provider.harness import ProviderError

ROTATE, RESET = "/principals/spark/rotate$", "/principals/spark/reset$"


def principal_props(polaris, rotation: str | None = None, adopt: bool = False) -> dict:
    return {"connection": polaris.connection(), "name": "spark", "properties": {}, "rotation": rotation, "adopt": adopt}


def gets_token(polaris, client_id: str, secret: str) -> bool:
    form = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": secret,
        "scope": "PRINCIPAL_ROLE:ALL",
    }
    return requests.post(polaris.url + "/api/catalog/v1/oauth/tokens", data=form, timeout=5).status_code == 200


def statuses(server, suffix: str) -> list:
    return [r.status for r in server.requests if r.path.endswith(suffix)]


@pytest.fixture
def created(engine, fake_polaris):
    return engine.up(PrincipalProvider(), principal_props(fake_polaris))


def test_a_rotation_keeps_the_previous_secret_valid_and_sends_one_rotate(engine, fake_polaris, created):
    server, old = fake_polaris.server, created.outputs["clientSecret"]
    rotated = engine.up(PrincipalProvider(), principal_props(fake_polaris, "2026-12"), created)
    new = rotated.outputs["clientSecret"]
    assert new != old and gets_token(fake_polaris, rotated.outputs["clientId"], new)
    assert gets_token(fake_polaris, created.outputs["clientId"], old), "Polaris' rotate grace period is kept"
    assert statuses(server, "/spark/reset") == [200] and statuses(server, "/spark/rotate") == [200]


def test_a_lost_rotate_reply_is_undone_and_rotated_again(engine, fake_polaris, created):
    """The rotate takes effect but its reply is lost: its secret was seen by nobody. The provider resets to the
    stored secret (revoking the unseen one) and rotates once more; it never repeats a rotate blindly."""
    server, old = fake_polaris.server, created.outputs["clientSecret"]
    server.inject_reset("POST", ROTATE, times=1, applied=True)
    rotated = engine.up(PrincipalProvider(), principal_props(fake_polaris, "2026-12"), created)
    principal = server.store.principals["spark"]
    assert (principal.main_secret, principal.secondary_secret) == (rotated.outputs["clientSecret"], old)
    assert statuses(server, "/spark/rotate") == [None, 200], "one attempt per round, no transport retry"
    assert statuses(server, "/spark/reset") == [200, 200]


@pytest.mark.parametrize("fault", ["reset", "503"])
def test_when_every_rotate_reply_is_lost_the_stored_secret_still_works(engine, fake_polaris, created, fault):
    server, old = fake_polaris.server, created.outputs["clientSecret"]
    if fault == "reset":
        server.inject_reset("POST", ROTATE, times=10, applied=True)
    else:
        server.inject_status("POST", ROTATE, 503, times=10, applied=True)
    with pytest.raises(ProviderError, match="no reply to 3 rotations.*the stored secret still works"):
        engine.up(PrincipalProvider(), principal_props(fake_polaris, "2026-12"), created)
    assert gets_token(fake_polaris, created.outputs["clientId"], old), "the state (unchanged) still works"
    principal = server.store.principals["spark"]
    assert old in (principal.main_secret, principal.secondary_secret), "an unseen secret is never the only one"
    assert len(statuses(server, "/spark/rotate")) == 3
    server.faults = type(server.faults)()  # the network heals: the next `up` rotates from the same state
    healed = engine.up(PrincipalProvider(), principal_props(fake_polaris, "2026-12"), created)
    assert gets_token(fake_polaris, healed.outputs["clientId"], healed.outputs["clientSecret"])
    assert gets_token(fake_polaris, created.outputs["clientId"], old)


def test_a_reset_whose_reply_is_lost_is_retried_to_the_same_secret(engine, fake_polaris, created):
    """The reset carries the secret the provider chose, so repeating it is harmless: the state's secret works."""
    server = fake_polaris.server
    server.inject_reset("POST", RESET, times=2, applied=True)
    rotated = engine.up(PrincipalProvider(), principal_props(fake_polaris, "2026-12"), created)
    assert statuses(server, "/spark/reset") == [None, None, 200]
    assert gets_token(fake_polaris, rotated.outputs["clientId"], rotated.outputs["clientSecret"])
    assert gets_token(fake_polaris, created.outputs["clientId"], created.outputs["clientSecret"])


def test_adoption_resets_to_a_secret_the_provider_chose_even_when_replies_are_lost(engine, fake_polaris):
    store = fake_polaris.server.store
    with store.lock:
        existing = store.create_principal({"name": "spark", "properties": {}})
        unknown = existing.main_secret
    fake_polaris.server.inject_reset("POST", RESET, times=1, applied=True)
    adopted = engine.up(PrincipalProvider(), principal_props(fake_polaris, adopt=True))
    assert gets_token(fake_polaris, adopted.outputs["clientId"], adopted.outputs["clientSecret"])
    assert not gets_token(fake_polaris, existing.client_id, unknown), "the secret nobody here knows is revoked"
    assert statuses(fake_polaris.server, "/spark/reset") == [None, 200]
