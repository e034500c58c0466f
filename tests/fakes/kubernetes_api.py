"""A stand-in for the Kubernetes API server's pod port-forward, for tests (TLS on 127.0.0.1, no cluster).

    with KubernetesApiServer(namespace="polaris", backend=("127.0.0.1", polaris_port)) as api:
        api.add_pod("polaris-a")                  # a Running, Ready pod labelled as Polaris' server pods
        api.kubeconfig()                           # kubeconfig text: this server's CA, an exec plugin user
        api.kill("polaris-a", replacement="polaris-b")   # drops its forwards (as a pod restart does)
        api.rotate_token()                         # the old bearer token is now refused with 401

What it speaks, as the real API server does:
- ``GET /api/v1/namespaces/{ns}/pods?labelSelector=k=v,...``: a ``PodList`` (phase, Ready condition, labels);
- ``GET /api/v1/namespaces/{ns}/pods/{pod}/portforward?ports=N`` upgraded to a WebSocket with subprotocol
  ``v4.channel.k8s.io``: one data channel (0) and one error channel (1) per port, each opened by a frame
  holding the port number (uint16, little endian); payload frames carry the channel byte first. Each
  WebSocket is one TCP connection to the pod's port (here: ``backend``); a refused backend connection is
  reported on the error channel, as the kubelet does;
- every request needs ``Authorization: Bearer <current token>``, else 401 with a ``Status`` object.

The exec plugin is a Python one-liner printing an ``ExecCredential`` (as ``aws eks get-token`` does) with
the token from a file, so rotating the token is what an expiry looks like to the client. ``exec_runs``
counts its runs; ``forwards`` lists the pods forwarded to; ``forbid_forward`` answers port-forwards with
403 and a body that echoes the caller's Authorization header (to prove it is redacted).
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import secrets
import socket
import ssl
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Response
from websockets.sync.server import ServerConnection, serve

SUBPROTOCOL = "v4.channel.k8s.io"
POD_LABELS = {"app.kubernetes.io/name": "polaris", "app.kubernetes.io/component": "server"}
EXEC_SCRIPT = (
    "import json,pathlib,sys;d=pathlib.Path(sys.argv[1]);"
    "(d/'runs').write_text(str(int((d/'runs').read_text() or 0)+1));"
    "print(json.dumps({'apiVersion':'client.authentication.k8s.io/v1beta1','kind':'ExecCredential',"
    "'status':{'token':(d/'token').read_text()}}))"
)


@dataclass
class FakePod:
    name: str
    ready: bool = True
    labels: dict[str, str] = field(default_factory=lambda: dict(POD_LABELS))
    connections: list[ServerConnection] = field(default_factory=list)


class KubernetesApiServer:
    def __init__(self, namespace: str, backend: tuple[str, int]):
        self.namespace = namespace
        self.backend = backend
        self.pods: dict[str, FakePod] = {}
        self.forwards: list[str] = []
        self.forbid_forward = False
        self._lock = threading.Lock()
        self._dir = Path(tempfile.mkdtemp(prefix="fake-kube-"))
        (self._dir / "runs").write_text("0")
        self.token = ""
        self.rotate_token()
        self._ca_pem, context = _tls_context(self._dir)
        self._server = serve(
            self._forward,
            "127.0.0.1",
            0,
            ssl=context,
            subprotocols=[SUBPROTOCOL],
            process_request=self._process_request,
            compression=None,
            server_header=None,
            close_timeout=0.2,
        )
        self.url = f"https://127.0.0.1:{self._server.socket.getsockname()[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="fake-kube-api")

    # ---- control ------------------------------------------------------------------------------------
    def __enter__(self) -> KubernetesApiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for name in list(self.pods):
            self.kill(name)
        self._server.shutdown()
        self._thread.join(timeout=5)

    def add_pod(self, name: str, ready: bool = True) -> FakePod:
        with self._lock:
            self.pods[name] = FakePod(name, ready)
            return self.pods[name]

    def kill(self, name: str, replacement: str | None = None) -> None:
        """The pod goes away with its forwards; a replacement (another name, as a ReplicaSet makes) comes up."""
        with self._lock:
            pod = self.pods.pop(name)
            if replacement is not None:
                self.pods[replacement] = FakePod(replacement)
        for connection in pod.connections:
            connection.close()

    def rotate_token(self) -> str:
        self.token = secrets.token_urlsafe(24)
        (self._dir / "token").write_text(self.token)
        return self.token

    @property
    def exec_runs(self) -> int:
        return int((self._dir / "runs").read_text())

    def kubeconfig(self) -> str:
        ca = base64.b64encode(self._ca_pem).decode()
        return json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "test",
                "clusters": [{"name": "test", "cluster": {"server": self.url, "certificate-authority-data": ca}}],
                "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}],
                "users": [
                    {
                        "name": "test",
                        "user": {
                            "exec": {
                                "apiVersion": "client.authentication.k8s.io/v1beta1",
                                "command": sys.executable,
                                "args": ["-c", EXEC_SCRIPT, str(self._dir)],
                            }
                        },
                    }
                ],
            }
        )

    # ---- HTTP ---------------------------------------------------------------------------------------
    def _process_request(self, connection: ServerConnection, request) -> Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json(401, {"kind": "Status", "status": "Failure", "reason": "Unauthorized", "code": 401})
        parts = urlsplit(request.path)
        segments = parts.path.strip("/").split("/")
        if segments[:4] != ["api", "v1", "namespaces", self.namespace] or segments[4:5] != ["pods"]:
            return _json(404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404})
        if len(segments) == 5:
            return _json(200, self._pod_list(parse_qs(parts.query).get("labelSelector", [""])[0]))
        with self._lock:
            pod = self.pods.get(segments[5])
        if pod is None or segments[6:] != ["portforward"]:
            return _json(
                404,
                {
                    "kind": "Status",
                    "status": "Failure",
                    "reason": "NotFound",
                    "code": 404,
                    "message": f'pods "{segments[5]}" not found',
                },
            )
        if self.forbid_forward:
            return _json(
                403,
                {
                    "kind": "Status",
                    "code": 403,
                    "reason": "Forbidden",
                    "message": f"cannot create pods/portforward ({request.headers['Authorization']})",
                },
            )
        return None  # the WebSocket handshake proceeds

    def _pod_list(self, selector: str) -> dict:
        wanted = dict(term.split("=", 1) for term in selector.split(",") if term)
        with self._lock:
            pods = [p for p in self.pods.values() if wanted.items() <= p.labels.items()]
        return {
            "kind": "PodList",
            "apiVersion": "v1",
            "metadata": {},
            "items": [
                {
                    "metadata": {"name": p.name, "namespace": self.namespace, "labels": p.labels},
                    "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": str(p.ready)}]},
                }
                for p in pods
            ],
        }

    # ---- port-forward -------------------------------------------------------------------------------
    def _forward(self, connection: ServerConnection) -> None:
        parts = urlsplit(connection.request.path)
        name, port = parts.path.strip("/").split("/")[5], int(parse_qs(parts.query)["ports"][0])
        if connection.subprotocol != SUBPROTOCOL:
            connection.close()
            return
        with self._lock:
            pod = self.pods.get(name)
            if pod is None:
                return
            pod.connections.append(connection)
            self.forwards.append(name)
        header = port.to_bytes(2, "little")
        connection.send(b"\x00" + header)
        connection.send(b"\x01" + header)
        try:
            backend = socket.create_connection(self.backend, timeout=5)
        except OSError as error:
            connection.send(b"\x01" + f"error forwarding port {port} to pod {name}: {error}".encode())
            connection.close()
            return
        backend.settimeout(None)
        threading.Thread(target=_backend_to_client, args=(backend, connection), daemon=True).start()
        try:
            for message in connection:
                if isinstance(message, bytes) and message[:1] == b"\x00":
                    backend.sendall(message[1:])
        except (ConnectionClosed, OSError):
            pass
        finally:
            backend.close()


def _backend_to_client(backend: socket.socket, connection: ServerConnection) -> None:
    try:
        while data := backend.recv(65536):
            connection.send(b"\x00" + data)
    except (ConnectionClosed, OSError):
        pass
    connection.close()


def _json(status: int, body: dict) -> Response:
    text = json.dumps(body).encode()
    reason = {200: "OK", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}[status]
    headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(text)))])
    return Response(status, reason, headers, text)


def _tls_context(directory: Path) -> tuple[bytes, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1: the client must trust it through the kubeconfig's CA data."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    (directory / "server.pem").write_bytes(pem)
    (directory / "server.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "server.pem", directory / "server.key")
    return pem, context
