"""Faults through the real dynamic-provider server: every operation finishes within its retry budget or fails
clearly, and nothing is created twice or orphaned (asserted on the fake's state and request log)."""

from __future__ import annotations

import time

import pytest

from polaris_provider.resources.catalog import CatalogProvider
from polaris_provider.resources.grants import GrantProvider
from polaris_provider.resources.namespaces import NamespaceProvider
from polaris_provider.resources.principals import PrincipalProvider
from polaris_provider.resources.roles import CatalogRoleProvider
from tests.polaris_provider.harness import ProviderError
from tests.polaris_provider.props import catalog_props

TOKEN = "/api/catalog/v1/oauth/tokens"


def calls(server, method: str, suffix: str) -> list:
    return [r.status for r in server.requests if r.method == method and r.path.endswith(suffix)]


def test_503_burst_is_retried_then_succeeds(engine, fake_polaris):
    server = fake_polaris.server
    server.inject_status("POST", "/management/v1/catalogs$", 503, times=3, headers={"Retry-After": "0"})
    state = engine.up(CatalogProvider(), catalog_props(fake_polaris, "sales"))
    assert state.id == "sales"
    assert calls(server, "POST", "/catalogs") == [503, 503, 503, 201]


def test_503_beyond_the_budget_fails_naming_operation_and_object(engine, fake_polaris):
    fake_polaris.server.inject_status("POST", "/management/v1/catalogs$", 503, times=10)
    with pytest.raises(ProviderError) as error:
        engine.up(CatalogProvider(), catalog_props(fake_polaris, "sales"))
    line = error.value.last_line
    assert "createCatalog on catalog 'sales'" in line and "503" in line and "after 5 attempts" in line
    assert calls(fake_polaris.server, "POST", "/catalogs") == [503] * 5
    assert fake_polaris.server.store.catalogs == {}


def test_other_4xx_is_never_retried(engine, fake_polaris):
    fake_polaris.server.inject_status("POST", "/management/v1/catalogs$", 403, times=1)
    with pytest.raises(ProviderError, match="createCatalog on catalog 'sales' failed \\(403"):
        engine.up(CatalogProvider(), catalog_props(fake_polaris, "sales"))
    assert calls(fake_polaris.server, "POST", "/catalogs") == [403]


def test_lost_reply_of_a_create_adopts_own_object_instead_of_failing(engine, fake_polaris):
    """The server creates the catalog but the reply is lost (reset); the retry gets 409 and adopts the match."""
    server = fake_polaris.server
    server.inject_reset("POST", "/management/v1/catalogs$", times=1, applied=True)
    state = engine.up(CatalogProvider(), catalog_props(fake_polaris, "sales"))
    assert state.id == "sales" and state.outputs["entityVersion"] >= 1
    assert calls(server, "POST", "/catalogs") == [None, 409]
    assert list(server.store.catalogs) == ["sales"], "created once"


def test_lost_reply_for_someone_elses_object_still_fails(engine, fake_polaris):
    """A 409 after a retry adopts only when Polaris holds exactly what we declared."""
    props = catalog_props(fake_polaris, "sales")
    other = {**props["properties"], "owner": "another-team"}
    store = fake_polaris.server.store
    with store.lock:
        store.create_catalog(
            {"name": "sales", "type": "INTERNAL", "properties": other, "storageConfigInfo": props["storageConfigInfo"]}
        )
    fake_polaris.server.inject_status("POST", "/management/v1/catalogs$", 503, times=1)
    with pytest.raises(ProviderError, match="already exists"):
        engine.up(CatalogProvider(), props)
    assert store.catalogs["sales"].properties == other, "someone else's catalog is left alone"


def test_lost_reply_of_principal_create_resets_to_get_a_usable_secret(engine, fake_polaris):
    server = fake_polaris.server
    server.inject_reset("POST", "/management/v1/principals$", times=1, applied=True)
    state = engine.up(
        PrincipalProvider(),
        {"connection": fake_polaris.connection(), "name": "spark", "properties": {}, "adopt": False},
    )
    principal = server.store.principals["spark"]
    assert principal.matches(state.outputs["clientSecret"]), "the secret in state is the one Polaris holds"
    assert calls(server, "POST", "/principals") == [None, 409]
    assert calls(server, "POST", "/principals/spark/reset") == [200]


def test_connection_reset_on_read_and_delete_is_retried(engine, fake_polaris):
    server = fake_polaris.server
    state = engine.up(CatalogProvider(), catalog_props(fake_polaris, "sales"))
    server.inject_reset("GET", "/catalogs/sales$", times=2)
    assert engine.refresh(state) is not None
    server.inject_reset("DELETE", "/catalogs/sales$", times=1, applied=True)
    engine.destroy(state)  # the retry sees 404: already gone
    assert calls(server, "DELETE", "/catalogs/sales") == [None, 404]
    assert server.store.catalogs == {}


def test_slow_answer_times_out_and_is_retried(engine, fake_polaris):
    """The harness configures a 1 s read timeout; a 2.5 s delay on the first GET costs one retry."""
    server = fake_polaris.server
    state = engine.up(CatalogProvider(), catalog_props(fake_polaris, "sales"))
    server.inject_delay("GET", "/catalogs/sales$", 2.5, times=1)
    started = time.monotonic()
    assert engine.refresh(state).outputs["properties"] == state.outputs["properties"]
    assert time.monotonic() - started < 2.0, "the timeout cut the slow call short"
    assert calls(server, "GET", "/catalogs/sales") == [200], "the retry answered while the slow call still hangs"


def test_token_expiring_mid_run_is_refreshed_once(engine, fake_polaris):
    server = fake_polaris.server
    state = engine.up(CatalogProvider(), catalog_props(fake_polaris, "sales"))
    tokens_before = server.token_requests
    server.expire_tokens()
    assert engine.refresh(state) is not None
    assert server.token_requests == tokens_before + 1
    assert calls(server, "GET", "/catalogs/sales")[-2:] == [401, 200]


def test_tokens_are_cached_across_resources(engine, fake_polaris):
    conn = fake_polaris.connection()
    engine.up(CatalogProvider(), catalog_props(fake_polaris, "sales"))
    engine.up(
        CatalogRoleProvider(),
        {"connection": conn, "catalogName": "sales", "name": "r", "properties": {}, "adopt": False},
    )
    engine.up(NamespaceProvider(), {"connection": conn, "catalogName": "sales", "namespace": ["a"], "properties": {}})
    engine.up(
        GrantProvider(),
        {
            "connection": conn,
            "catalogName": "sales",
            "catalogRoleName": "r",
            "grant": {"type": "catalog", "privilege": "TABLE_LIST"},
        },
    )
    assert fake_polaris.server.token_requests == 1


def test_wrong_admin_secret_fails_without_leaking_it(engine, fake_polaris):
    wrong = "wrong-secret-value-1234"
    props = {**catalog_props(fake_polaris, "sales"), "connection": fake_polaris.connection(clientSecret=wrong)}
    with pytest.raises(ProviderError) as error:
        engine.up(CatalogProvider(), props)
    text = str(error.value)
    assert f"getToken on client '{fake_polaris.client_id}'" in text and "unauthorized_client" in text
    assert wrong not in text and fake_polaris.client_secret not in text


def test_no_secret_or_token_in_any_failure_text(engine, fake_polaris):
    """Failures after authentication (Polaris' own message, retries exhausted) name no secret or token."""
    server = fake_polaris.server
    state = engine.up(
        PrincipalProvider(),
        {"connection": fake_polaris.connection(), "name": "spark", "properties": {}, "adopt": False},
    )
    server.inject_status("GET", "/principals/spark$", 500, times=10)
    with pytest.raises(ProviderError) as error:
        engine.refresh(state)
    text = str(error.value)
    assert "getPrincipal on principal 'spark'" in text
    for secret in (fake_polaris.client_secret, state.outputs["clientSecret"]):
        assert secret not in text
    assert "Bearer" not in text and "Authorization" not in text


def test_a_connection_with_another_secret_never_rides_on_a_cached_token(engine, fake_polaris):
    """Same endpoint, realm and client id, wrong secret: the provider process asks for its own token (refused)."""
    state = engine.up(CatalogProvider(), catalog_props(fake_polaris, "sales"))
    wrong = {**state.outputs, "connection": fake_polaris.connection(clientSecret="not-the-root-secret")}
    with pytest.raises(ProviderError, match="getToken on client .* failed \\(401 unauthorized_client"):
        engine.harness.read(state.id, wrong, wrong)
    assert fake_polaris.server.token_requests == 2


def test_concurrent_cold_starts_in_the_provider_share_one_token_request(engine, fake_polaris):
    """The engine reads several resources at once; the first token request is slow, the others wait for it."""
    from concurrent.futures import ThreadPoolExecutor

    server = fake_polaris.server
    states = [engine.up(CatalogProvider(), catalog_props(fake_polaris, name)) for name in ("a", "b", "c", "d")]
    server.expire_tokens()
    server.broker.lifetime_seconds = 3600
    other = fake_polaris.connection(scope="PRINCIPAL_ROLE:service_admin")  # a token key not cached yet
    server.inject_delay("POST", "/oauth/tokens$", 0.5, times=1)
    before = server.token_requests
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(
                lambda s: engine.harness.read(
                    s.id, {**s.outputs, "connection": other}, {**s.inputs, "connection": other}
                ),
                states,
            )
        )
    assert [r[0] for r in results] == ["a", "b", "c", "d"]
    assert server.token_requests == before + 1


def test_retry_after_as_an_http_date_is_honoured(engine, fake_polaris):
    """A 503 whose Retry-After is an HTTP date one second ahead: the retry comes no sooner than that date."""
    import email.utils

    server = fake_polaris.server
    state = engine.up(CatalogProvider(), catalog_props(fake_polaris, "sales"))
    when = time.time() + 2
    server.inject_status(
        "GET", "/catalogs/sales$", 503, times=1, headers={"Retry-After": email.utils.formatdate(when, usegmt=True)}
    )
    assert engine.refresh(state) is not None
    assert time.time() >= int(when), "waited until the date (HTTP dates have whole seconds)"
    assert calls(server, "GET", "/catalogs/sales")[-2:] == [503, 200]
