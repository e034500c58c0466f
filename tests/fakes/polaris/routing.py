"""The router table: (method, path template) -> spec operation + handler. Other modules add routes to it.

Issue 8 extends the server by calling `server.router.add(...)` (or a `register(router)` function of its own)
for table routes; nothing else needs to change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote

from werkzeug.datastructures import MultiDict

from tests.fakes.polaris.auth import Caller, TokenBroker
from tests.fakes.polaris.errors import BadRequest, Forbidden
from tests.fakes.polaris.store import SERVICE_ADMIN, PolarisStore

NAMESPACE_SEPARATOR = "\x1f"


@dataclass
class Reply:
    status: int
    body: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Context:
    """What a handler sees: the state, the decoded path parameters, the query, the body and the caller."""

    store: PolarisStore
    broker: TokenBroker
    params: dict[str, str]
    query: MultiDict
    headers: dict[str, str]
    body: bytes
    caller: Caller | None = None

    def json(self) -> dict:
        return json.loads(self.body) if self.body else {}

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))

    def namespace(self) -> tuple[str, ...]:
        return parse_namespace(self.params["namespace"])


def parse_namespace(value: str | None) -> tuple[str, ...]:
    """Namespace levels are joined by the unit separator (%1F); absent or empty means the catalog root."""
    return tuple(value.split(NAMESPACE_SEPARATOR)) if value else ()


Handler = Callable[[Context], Reply]
Authorizer = Callable[[Context], None]


def allow_any_caller(ctx: Context) -> None:
    """Authenticated callers only; finer checks happen in the handler (catalog API privileges)."""


def require_service_admin(ctx: Context) -> None:
    if SERVICE_ADMIN not in ctx.caller.roles:
        raise Forbidden(f"Principal '{ctx.caller.principal}' is not authorized for this operation")


@dataclass(frozen=True)
class Route:
    """`oauth` marks the token endpoint: no bearer token, OAuth2-shaped errors."""

    method: str
    template: str
    operation_id: str
    spec: str
    handler: Handler
    authorize: Authorizer = allow_any_caller
    oauth: bool = False
    pattern: re.Pattern = field(init=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{([^}]+)\}", lambda m: f"(?P<{_group(m.group(1))}>[^/]+)", self.template)
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))

    def params(self, raw_path: str) -> dict[str, str] | None:
        match = self.pattern.match(raw_path)
        if match is None:
            return None
        names = re.findall(r"\{([^}]+)\}", self.template)
        return {name: unquote(match.group(_group(name))) for name in names}


def _group(name: str) -> str:
    return name.replace("-", "_")


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, operation_id: str, handler: Handler, **options) -> Route:
        route = Route(method.upper(), template, operation_id, handler=handler, **options)
        self.routes.append(route)
        return route

    def match(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            params = route.params(raw_path) if route.method == method else None
            if params is not None:
                return route, params
        return None


def required(body: dict, key: str):
    """Fields the spec leaves optional but Polaris needs (e.g. `principal` in CreatePrincipalRequest)."""
    if body.get(key) is None:
        raise BadRequest(f"Missing required field '{key}'")
    return body[key]
