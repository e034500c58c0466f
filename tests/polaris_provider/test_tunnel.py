"""The port-forward tunnel against a TLS WebSocket peer speaking the API server's v4 port-forward protocol
(tests/fakes/kubernetes_api.py) in front of the spec-checked fake Polaris: pod lookup, exec-plugin tokens,
pod restarts and token expiry retried as transport failures, refusals that name the cause, no secret leaks."""

from __future__ import annotations

import json
import threading
import time

import pytest

from polaris_provider import client as client_module
from polaris_provider import tunnel as tunnel_module
from polaris_provider.api import PolarisApi
from polaris_provider.client import PolarisClient, RetryPolicy
from polaris_provider.connection import ConnectionSpec, PolarisConnection
from polaris_provider.errors import ServerError
from polaris_provider.resources.roles import PrincipalRoleProvider
from polaris_provider.tunnel import KUBECONFIG_ENV, PolarisTunnel, TunnelSpec, problems
from polaris_provider.validation import connection as check_connection
from tests.fakes.kubernetes_api import POD_LABELS, KubernetesApiServer
from tests.fakes.polaris_server import PolarisTestServer
from tests.polaris_provider.props import unique

NAMESPACE = "polaris"
SELECTOR = ",".join(f"{k}={v}" for k, v in sorted(POD_LABELS.items()))
POLICY = RetryPolicy(attempts=4, backoff_base=0.05, read_timeout=5, jitter=lambda delay: delay)


@pytest.fixture
def polaris():
    with PolarisTestServer(realm="POLARIS") as server:
        yield server


@pytest.fixture
def kube(polaris):
    host, port = polaris.url.removeprefix("http://").split(":")
    with KubernetesApiServer(NAMESPACE, (host, int(port))) as api:
        api.add_pod("polaris-a")
        yield api


@pytest.fixture(autouse=True)
def fresh_state():
    client_module.TOKENS.clear()
    yield
    client_module.TOKENS.clear()
    with tunnel_module._TUNNELS_LOCK:
        for opened in tunnel_module._TUNNELS.values():
            opened.close()
        tunnel_module._TUNNELS.clear()


def connection_props(polaris, kube, **tunnel) -> dict:
    return {
        "endpoint": "http://polaris.polaris.svc.cluster.local:8181",
        "clientId": polaris.root_client_id,
        "clientSecret": polaris.root_client_secret,
        "realm": "POLARIS",
        "scope": "PRINCIPAL_ROLE:ALL",
        "tunnel": {
            "namespace": NAMESPACE,
            "podSelector": SELECTOR,
            "port": 8181,
            "kubeconfig": kube.kubeconfig(),
            **tunnel,
        },
    }


def api(polaris, kube, **tunnel) -> PolarisApi:
    return PolarisApi(PolarisClient(ConnectionSpec.from_props(connection_props(polaris, kube, **tunnel)), POLICY))


def test_requests_reach_polaris_through_a_port_forward_to_a_ready_pod(polaris, kube):
    kube.add_pod("polaris-starting", ready=False)
    spec = ConnectionSpec.from_props(connection_props(polaris, kube))
    assert spec.endpoint.startswith("http://127.0.0.1:"), "the provider talks to its loopback listener"
    client = PolarisApi(PolarisClient(spec, POLICY))
    client.create_principal_role("analysts", {})
    assert client.get_principal_role("analysts")["name"] == "analysts"
    assert set(kube.forwards) == {"polaris-a"}, "never a pod that is not ready"
    assert kube.exec_runs == 1, "one credential-plugin run serves every request until the token fails"
    polaris.assert_no_violations()


def test_parallel_requests_each_get_their_own_forward(polaris, kube):
    kube.add_pod("polaris-b")
    client = api(polaris, kube)
    names = [f"parallel_{index}" for index in range(8)]
    workers = [threading.Thread(target=client.create_principal_role, args=(name, {})) for name in names]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=20)
    assert set(names) <= set(polaris.store.principal_roles), "the engine's parallel steps all get through"
    assert len(kube.forwards) >= 2


def test_a_pod_restart_between_and_during_requests_is_retried_on_the_new_pod(polaris, kube):
    client = api(polaris, kube)
    client.create_principal_role("before", {})
    kube.kill("polaris-a", replacement="polaris-b")
    assert client.get_principal_role("before")["name"] == "before", "a pooled connection to the dead pod is retried"
    polaris.inject_delay("GET", "/principal-roles/before$", 1.0, times=1)
    answer: dict = {}
    reader = threading.Thread(target=lambda: answer.update(client.get_principal_role("before")))
    reader.start()
    time.sleep(0.4)  # the request is inside polaris-b now
    kube.kill("polaris-b", replacement="polaris-c")
    reader.join(timeout=10)
    assert answer.get("name") == "before", "a forward broken mid-request is a connection error, retried"
    assert kube.forwards[-1] == "polaris-c"


def test_an_expired_token_runs_the_credential_plugin_again(polaris, kube):
    client = api(polaris, kube)
    client.create_principal_role("first", {})
    kube.rotate_token()  # the API server now refuses the cached token with 401
    client.create_principal_role("second", {})
    assert kube.exec_runs == 2
    assert {"first", "second"} <= set(polaris.store.principal_roles)


def test_no_ready_pod_is_a_retried_503_that_names_the_cause_and_reaches_nothing(polaris, kube):
    kube.kill("polaris-a")
    kube.add_pod("polaris-b", ready=False)
    with pytest.raises(ServerError) as raised:
        api(polaris, kube).get_principal_role("any")
    message = str(raised.value)
    assert "no ready pod matches" in message and "namespace 'polaris'" in message and "after 4 attempts" in message
    assert polaris.requests == [], "nothing reached Polaris"


def test_refusals_never_carry_the_kubernetes_token(polaris, kube):
    kube.forbid_forward = True  # the 403 body echoes the Authorization header
    with pytest.raises(ServerError) as raised:
        api(polaris, kube).get_principal_role("any")
    assert "403" in str(raised.value)
    assert kube.token not in str(raised.value)


def test_an_unreachable_api_server_is_named(polaris, kube):
    elsewhere = kube.kubeconfig().replace(kube.url, "https://127.0.0.1:9")  # nothing listens there
    with pytest.raises(ServerError, match="Kubernetes API connection error"):
        api(polaris, kube, kubeconfig=elsewhere).get_principal_role("any")


def test_an_unusable_kubeconfig_is_named_without_its_content(polaris, kube):
    broken = json.dumps(
        {
            "clusters": [{"name": "c", "cluster": {"server": kube.url}}],
            "users": [{"name": "u"}],
            "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
            "current-context": "missing",
        }
    )
    with pytest.raises(ServerError, match="cannot load the cluster credentials"):
        api(polaris, kube, kubeconfig=broken).get_principal_role("any")


def test_the_environment_kubeconfig_replaces_the_stored_one(polaris, kube, monkeypatch, tmp_path):
    path = tmp_path / "kubeconfig"
    path.write_text(kube.kubeconfig())
    monkeypatch.setenv(KUBECONFIG_ENV, str(path))
    stored_elsewhere = kube.kubeconfig().replace(kube.url, "https://127.0.0.1:9")  # nothing listens there
    spec = TunnelSpec(NAMESPACE, SELECTOR, 8181, stored_elsewhere)
    assert spec.kubeconfig_document()["clusters"][0]["cluster"]["server"] == kube.url
    api(polaris, kube, kubeconfig=stored_elsewhere).create_principal_role("from-env", {})


def test_inline_credentials_and_bad_targets_are_refused_all_at_once():
    kubeconfig = json.dumps(
        {
            "clusters": [{"name": "c", "cluster": {"server": "https://k"}}],
            "users": [{"name": "admin", "user": {"token": "abcd-secret-token"}}],
        }
    )
    found = problems({"namespace": "", "podSelector": "app=polaris", "port": 70000, "kubeconfig": kubeconfig})
    assert found == [
        "tunnel.namespace must be a non-empty string",
        "tunnel.port must be a TCP port (1-65535), got 70000",
        "tunnel.kubeconfig user 'admin' holds an inline credential (token); use an exec plugin "
        "(e.g. `aws eks get-token`) so that no token is stored in state",
    ]
    assert not any("abcd-secret-token" in problem for problem in found)
    assert problems("x") and problems({"namespace": "p", "podSelector": "a=b", "port": 1, "kubeconfig": ": ["})


def test_check_reports_tunnel_problems_and_waits_for_unknown_kubeconfigs():
    base = {"endpoint": "http://polaris:8181", "clientId": "id", "clientSecret": "secret"}
    failures = check_connection(
        {**base, "tunnel": {"namespace": "p", "podSelector": "a=b", "port": 0, "kubeconfig": "clusters: []"}}
    )
    assert [f.reason for f in failures] == [
        "tunnel.port must be a TCP port (1-65535), got 0",
        "tunnel.kubeconfig must hold at least one cluster and one user",
    ]
    from pulumi.runtime.rpc import UNKNOWN

    assert (
        check_connection(
            {**base, "tunnel": {"namespace": "p", "podSelector": "a=b", "port": 8181, "kubeconfig": UNKNOWN}}
        )
        == []
    )


def test_the_program_side_tunnel_is_part_of_the_secret_connection():
    tunnel = PolarisTunnel(namespace="polaris", selector={"b": "2", "a": "1"}, port=8181, kubeconfig="{}")
    assert tunnel.to_input() == {"namespace": "polaris", "podSelector": "a=1,b=2", "port": 8181, "kubeconfig": "{}"}
    assert "kubeconfig" not in repr(tunnel)
    connection = PolarisConnection("http://polaris:8181", "id", "secret", tunnel=tunnel)
    assert "tunnel" in vars(connection) and connection.tunnel is tunnel


def test_the_engine_creates_through_the_tunnel_and_keeps_no_kubernetes_token_in_state(engine, polaris, kube):
    name = unique("tunnelled")
    props = {"connection": connection_props(polaris, kube), "name": name, "properties": {}, "adopt": False}
    state = engine.up(PrincipalRoleProvider(), props)
    assert state.id == name
    assert engine.refresh(state).outputs["name"] == name, "read reaches Polaris from the stored outputs alone"
    assert kube.token not in json.dumps(state.outputs)
    engine.destroy(state)
    assert kube.forwards, "the provider process went through the fake API server"
