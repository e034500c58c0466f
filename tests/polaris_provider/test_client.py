"""The transport alone, with ``responses``: tokens, retries, backoff, Retry-After, 401 refresh, errors, TLS."""

from __future__ import annotations

import email.utils
import os
import stat
from pathlib import Path

import pytest
import requests
import responses
from responses import matchers

from polaris_provider import client as client_module
from polaris_provider.api import PolarisApi
from polaris_provider.client import TOKEN_PATH, Call, PolarisClient, RetryPolicy, ca_bundle_path
from polaris_provider.connection import ConnectionSpec
from polaris_provider.errors import (
    AlreadyExists,
    AuthenticationError,
    CommitConflict,
    Forbidden,
    GrantNotFound,
    NotFound,
    PolarisError,
    ServerError,
    TransportError,
)

ENDPOINT = "https://polaris.test"
SECRET = "s3cr3t-value-never-shown"
CATALOGS = ENDPOINT + "/api/management/v1/catalogs"
LIST = Call("listCatalogs", "realm", "GET", "/api/management/v1/catalogs")


class Sleeps:
    """Records the policy's waits instead of sleeping; jitter is the identity, so delays are exact."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def policy(self, **overrides) -> RetryPolicy:
        return RetryPolicy(jitter=lambda delay: delay, sleep=self.waits.append, **overrides)


@pytest.fixture(autouse=True)
def fresh_tokens():
    client_module.TOKENS.clear()
    yield
    client_module.TOKENS.clear()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_client(sleeps: Sleeps, realm: str | None = "POLARIS", **policy) -> PolarisClient:
    connection = ConnectionSpec(ENDPOINT, "admin", SECRET, realm=realm, scope="PRINCIPAL_ROLE:ALL")
    return PolarisClient(connection, sleeps.policy(**policy))


def token_ok(rsps: responses.RequestsMock, token: str = "tok-1", expires_in: int = 3600) -> responses.BaseResponse:
    form = {
        "grant_type": "client_credentials",
        "client_id": "admin",
        "client_secret": SECRET,
        "scope": "PRINCIPAL_ROLE:ALL",
    }
    return rsps.post(
        ENDPOINT + TOKEN_PATH,
        json={"access_token": token, "token_type": "bearer", "expires_in": expires_in},
        match=[matchers.urlencoded_params_matcher(form)],
    )


def envelope(status: int, error_type: str, message: str) -> dict:
    return {"error": {"message": message, "type": error_type, "code": status}}


@responses.activate
def test_token_request_is_explicit_and_headers_carry_token_and_realm(sleeps):
    token_ok(responses)
    responses.get(
        CATALOGS,
        json={"catalogs": []},
        match=[matchers.header_matcher({"Authorization": "Bearer tok-1", "Polaris-Realm": "POLARIS"})],
    )
    assert make_client(sleeps).send(LIST).body == {"catalogs": []}


@responses.activate
def test_no_realm_header_when_none_configured(sleeps):
    token_ok(responses)
    responses.get(CATALOGS, json={"catalogs": []})
    make_client(sleeps, realm=None).send(LIST)
    assert all("Polaris-Realm" not in call.request.headers for call in responses.calls)


@responses.activate
def test_token_is_cached_until_shortly_before_expiry(sleeps, monkeypatch):
    token_request = token_ok(responses, expires_in=3600)
    responses.get(CATALOGS, json={"catalogs": []})
    client = make_client(sleeps)
    clock = [1000.0]
    monkeypatch.setattr(client_module.time, "monotonic", lambda: clock[0])
    client.send(LIST)
    clock[0] += 3600 - 61  # still valid: refreshed 60 s before expiry
    client.send(LIST)
    assert token_request.call_count == 1
    clock[0] += 2
    client.send(LIST)
    assert token_request.call_count == 2


@responses.activate
def test_401_refreshes_the_token_once(sleeps):
    responses.get(
        CATALOGS,
        status=401,
        json=envelope(401, "NotAuthorizedException", "expired"),
        match=[matchers.header_matcher({"Authorization": "Bearer old"})],
    )
    client = make_client(sleeps)
    client_module.TOKENS.put(client.connection.token_key, "old", 3600, 60)
    responses.post(ENDPOINT + TOKEN_PATH, json={"access_token": "new", "expires_in": 3600})
    responses.get(CATALOGS, json={"catalogs": []}, match=[matchers.header_matcher({"Authorization": "Bearer new"})])
    assert client.send(LIST).status == 200


@responses.activate
def test_persistent_401_is_an_authentication_error(sleeps):
    responses.post(ENDPOINT + TOKEN_PATH, json={"access_token": "t", "expires_in": 3600})
    responses.get(CATALOGS, status=401, json=envelope(401, "NotAuthorizedException", "roles not found"))
    with pytest.raises(AuthenticationError, match="listCatalogs on realm failed \\(401"):
        make_client(sleeps).send(LIST)
    assert len([c for c in responses.calls if c.request.url == CATALOGS]) == 2


@responses.activate
def test_rejected_credentials_name_the_client_not_the_secret(sleeps):
    responses.post(
        ENDPOINT + TOKEN_PATH,
        status=401,
        json={"error": "unauthorized_client", "error_description": f"bad secret {SECRET}"},
    )
    with pytest.raises(AuthenticationError) as error:
        make_client(sleeps).send(LIST)
    assert "getToken on client 'admin'" in str(error.value) and "unauthorized_client" in str(error.value)
    assert SECRET not in str(error.value)


@responses.activate
def test_5xx_and_429_are_retried_with_capped_exponential_backoff(sleeps):
    token_ok(responses)
    for status in (503, 502, 429, 500):
        responses.get(CATALOGS, status=status)
    responses.get(CATALOGS, json={"catalogs": []})
    reply = make_client(sleeps, backoff_base=0.5, backoff_cap=1.5).send(LIST)
    assert reply.status == 200 and reply.attempts == 5
    assert sleeps.waits == [0.5, 1.0, 1.5, 1.5]


@responses.activate
def test_retry_after_is_honoured_within_a_cap(sleeps):
    token_ok(responses)
    responses.get(CATALOGS, status=503, headers={"Retry-After": "3"})
    responses.get(CATALOGS, status=429, headers={"Retry-After": "600"})
    responses.get(CATALOGS, json={"catalogs": []})
    make_client(sleeps, retry_after_cap=20).send(LIST)
    assert sleeps.waits == [3.0, 20.0]


@responses.activate
def test_budget_exhausted_raises_server_error_with_attempts(sleeps):
    token_ok(responses)
    responses.get(CATALOGS, status=503, json=envelope(503, "ServiceUnavailable", "overloaded"))
    with pytest.raises(ServerError) as error:
        make_client(sleeps, attempts=3).send(LIST)
    assert "overloaded (after 3 attempts)" in str(error.value) and error.value.after_retry
    assert len(sleeps.waits) == 2


@pytest.mark.parametrize(
    "status, error_type, operation, expected",
    [
        (400, "GRANT_NOT_FOUND", "revokeGrantFromCatalogRole", GrantNotFound),
        (403, "ForbiddenException", "listCatalogs", Forbidden),
        (404, "NotFoundException", "getCatalog", NotFound),
        (409, "AlreadyExistsException", "createCatalog", AlreadyExists),
        (409, "CommitConflictException", "updateCatalog", CommitConflict),
    ],
)
@responses.activate
def test_other_4xx_are_not_retried_and_map_to_typed_errors(sleeps, status, error_type, operation, expected):
    token_ok(responses)
    responses.get(CATALOGS, status=status, json=envelope(status, error_type, "nope"))
    call = Call(operation, "catalog 'c'", "GET", "/api/management/v1/catalogs")
    with pytest.raises(expected) as error:
        make_client(sleeps).send(call)
    assert str(error.value) == f"Polaris {operation} on catalog 'c' failed ({status} {error_type}): nope"
    assert sleeps.waits == [] and not error.value.after_retry


@responses.activate
def test_connection_errors_are_retried_then_reported(sleeps):
    token_ok(responses)
    responses.get(CATALOGS, body=requests.exceptions.ConnectionError("reset by peer"))
    responses.get(CATALOGS, body=requests.exceptions.ReadTimeout("slow"))
    responses.get(CATALOGS, json={"catalogs": []})
    assert make_client(sleeps).send(LIST).attempts == 3
    responses.replace(responses.GET, CATALOGS, body=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(TransportError, match="listCatalogs on realm failed: ConnectionError after 2 attempt"):
        make_client(sleeps, attempts=2).send(LIST)


@responses.activate
def test_tls_errors_are_not_retried(sleeps):
    token_ok(responses)
    responses.get(CATALOGS, body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(TransportError, match="SSLError after 1 attempt"):
        make_client(sleeps).send(LIST)


@responses.activate
def test_every_call_has_a_timeout_and_verifies_tls(sleeps, monkeypatch):
    seen: list[dict] = []
    original = requests.Session.request

    def spy(self, method, url, **kwargs):
        seen.append(kwargs)
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    token_ok(responses)
    responses.get(CATALOGS, json={"catalogs": []})
    make_client(sleeps, connect_timeout=2, read_timeout=7).send(LIST)
    assert [k["timeout"] for k in seen] == [(2, 7), (2, 7)]
    assert [k["verify"] for k in seen] == [True, True]


def test_ca_bundle_goes_to_a_private_file_reused_per_bundle():
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    path = ca_bundle_path(pem)
    assert Path(path).read_text() == pem
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert ca_bundle_path(pem) == path and ca_bundle_path(pem + "\n") != path


def test_policy_reads_overrides_from_stack_config():
    config = {"polarisProvider:timeoutSeconds": "4", "polarisProvider:maxAttempts": "2"}
    policy = RetryPolicy.from_config(config.get)
    assert (policy.read_timeout, policy.attempts, policy.backoff_base) == (4.0, 2, RetryPolicy().backoff_base)


def test_default_jitter_stays_within_half_to_full_delay():
    delays = [RetryPolicy().delay(3, None) for _ in range(200)]
    assert all(0.5 <= d <= 1.0 for d in delays) and len(set(delays)) > 1


def test_connection_repr_hides_the_secret():
    connection = ConnectionSpec(ENDPOINT, "admin", SECRET, ca_bundle="PEM")
    assert SECRET not in repr(connection) and "PEM" not in repr(connection)


@responses.activate
def test_token_endpoint_outage_is_a_server_error_not_a_credentials_problem(sleeps):
    responses.post(ENDPOINT + TOKEN_PATH, status=503)
    with pytest.raises(ServerError, match="getToken on client 'admin' failed \\(503\\)"):
        make_client(sleeps, attempts=2).send(LIST)


# ---- issue 13: retries honour the server -------------------------------------------------------------------
NOW = 1_800_000_000.0  # a fixed wall clock for HTTP dates


@responses.activate
@pytest.mark.parametrize(
    "header, wait",
    [
        (email.utils.formatdate(NOW + 7, usegmt=True), 7.0),  # IMF-fixdate
        ("Friday, 15-Jan-27 08:00:07 GMT", 7.0),  # obsolete RFC 850 form, same instant as NOW + 7
        (email.utils.formatdate(NOW - 60, usegmt=True), 0.0),  # in the past: retry now
        (email.utils.formatdate(NOW + 3600, usegmt=True), 20.0),  # capped
        ("soon", 0.25),  # not a valid value: our own backoff
    ],
)
def test_retry_after_as_an_http_date_is_honoured_within_the_cap(sleeps, header, wait):
    token_ok(responses)
    responses.get(CATALOGS, status=503, headers={"Retry-After": header})
    responses.get(CATALOGS, json={"catalogs": []})
    make_client(sleeps, retry_after_cap=20, clock=lambda: NOW).send(LIST)
    assert sleeps.waits == [pytest.approx(wait)]


def test_the_rfc850_example_is_the_instant_the_test_assumes():
    assert email.utils.parsedate_to_datetime("Friday, 15-Jan-27 08:00:07 GMT").timestamp() == NOW + 7


@responses.activate
def test_a_token_is_never_reused_by_a_connection_with_another_secret(sleeps):
    good = token_ok(responses, token="tok-good")
    refused = responses.post(
        ENDPOINT + TOKEN_PATH,
        status=401,
        json={"error": "unauthorized_client", "error_description": "bad"},
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "client_credentials",
                    "client_id": "admin",
                    "client_secret": "another-secret",
                    "scope": "PRINCIPAL_ROLE:ALL",
                }
            )
        ],
    )
    responses.get(CATALOGS, json={"catalogs": []})
    make_client(sleeps).send(LIST)
    other = PolarisClient(ConnectionSpec(ENDPOINT, "admin", "another-secret", realm="POLARIS"), sleeps.policy())
    with pytest.raises(AuthenticationError, match="getToken on client 'admin'"):
        other.send(LIST)
    assert good.call_count == 1 and refused.call_count == 1
    assert "another-secret" not in repr(other.connection.token_key)


@responses.activate
def test_concurrent_cold_starts_share_one_token_request(sleeps):
    import threading
    import time as real_time

    def slow_token(request):
        real_time.sleep(0.2)  # every caller arrives while the first token request is in flight
        return 200, {}, '{"access_token": "tok-1", "expires_in": 3600}'

    responses.add_callback(responses.POST, ENDPOINT + TOKEN_PATH, callback=slow_token)
    responses.get(CATALOGS, json={"catalogs": []})
    barrier, results = threading.Barrier(6), []

    def call():
        barrier.wait()
        results.append(make_client(sleeps).send(LIST).status)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 6
    assert len([c for c in responses.calls if c.request.url.endswith(TOKEN_PATH)]) == 1


@responses.activate
def test_a_401_after_a_fresh_token_says_the_new_token_was_refused_too(sleeps):
    responses.post(ENDPOINT + TOKEN_PATH, json={"access_token": "t", "expires_in": 3600})
    responses.get(CATALOGS, status=401, json=envelope(401, "NotAuthorizedException", "roles not found"))
    client = make_client(sleeps)
    client_module.TOKENS.put(client.connection.token_key, "cached", 3600, 60)
    with pytest.raises(AuthenticationError) as error:
        client.send(LIST)
    assert "a freshly issued token was refused too" in str(error.value) and "roles not found" in str(error.value)


@responses.activate
def test_a_call_marked_not_retryable_gets_exactly_one_attempt(sleeps):
    token_ok(responses)
    responses.post(CATALOGS, status=503)
    with pytest.raises(ServerError):
        make_client(sleeps).send(
            Call("rotateCredentials", "principal 'p'", "POST", "/api/management/v1/catalogs", retry=False)
        )
    assert len([c for c in responses.calls if c.request.url == CATALOGS]) == 1 and sleeps.waits == []


@responses.activate
def test_a_token_answer_without_a_string_token_is_refused_not_sent_as_bearer_none(sleeps):
    responses.post(ENDPOINT + TOKEN_PATH, json={"access_token": None, "expires_in": 3600})
    catalogs = responses.get(CATALOGS, json={"catalogs": []})
    with pytest.raises(AuthenticationError, match="getToken on client 'admin'"):
        make_client(sleeps).send(LIST)
    assert catalogs.call_count == 0


@responses.activate
@pytest.mark.parametrize(
    ("answer", "got"),
    [({"body": "<html>signed out</html>"}, "got str"), ({"body": ""}, "got no body"), ({"json": []}, "got list")],
)
def test_a_success_without_the_json_object_the_spec_promises_is_a_polaris_error_naming_the_call(sleeps, answer, got):
    token_ok(responses)
    responses.get(CATALOGS + "/sales", **answer)
    with pytest.raises(
        PolarisError,
        match=f"getCatalog on catalog 'sales' failed \\(200\\): expected a JSON object in the answer, {got}",
    ):
        PolarisApi(make_client(sleeps)).get_catalog("sales")


@responses.activate
def test_a_list_answer_without_its_array_is_a_polaris_error_naming_the_call(sleeps):
    token_ok(responses)
    responses.get(CATALOGS + "/sales/catalog-roles", json={"roles": None})
    with pytest.raises(
        PolarisError, match="listCatalogRoles on catalog 'sales' failed: expected a JSON array under 'roles'"
    ):
        PolarisApi(make_client(sleeps)).list_catalog_roles("sales")
