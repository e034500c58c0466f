"""An in-process, spec-checked stand-in for Apache Polaris 1.7.0, for tests (no network beyond 127.0.0.1).

    from tests.fakes.polaris_server import PolarisTestServer

    with PolarisTestServer(realm="POLARIS") as server:      # raises SpecViolationError on exit if any occurred
        server.url                                         # "http://127.0.0.1:<port>"
        server.management_url, server.catalog_url          # url + "/api/management/v1", url + "/api/catalog"
        server.root_client_id, server.root_client_secret   # principal `root` (holds principal role service_admin)
        server.token("alice", frozenset({"eng"}))          # any principal's token (default root, all roles),
                                                           # issued without an HTTP request

Options: PolarisTestServer(realm, root_client_id=, root_client_secret= (random by default), features=Features(...)
(FILE storage, overlapping locations, unrestricted role changes), token_lifetime_seconds=3600,
allow_invalid_requests=False, port=0 (any free port)).

Behaviour (reference: shared/reference/polaris.md): token endpoint POST /api/catalog/v1/oauth/tokens
(client_credentials, form or Basic; scope required), the whole management API, Iceberg REST /v1/config and
namespaces (prefix = catalog name, levels joined by %1F). Errors use the Iceberg envelope
{"error": {"message", "type", "code"}}; the token endpoint uses OAuth2's {"error", "error_description"}.
Only callers holding service_admin may use the management API (a principal may rotate its own credentials);
the catalog API checks grants (module `polaris.privileges`). Header `Polaris-Realm` naming another realm is 404.

Spec checks: every request and response is validated against the official specs (module `polaris.spec`).
A violation is appended to `server.spec_violations` and answered with 500 naming it; leaving the `with`
block then raises `SpecViolationError`. Tests that send bad requests on purpose pass
`allow_invalid_requests=True`: such requests get Polaris' 400 (404 for an unknown route) and are listed in
`server.invalid_requests` instead. Response violations and crashes of the fake always count as violations.
`server.assert_no_violations()` checks at any point; clear `server.spec_violations` after provoking one.

Test control (faults are deterministic: they fire in the order added, `times` times each):
    server.inject_status(method, path_regex, status, times, headers=None, applied=False)
    server.inject_reset(method, path_regex, times, applied=False)   # connection reset, no response
    server.inject_delay(method, path_regex, seconds, times)
        method "*" matches any; path_regex is searched in the raw (percent-encoded) path without query.
        applied=True lets the request change the state first, then replaces its response (lost reply).
        Injected statuses carry an Iceberg error envelope of type "InjectedFault" and are not spec-checked.
    server.expire_tokens()                 # every token issued so far is expired
    server.broker.lifetime_seconds = 5     # lifetime (and `expires_in`) of tokens issued from now on
    server.store                           # entities; read them, or change/remove them out of band
                                           # (store.update_catalog, store.update_properties,
                                           #  store.remove("catalog", name), store.add_table, ...)
    server.requests                        # [(method, raw path, status)]; status None for a reset
    server.token_requests                  # number of requests that reached the token endpoint
    server.router                          # route table; issue 8 adds table routes with router.add(...)
"""

from __future__ import annotations

import json
import secrets
import socket
import struct
import threading
import time
import traceback
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode

from openapi_core.testing import MockRequest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.fakes.polaris import catalog_routes, management_routes, spec
from tests.fakes.polaris.auth import TokenBroker, basic_credentials
from tests.fakes.polaris.errors import BadRequest, NotFound, PolarisError, error_envelope
from tests.fakes.polaris.faults import Fault, FaultPlan
from tests.fakes.polaris.features import Features
from tests.fakes.polaris.routing import Context, Reply, Route, Router
from tests.fakes.polaris.store import ROOT, PolarisStore

REALM_HEADER = "Polaris-Realm"


class SpecViolationError(AssertionError):
    """Raised on leaving the server's `with` block when a request or response broke the spec."""


class RequestRecord(NamedTuple):
    method: str
    path: str
    status: int | None


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-") -> None:
        """The request log lives in `server.requests`; keep test output clean."""


class _Dropped(Exception):
    """The connection was reset on purpose; werkzeug treats a ConnectionError as a dropped client."""


class PolarisTestServer:
    def __init__(
        self,
        realm: str = "POLARIS",
        *,
        root_client_id: str | None = None,
        root_client_secret: str | None = None,
        features: Features | None = None,
        token_lifetime_seconds: int = 3600,
        allow_invalid_requests: bool = False,
        port: int = 0,
    ):
        self.realm = realm
        self.port = port
        self.root_client_id = root_client_id or secrets.token_hex(8)
        self.root_client_secret = root_client_secret or secrets.token_hex(16)
        self.store = PolarisStore(self.root_client_id, self.root_client_secret, features)
        self.broker = TokenBroker(self.store, token_lifetime_seconds)
        self.router = Router()
        management_routes.register(self.router)
        catalog_routes.register(self.router)
        self.faults = FaultPlan()
        self.allow_invalid_requests = allow_invalid_requests
        self.requests: list[RequestRecord] = []
        self.spec_violations: list[str] = []
        self.invalid_requests: list[str] = []
        self._server = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> PolarisTestServer:
        spec.load("management"), spec.load("catalog")  # parse once, before the first request's clock starts
        self._server = make_server("127.0.0.1", self.port, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="polaris-test-server", daemon=True
        )  # a short poll makes shutdown (and each test) fast
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

    def __enter__(self) -> PolarisTestServer:
        return self.start()

    def __exit__(self, exc_type, exc, tb) -> None:
        self.stop()
        if exc_type is None:
            self.assert_no_violations()

    def assert_no_violations(self) -> None:
        if self.spec_violations:
            raise SpecViolationError("Polaris spec violations:\n" + "\n".join(self.spec_violations))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def management_url(self) -> str:
        return self.url + management_routes.BASE

    @property
    def catalog_url(self) -> str:
        return self.url + catalog_routes.BASE

    # ---- test control -------------------------------------------------------------------------------
    def inject_status(self, method, path_regex, status, times, headers=None, applied=False) -> Fault:
        details = {"status": status, "headers": headers or {}, "applied": applied}
        return self.faults.add("status", method, path_regex, times, **details)

    def inject_reset(self, method, path_regex, times, applied=False) -> Fault:
        return self.faults.add("reset", method, path_regex, times, applied=applied)

    def inject_delay(self, method, path_regex, seconds, times) -> Fault:
        return self.faults.add("delay", method, path_regex, times, seconds=seconds)

    def expire_tokens(self) -> None:
        self.broker.expire_all()

    def token(self, principal: str = ROOT, roles: frozenset[str] | None = None) -> str:
        """A bearer token for `principal` (all its roles unless `roles`), without a token request."""
        return self.broker.issue(principal, roles)["access_token"]

    @property
    def token_requests(self) -> int:
        return sum(1 for record in self.requests if record.path == catalog_routes.TOKEN_PATH)

    # ---- request pipeline ---------------------------------------------------------------------------
    def _wsgi(self, environ, start_response):
        request = Request(environ)
        method, raw_path = request.method, environ.get("RAW_URI", request.path).split("?", 1)[0]
        delay = self.faults.take(method, raw_path, ("delay",))
        if delay is not None:
            time.sleep(delay.seconds)
        fault = self.faults.take(method, raw_path, ("status", "reset"))
        reply = None if fault is not None else self._serve_safely(request, raw_path)
        if reply is not None:
            fault = self.faults.take(method, raw_path, ("status", "reset"), applied=True)
        if fault is not None and fault.kind == "reset":
            self.requests.append(RequestRecord(method, raw_path, None))
            _reset(environ)
        if fault is not None:
            body = error_envelope(fault.status, "InjectedFault", "injected by the test")
            reply = Reply(fault.status, body, fault.headers)
        self.requests.append(RequestRecord(method, raw_path, reply.status))
        return _response(reply, method)(environ, start_response)

    def _serve_safely(self, request: Request, raw_path: str) -> Reply:
        try:
            return self._serve(request, raw_path)
        except Exception:  # a bug in this fake must fail the test, not pass as a plausible answer
            return self._violation(f"{request.method} {raw_path}: the fake crashed: {traceback.format_exc()}")

    def _serve(self, request: Request, raw_path: str) -> Reply:
        match = self.router.match(request.method, raw_path)
        if match is None:
            return self._reject(f"{request.method} {raw_path}: no such operation in the Polaris API", NotFound)
        route, params = match
        api, body = spec.load(route.spec), request.get_data()
        mock = _mock_request(request, raw_path, body, route)
        problems = spec.check_request(api, route.operation_id, mock)
        if problems:
            return self._reject(f"request {route.operation_id} {request.method} {raw_path}: {problems}", None)
        reply = self._handle(route, params, request, body)
        encoded = _encode(reply.body)
        problems = spec.check_response(
            api, route.operation_id, mock, reply.status, encoded, "application/json" if encoded else None, route.oauth
        )
        if problems:
            return self._violation(f"response {reply.status} to {route.operation_id} {raw_path}: {problems}")
        return reply

    def _handle(self, route: Route, params: dict, request: Request, body: bytes) -> Reply:
        ctx = Context(self.store, self.broker, params, request.args, dict(request.headers), body)
        try:
            realm = request.headers.get(REALM_HEADER)
            if realm is not None and realm != self.realm:
                raise NotFound(f"Realm {realm} not found")
            with self.store.lock:
                if not route.oauth:
                    ctx.caller = self.broker.authenticate(request.headers.get("Authorization"))
                    route.authorize(ctx)
                return route.handler(ctx)
        except PolarisError as error:
            return Reply(error.status, error.envelope())

    def _reject(self, message: str, lenient_error: type[PolarisError] | None) -> Reply:
        """A request the spec does not allow: a violation, or Polaris' own answer when the test expects it."""
        if not self.allow_invalid_requests:
            return self._violation(message)
        self.invalid_requests.append(message)
        error = (lenient_error or BadRequest)(message)
        return Reply(error.status, error.envelope())

    def _violation(self, message: str) -> Reply:
        self.spec_violations.append(message)
        return Reply(500, error_envelope(500, "SpecViolation", message))


def _mock_request(request: Request, raw_path: str, body: bytes, route: Route) -> MockRequest:
    if route.oauth:
        body = _with_basic_credentials(body, request.headers.get("Authorization"))
    return MockRequest(
        spec.HOST,
        request.method,
        raw_path,
        args=request.args,
        headers=dict(request.headers),
        data=body,
        content_type=request.content_type or "application/octet-stream",
    )


def _with_basic_credentials(body: bytes, authorization: str | None) -> bytes:
    """The spec's schema wants client_id/secret in the form, but its own text allows a Basic header instead."""
    basic = basic_credentials(authorization)
    if basic is None:
        return body
    client_id, secret = basic
    form = dict(parse_qsl(body.decode()))
    form.setdefault("client_id", client_id)
    form.setdefault("client_secret", secret)
    return urlencode(form).encode()


def _encode(body: dict | None) -> bytes:
    return b"" if body is None else json.dumps(body).encode()


def _response(reply: Reply, method: str) -> Response:
    encoded = b"" if method == "HEAD" else _encode(reply.body)
    response = Response(encoded, status=reply.status, headers=reply.headers)
    if encoded:
        response.content_type = "application/json"
    else:
        del response.headers["Content-Type"]
    return response


def _reset(environ) -> None:
    """Ends the connection without a response; SO_LINGER 0 makes the final close a TCP reset."""
    connection = environ["werkzeug.socket"]
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.shutdown(socket.SHUT_RDWR)
    raise ConnectionResetError("connection reset by the test's fault plan")
