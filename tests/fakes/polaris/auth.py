"""Polaris' internal token broker: client_credentials tokens scoped to principal roles (reference §5)."""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from dataclasses import dataclass

from tests.fakes.polaris.errors import NotAuthorized, OAuthError
from tests.fakes.polaris.store import PolarisStore

SCOPE_PREFIX = "PRINCIPAL_ROLE:"
ALL_ROLES = "PRINCIPAL_ROLE:ALL"
ISSUED_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"


@dataclass(frozen=True)
class Token:
    principal: str
    roles: frozenset[str] | None  # None = PRINCIPAL_ROLE:ALL, resolved on each request
    expires_at: float


@dataclass(frozen=True)
class Caller:
    """Who is calling, with the principal roles the token activates."""

    principal: str
    roles: frozenset[str]


def parse_scope(scope: str | None) -> frozenset[str] | None:
    """TokenRequestValidator: required; space-separated `PRINCIPAL_ROLE:<name>` or `PRINCIPAL_ROLE:ALL`."""
    parts = (scope or "").split()
    if not parts or any(not p.startswith(SCOPE_PREFIX) or p == SCOPE_PREFIX for p in parts):
        raise OAuthError(400, "invalid_scope", f"Invalid scope: {scope!r}")
    return None if ALL_ROLES in parts else frozenset(p[len(SCOPE_PREFIX) :] for p in parts)


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """(client id, secret) from an `Authorization: Basic` header; None when there is none or it is garbled."""
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(authorization[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return client_id, secret


def client_credentials(form: dict[str, str], authorization: str | None) -> tuple[str, str]:
    """The client id and secret, from a Basic header or from the form."""
    basic = basic_credentials(authorization)
    if basic is not None:
        return basic
    if not form.get("client_id") or not form.get("client_secret"):
        raise OAuthError(400, "invalid_client", "client_id and client_secret are required")
    return form["client_id"], form["client_secret"]


class TokenBroker:
    """Issues opaque bearer tokens; lifetime and expiry are under the test's control."""

    def __init__(self, store: PolarisStore, lifetime_seconds: int = 3600):
        self.store = store
        self.lifetime_seconds = lifetime_seconds
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def exchange(self, form: dict[str, str], authorization: str | None) -> dict:
        """Handles a token request; raises OAuthError with Polaris' status and error code."""
        if form.get("grant_type") != "client_credentials":
            raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant type: {form.get('grant_type')}")
        client_id, secret = client_credentials(form, authorization)
        roles = parse_scope(form.get("scope"))
        principal = self.store.principal_by_client_id(client_id)
        if principal is None or not principal.matches(secret):
            raise OAuthError(401, "unauthorized_client", "The client is not authorized")
        return self.issue(principal.name, roles)

    def issue(self, principal: str, roles: frozenset[str] | None = None) -> dict:
        """A token response for `principal`; `roles=None` activates all of its roles."""
        value = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[value] = Token(principal, roles, time.monotonic() + self.lifetime_seconds)
        return {
            "access_token": value,
            "token_type": "bearer",
            "issued_token_type": ISSUED_TOKEN_TYPE,
            "expires_in": self.lifetime_seconds,
        }

    def expire_all(self) -> None:
        with self._lock:
            self._tokens = {v: Token(t.principal, t.roles, 0.0) for v, t in self._tokens.items()}

    def authenticate(self, authorization: str | None) -> Caller:
        """401 for a missing, unknown or expired token, a deleted principal, or a scope role not held."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise NotAuthorized("Missing bearer token")
        token = self._tokens.get(authorization[7:].strip())
        if token is None or token.expires_at <= time.monotonic():
            raise NotAuthorized("Invalid or expired token")
        if token.principal not in self.store.principals:
            raise NotAuthorized(f"Principal {token.principal} not found")
        held = frozenset(r.name for r in self.store.roles_of_principal(token.principal))
        if token.roles is not None and not token.roles <= held:
            missing = sorted(token.roles - held)
            raise NotAuthorized(f"Some principal roles were not found in the principal's grants: {missing}")
        return Caller(token.principal, held if token.roles is None else token.roles)
