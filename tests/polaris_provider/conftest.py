"""Fixtures: the engine harness (one provider process per session) and a Polaris to talk to.

``polaris`` is parametrized: ``fake`` is the spec-checked in-process server (tests/fakes/polaris_server.py);
``docker`` is the real apache/polaris:1.7.0 image through testcontainers, skipped with the reason when no
Docker engine answers. Tests that need the fake's fault injection or state use ``fake_polaris``.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Iterator

import pytest
import requests

from tests.fakes.polaris_server import PolarisTestServer
from tests.polaris_provider.harness import Engine, EngineHarness

POLARIS_IMAGE = "apache/polaris:1.7.0"
REALM = "POLARIS"
PROVIDER_CONFIG = {  # short timeouts and backoff keep fault tests fast; the policy itself is the production one
    "polarisProvider:timeoutSeconds": "1",
    "polarisProvider:backoffSeconds": "0.02",
}


@dataclass(frozen=True)
class PolarisTarget:
    """Where the provider connects, as root; ``server`` is the fake (None for the real container)."""

    url: str
    client_id: str
    client_secret: str
    server: PolarisTestServer | None = None

    def connection(self, **extra: str) -> dict:
        return {"endpoint": self.url, "clientId": self.client_id, "clientSecret": self.client_secret,
                "scope": "PRINCIPAL_ROLE:ALL", "realm": REALM, **extra}


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


def _docker_unavailable_reason() -> str | None:
    try:
        import docker

        docker.from_env().ping()
    except Exception as error:  # any failure to reach an engine means: skip, and say why
        return f"no Docker engine answers ({type(error).__name__}: {error}); the fake server covers this suite"
    return None


@pytest.fixture(scope="session")
def _real_polaris() -> Iterator[PolarisTarget]:
    reason = _docker_unavailable_reason()
    if reason:
        pytest.skip(reason)
    from testcontainers.core.container import DockerContainer

    secret = secrets.token_hex(16)
    container = (DockerContainer(POLARIS_IMAGE)
                 .with_env("POLARIS_BOOTSTRAP_CREDENTIALS", f"{REALM},root,{secret}")
                 .with_exposed_ports(8181, 8182))
    with container:
        host = container.get_container_host_ip()
        _wait_ready(f"http://{host}:{container.get_exposed_port(8182)}/q/health/ready")
        yield PolarisTarget(f"http://{host}:{container.get_exposed_port(8181)}", "root", secret)


def _wait_ready(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass  # not listening yet
        time.sleep(1)
    raise TimeoutError(f"{POLARIS_IMAGE} not ready at {url} after {timeout:.0f}s")


@pytest.fixture(params=["fake", pytest.param("docker", marks=pytest.mark.docker)])
def polaris(request: pytest.FixtureRequest) -> PolarisTarget:
    """The lifecycle suite runs against both the fake and, when Docker answers, the real Polaris."""
    if request.param == "fake":
        return request.getfixturevalue("fake_polaris")
    return request.getfixturevalue("_real_polaris")
