"""Reaching a cluster-internal Polaris without exposing it: a port-forward through the Kubernetes API server.

With ``polaris.exposure: internal`` the API is a ClusterIP Service, and the provider runs on an operator's
laptop or a CI runner. As ``kubectl port-forward`` does, the provider listens on ``127.0.0.1:<random port>``
and carries each TCP connection accepted there over the API server's ``pods/portforward`` subresource (a
WebSocket upgrade, channel protocol ``v4.channel.k8s.io``) to a ready Polaris pod, authenticated with the
cluster credentials of the Kubernetes provider (for EKS: the kubeconfig's exec plugin, ``aws eks get-token``).
The API server's service proxy is no substitute: it drops the ``Authorization`` header Polaris needs.

Secrets stay out of state: the ``tunnel`` part of the connection holds the target (namespace, pod selector,
port) and a kubeconfig whose user may only be an exec plugin (or a certificate/token *file*): no token, key or
password is accepted there (``problems``). Tokens are obtained at run time, kept in memory, and never logged.
``POLARIS_TUNNEL_KUBECONFIG`` (a path) replaces the stored kubeconfig, e.g. for an operator's own identity.

Failures are transport failures: every accepted connection looks up a ready pod afresh (a restarted pod is
simply another pod) and runs the exec plugin again when the API server answers 401 (an expired token). When
no port-forward can be opened, the listener answers the request with 503 and an Iceberg error envelope naming
the cause, before any byte reaches Polaris; ``client.py`` retries it as any 503. A forward that breaks
mid-request closes the connection: a connection error, retried likewise.
"""

from __future__ import annotations

import json
import logging
import os
import random
import select
import socket
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import pulumi
import yaml

LOG = logging.getLogger("polaris_provider.tunnel")
KUBECONFIG_ENV = "POLARIS_TUNNEL_KUBECONFIG"
LOCAL_HOST = "127.0.0.1"
FORBIDDEN_USER_KEYS = ("token", "password", "client-key-data", "auth-provider")
"""Kubeconfig user fields that hold a credential inline; they would land in state."""
API_TIMEOUT_SECONDS = 10.0
REFUSAL_READ_SECONDS = 2.0
CHUNK = 65536


class TunnelError(Exception):
    """No port-forward to a ready pod could be opened; the message names the cause, never a credential."""


@dataclass(frozen=True)
class PolarisTunnel:
    """Program side: which pods serve Polaris and how to reach the cluster's API server."""

    namespace: str
    selector: Mapping[str, str]
    port: int
    kubeconfig: pulumi.Input[str] = field(repr=False)
    """A kubeconfig (YAML or JSON) authenticating through an exec plugin, e.g. pulumi-eks' ``kubeconfig_json``."""

    def to_input(self) -> dict[str, Any]:
        selector = ",".join(f"{key}={value}" for key, value in sorted(self.selector.items()))
        return {"namespace": self.namespace, "podSelector": selector, "port": self.port, "kubeconfig": self.kubeconfig}


@dataclass(frozen=True)
class TunnelSpec:
    """Provider side: the ``tunnel`` property, validated by ``problems``."""

    namespace: str
    pod_selector: str
    port: int
    kubeconfig: str = field(repr=False)

    @classmethod
    def from_props(cls, value: Mapping[str, Any]) -> TunnelSpec:
        return cls(
            namespace=value["namespace"],
            pod_selector=value["podSelector"],
            port=int(value["port"]),
            kubeconfig=value["kubeconfig"],
        )

    def kubeconfig_document(self) -> Any:
        """The environment's kubeconfig file when set, else the stored one (parsed YAML: the kubernetes loader
        judges its shape; ``problems`` has already judged the stored one's)."""
        path = os.environ.get(KUBECONFIG_ENV)
        if path:
            with open(path, encoding="utf-8") as file:
                return yaml.safe_load(file)
        return yaml.safe_load(self.kubeconfig)


def problems(value: Any) -> list[str]:
    """Why a ``tunnel`` property cannot be used (empty when it can); never echoes a credential."""
    if not isinstance(value, Mapping):
        return ["tunnel must be an object with namespace, podSelector, port and kubeconfig"]
    found = [
        f"tunnel.{key} must be a non-empty string"
        for key in ("namespace", "podSelector")
        if not (isinstance(value.get(key), str) and value[key])
    ]
    port = value.get("port")
    if not (isinstance(port, (int, float)) and int(port) == port and 0 < port < 65536):
        found.append(f"tunnel.port must be a TCP port (1-65535), got {port!r}")
    return found + _kubeconfig_problems(value.get("kubeconfig"))


def _kubeconfig_problems(text: Any) -> list[str]:
    if not isinstance(text, str) or not text.strip():
        return ["tunnel.kubeconfig must be kubeconfig text (YAML or JSON)"]
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return ["tunnel.kubeconfig is not valid YAML or JSON"]
    if not isinstance(document, Mapping) or not document.get("clusters") or not document.get("users"):
        return ["tunnel.kubeconfig must hold at least one cluster and one user"]
    return [
        f"tunnel.kubeconfig user {user.get('name')!r} holds an inline credential ({key}); use an exec "
        "plugin (e.g. `aws eks get-token`) so that no token is stored in state"
        for user in document["users"]
        if isinstance(user, Mapping)
        for key in FORBIDDEN_USER_KEYS
        if key in (user.get("user") or {})
    ]


class Connector(Protocol):
    def open(self) -> Any:
        """An open port-forward WebSocket (``websocket.WebSocket``) to the Polaris port of a ready pod."""


class PodPortForward:
    """Opens port-forwards with the ``kubernetes`` client: pod lookup, exec-plugin credentials, WebSocket."""

    def __init__(self, spec: TunnelSpec):
        self._spec = spec
        self._core: Any = None
        self._lock = threading.RLock()
        """One open at a time: ``_websocket_request`` swaps the shared API client's request method meanwhile."""

    def open(self) -> Any:

        with self._lock:
            return self._open()

    def _open(self) -> Any:
        from kubernetes.client.exceptions import ApiException

        for fresh in (False, True):
            core = self._client(fresh)
            try:
                pod = self._ready_pod(core)
                forward = self._forward(core, pod)
            except ApiException as error:
                if _status(error) == 401 and not fresh:
                    LOG.info("Kubernetes API answered 401: running the credential plugin again")
                    continue  # the token expired (or was revoked): a fresh one from the exec plugin
                raise TunnelError(self._describe(core, _status(error), error.reason or error)) from None
            except TunnelError:
                raise
            except Exception as error:  # urllib3/OS errors: the API server is unreachable
                raise TunnelError(self._describe(core, None, f"{type(error).__name__}: {error}")) from None
            return forward
        raise AssertionError("unreachable: the fresh attempt returns or raises")

    def _client(self, fresh: bool) -> Any:
        from kubernetes import client, config

        with self._lock:
            if fresh or self._core is None:
                try:
                    api = config.new_client_from_config_dict(self._spec.kubeconfig_document())
                except Exception as error:  # the loader raises plain exceptions for every kind of bad kubeconfig
                    raise TunnelError(
                        f"cannot load the cluster credentials: {type(error).__name__}: {_first_line(error)}"
                    ) from None
                self._core = client.CoreV1Api(api)
            return self._core

    def _ready_pod(self, core: Any) -> str:
        spec = self._spec
        pods = core.list_namespaced_pod(
            spec.namespace, label_selector=spec.pod_selector, _request_timeout=API_TIMEOUT_SECONDS
        ).items
        ready: list[str] = [pod.metadata.name for pod in pods if _is_ready(pod)]
        if not ready:
            raise TunnelError(
                f"no ready pod matches {spec.pod_selector!r} in namespace {spec.namespace!r} ({len(pods)} pod(s) found)"
            )
        return random.choice(ready)  # spreads the engine's parallel requests over the replicas

    def _forward(self, core: Any, pod: str) -> Any:
        """The raw WebSocket of ``pods/{pod}/portforward``: the generated API method builds URL and auth."""
        from kubernetes.stream.stream import _websocket_request

        opened = _websocket_request(
            _open_websocket,
            {"_preload_content": False},
            core.connect_get_namespaced_pod_portforward,
            pod,
            self._spec.namespace,
            ports=str(self._spec.port),
        )
        return opened

    def _describe(self, core: Any, status: int | None, detail: Any) -> str:
        token = str(core.api_client.configuration.api_key.get("authorization", "")).removeprefix("Bearer ")
        text = f"Kubernetes API {status or 'connection'} error: {_first_line(detail)}"
        target = f"port-forward to {self._spec.namespace}/{self._spec.pod_selector}:{self._spec.port}"
        return f"{target}: {text}".replace(token, "***") if len(token) >= 4 else f"{target}: {text}"


def _open_websocket(configuration: Any, _method: str, url: str, **kwargs: Any) -> Any:
    """Stands in for the API client's HTTP request, as ``kubernetes.stream.portforward`` does, but hands back the
    WebSocket itself: ``_relay`` flushes every byte before a close, which the library's proxy thread does not."""
    from kubernetes.client.exceptions import ApiException
    from kubernetes.stream.ws_client import create_websocket, get_websocket_url

    try:
        return create_websocket(
            configuration, get_websocket_url(url, kwargs.get("query_params")), kwargs.get("headers")
        )
    except Exception as error:  # handshake refusals (401, 403, 404) and connection failures alike
        raise ApiException(status=0, reason=str(error)) from None


def _status(error: Any) -> int | None:
    """The HTTP status of an API error; WebSocket handshake failures carry it only in their text."""
    if error.status:
        return int(error.status)
    reason = str(error.reason or "")
    marker = "Handshake status "
    if marker in reason:
        code = reason.split(marker, 1)[1][:3]
        return int(code) if code.isdigit() else None
    return None


def _is_ready(pod: Any) -> bool:
    if pod.metadata.deletion_timestamp is not None or pod.status is None or pod.status.phase != "Running":
        return False
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


def _first_line(error: Any) -> str:
    return str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__


class Tunnel:
    """A loopback listener; each accepted connection gets its own forward (as ``kubectl port-forward``)."""

    def __init__(self, connector: Connector):
        self._connector = connector
        self._listener = socket.create_server((LOCAL_HOST, 0))
        self.endpoint = f"http://{LOCAL_HOST}:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, name=f"polaris-tunnel {self.endpoint}", daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            try:
                forward = self._connector.open()
            except TunnelError as error:
                LOG.info("Polaris tunnel: %s", error)
                _refuse(client, str(error))
                return
            _relay(client, forward)


def _relay(client: socket.socket, forward: Any) -> None:
    """Copies bytes between the local connection and the data channel (0) until either side closes. The
    first frame of each channel only names the port; text on the error channel (1) ends the forward."""
    from websocket import ABNF, WebSocketException

    announced: set[int] = set()
    try:
        while True:
            readable, _, _ = select.select([client, forward.sock], [], [])
            if client in readable:
                data = client.recv(CHUNK)
                if not data:
                    return
                forward.send_binary(b"\x00" + data)
            if forward.sock in readable:
                while True:
                    opcode, frame = forward.recv_data_frame(True)
                    if opcode == ABNF.OPCODE_CLOSE:
                        return
                    if opcode == ABNF.OPCODE_BINARY and frame.data:
                        channel, payload = frame.data[0], frame.data[1:]
                        if channel not in announced:
                            announced.add(channel)
                        elif channel == 0:
                            client.sendall(payload)
                        elif payload:
                            LOG.info(
                                "Polaris tunnel: the pod refused the forward: %s",
                                payload[:300].decode(errors="replace"),
                            )
                            return
                    if not (isinstance(forward.sock, ssl.SSLSocket) and forward.sock.pending()):
                        break
    except (OSError, ValueError, WebSocketException):
        return  # either side went away: the client sees a closed connection and retries
    finally:
        forward.close()


def _refuse(client: socket.socket, message: str) -> None:
    """Answers 503 once the request is read, so that the client gets the reason and nothing reached Polaris."""
    client.settimeout(REFUSAL_READ_SECONDS)
    try:
        _read_request(client)
        body = json.dumps({"error": {"message": message, "type": "TunnelUnavailable", "code": 503}}).encode()
        client.sendall(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
    except OSError:
        return  # the client went away: nothing to tell


def _read_request(client: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(CHUNK)
        if not chunk:
            return
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")[1:]
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = client.recv(CHUNK)
        if not chunk:
            return
        body += chunk


_TUNNELS: dict[TunnelSpec, Tunnel] = {}
_TUNNELS_LOCK = threading.Lock()


def local_endpoint(spec: TunnelSpec) -> str:
    """The loopback URL of the process-wide tunnel for ``spec``, started on first use."""
    with _TUNNELS_LOCK:
        if spec not in _TUNNELS:
            _TUNNELS[spec] = Tunnel(PodPortForward(spec))
        return _TUNNELS[spec].endpoint
