"""Fixtures: the engine harness (one provider process per session) and a Polaris to talk to.

``polaris`` yields a target (base URL + root credentials): ``fake`` is the spec-checked in-process server
(tests/fakes/polaris_server.py), answering as Polaris 1.7.0 does; ``external`` is any other Polaris named by
POLARIS_TEST_URL (only present when that is set, so no test is ever a mere skip). Tests that need the
fake's fault injection or state use ``fake_polaris``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.fakes.polaris_server import PolarisTestServer
from tests.polaris_provider.harness import Engine, EngineHarness

REALM = "POLARIS"
PROVIDER_CONFIG = {  # short timeouts and backoff keep fault tests fast; the policy itself is the production one
    "polarisProvider:timeoutSeconds": "1",
    "polarisProvider:backoffSeconds": "0.02",
}


@dataclass(frozen=True)
class PolarisTarget:
    """Where the provider connects, as root; ``server`` is the fake (None for an external Polaris)."""

    url: str
    client_id: str
    client_secret: str
    server: PolarisTestServer | None = None

    def connection(self, **extra: str) -> dict:
        return {
            "endpoint": self.url,
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "scope": "PRINCIPAL_ROLE:ALL",
            "realm": REALM,
            **extra,
        }


@pytest.fixture(scope="session")
def harness() -> Iterator[EngineHarness]:
    with EngineHarness(PROVIDER_CONFIG) as running:
        yield running


@pytest.fixture
def engine(harness: EngineHarness) -> Engine:
    return Engine(harness)


@pytest.fixture
def fake_polaris() -> Iterator[PolarisTarget]:
    with PolarisTestServer(realm=REALM) as server:
        yield PolarisTarget(server.url, server.root_client_id, server.root_client_secret, server)


def external_target() -> PolarisTarget | None:
    """Another Polaris to run the lifecycle suites against, named by URL: POLARIS_TEST_URL with
    POLARIS_TEST_CLIENT_ID and POLARIS_TEST_CLIENT_SECRET (root credentials of realm POLARIS); None if unset."""
    url = os.environ.get("POLARIS_TEST_URL")
    if not url:
        return None
    return PolarisTarget(
        url.rstrip("/"), os.environ["POLARIS_TEST_CLIENT_ID"], os.environ["POLARIS_TEST_CLIENT_SECRET"]
    )


TARGETS = ["fake"] + (["external"] if external_target() else [])


@pytest.fixture(params=TARGETS)
def polaris(request: pytest.FixtureRequest) -> PolarisTarget:
    """A base URL and root credentials: the fake always, and the Polaris at POLARIS_TEST_URL when it is set
    (e.g. the real 1.7.0 server once one can run here). Tests that need fault injection use ``fake_polaris``."""
    if request.param == "fake":
        return request.getfixturevalue("fake_polaris")
    return external_target()
