"""Transport to Polaris: one ``requests.Session`` per process, OAuth2 tokens, timeouts and bounded retries.

Nothing here is pickled into Pulumi state: the session, the token cache and CA-bundle files live in module
globals that are built on first use inside the provider process (dill pickles this module by reference).

Retry policy (see docs/polaris-provider.md): connection errors, timeouts, 429 and 5xx are retried with
capped exponential backoff plus jitter, honouring ``Retry-After`` (seconds or an HTTP date) up to a cap;
other 4xx never are. A 401 drops the cached token and retries once with a fresh one. Creates (POST) are
retried too; the caller learns that from ``Reply.attempts``/``PolarisError.after_retry`` and settles a
following 409 or lost reply by reading (see ``resources.base``). A call marked ``retry=False`` (credential
rotation, whose repeat would revoke the secret the state holds) gets exactly one attempt.
"""

from __future__ import annotations

import atexit
import contextlib
import email.utils
import hashlib
import logging
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from polaris_provider.connection import ConnectionSpec, TokenKey
from polaris_provider.errors import (
    AuthenticationError,
    PolarisError,
    TransportError,
    from_status,
    redact,
)

LOG = logging.getLogger("polaris_provider")
TOKEN_PATH = "/api/catalog/v1/oauth/tokens"
REALM_HEADER = "Polaris-Realm"
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
CONFIG_KEYS = (
    ("polarisProvider:timeoutSeconds", "read_timeout", float),
    ("polarisProvider:maxAttempts", "attempts", int),
    ("polarisProvider:backoffSeconds", "backoff_base", float),
)


def equal_jitter(delay: float) -> float:
    """Half the delay fixed, half random: spreads retries of parallel resources without starving any."""
    return delay / 2 + random.uniform(0, delay / 2)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds every call: ``attempts`` tries, each limited by (connect, read) timeouts."""

    attempts: int = 5
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    retry_after_cap: float = 30.0
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    token_margin: float = 60.0  # refresh this long before expiry (at most a tenth of the lifetime)
    jitter: Callable[[float], float] = equal_jitter
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time  # wall clock, for a Retry-After given as an HTTP date

    @classmethod
    def from_config(cls, get: Callable[[str], str | None]) -> RetryPolicy:
        """Optional stack config overrides (``polarisProvider:timeoutSeconds``, ``:maxAttempts``, ``:backoffSeconds``)."""
        overrides: dict[str, Any] = {}
        for key, field_name, kind in CONFIG_KEYS:
            value = get(key)
            if value is not None:
                overrides[field_name] = kind(value)
        return cls(**overrides)

    def delay(self, attempt: int, retry_after: str | None) -> float:
        """Seconds to wait before attempt ``attempt + 1``: the server's Retry-After (capped) if it gave a valid one."""
        asked = self.retry_after_seconds(retry_after)
        if asked is not None:
            return min(asked, self.retry_after_cap)
        return self.jitter(min(self.backoff_base * 2 ** (attempt - 1), self.backoff_cap))

    def retry_after_seconds(self, value: str | None) -> float | None:
        """RFC 9110 Retry-After: delay-seconds or an HTTP-date (a date in the past means now); None if invalid."""
        text = (value or "").strip()
        if text.isdigit():
            return float(text)
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None  # HTTP dates are GMT; a date without a zone is not one
        return max(0.0, when.timestamp() - self.clock())


DEFAULT_POLICY = RetryPolicy()


@dataclass(frozen=True)
class Call:
    """One logical API call; ``operation`` and ``obj`` name it in errors and logs."""

    operation: str
    obj: str
    method: str
    path: str
    json: Any = field(default=None, repr=False)  # a reset body carries a secret
    params: dict[str, str] | None = None
    form: dict[str, str] | None = field(default=None, repr=False)
    retry: bool = True
    """False: one attempt only, for a call whose blind repeat is unsafe (it may have applied)."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    attempts: int


class _TokenCache:
    """Bearer tokens per connection ``token_key`` (which includes a digest of the secret), valid until shortly
    before they expire; ``fetching(key)`` serialises cold starts so concurrent callers share one token request."""

    def __init__(self) -> None:
        self._tokens: dict[TokenKey, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._fetch_locks: dict[TokenKey, threading.Lock] = {}

    def fetching(self, key: TokenKey) -> threading.Lock:
        with self._lock:
            return self._fetch_locks.setdefault(key, threading.Lock())

    def get(self, key: TokenKey) -> str | None:
        with self._lock:
            entry = self._tokens.get(key)
        if entry is None or entry[1] <= time.monotonic():
            return None
        return entry[0]

    def put(self, key: TokenKey, token: str, lifetime: float, margin: float) -> None:
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + lifetime - min(margin, lifetime / 10))

    def drop(self, key: TokenKey, token: str) -> None:
        with self._lock:
            if self._tokens.get(key, ("",))[0] == token:
                del self._tokens[key]

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


_SESSION: requests.Session | None = None
_SESSION_LOCK = threading.Lock()
TOKENS = _TokenCache()
_CA_FILES: dict[str, str] = {}


def session() -> requests.Session:
    """The process-wide session (connection pooling across resources), built on first use."""
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is None:
            _SESSION = requests.Session()
            _SESSION.headers["User-Agent"] = "polaris-pulumi-provider"
        return _SESSION


def ca_bundle_path(pem: str) -> str:
    """A private (0600) temp file holding the PEM text, one per distinct bundle, removed at exit."""
    digest = hashlib.sha256(pem.encode()).hexdigest()
    with _SESSION_LOCK:
        if digest not in _CA_FILES:
            handle, path = tempfile.mkstemp(prefix="polaris-ca-", suffix=".pem")
            with os.fdopen(handle, "w") as file:
                file.write(pem)
            atexit.register(_remove, path)
            _CA_FILES[digest] = path
        return _CA_FILES[digest]


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):  # already gone: nothing to clean up
        os.remove(path)


class PolarisClient:
    """Sends ``Call``s for one connection; raises a ``PolarisError`` subclass for every failure."""

    def __init__(self, connection: ConnectionSpec, policy: RetryPolicy = DEFAULT_POLICY):
        self.connection = connection
        self.policy = policy

    def send(self, call: Call) -> Reply:
        token = self._token()
        reply = self._with_retries(call, token)
        if reply.status == 401:
            TOKENS.drop(self.connection.token_key, token)
            reply = self._with_retries(call, self._token())
            if reply.status == 401:
                raise self._error(
                    call,
                    reply,
                    AuthenticationError,
                    "the call was refused with a cached token, and a freshly issued token was refused "
                    "too (the principal may lack the scope's roles, or the token signing keys differ "
                    "between Polaris replicas)",
                )
        if reply.status >= 400:
            raise self._error(call, reply)
        return reply

    # ---- tokens ---------------------------------------------------------------------------------------
    def _token(self) -> str:
        key = self.connection.token_key
        cached = TOKENS.get(key)
        if cached is not None:
            return cached
        with TOKENS.fetching(key):  # a concurrent cold start waits here, then finds the token just fetched
            cached = TOKENS.get(key)
            return cached if cached is not None else self._fetch_token()

    def _fetch_token(self) -> str:
        conn = self.connection
        form = {
            "grant_type": "client_credentials",
            "client_id": conn.client_id,
            "client_secret": conn.client_secret,
            "scope": conn.scope,
        }
        call = Call("getToken", f"client '{conn.client_id}'", "POST", TOKEN_PATH, form=form)
        reply = self._with_retries(call, None)
        token = reply.body.get("access_token") if isinstance(reply.body, dict) else None
        if reply.status != 200 or not isinstance(token, str):
            raise self._error(call, reply, AuthenticationError if reply.status < 500 else None)
        TOKENS.put(conn.token_key, token, float(reply.body.get("expires_in") or 3600), self.policy.token_margin)
        return token

    # ---- transport --------------------------------------------------------------------------------------
    def _with_retries(self, call: Call, token: str | None) -> Reply:
        attempts = self.policy.attempts if call.retry else 1
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                response = self._request(call, token)
            except requests.exceptions.SSLError as error:  # a TLS misconfiguration does not heal by retrying
                raise self._transport_error(call, error, attempt) from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
                if last:
                    raise self._transport_error(call, error, attempt) from None
                self._pause(call, attempt, type(error).__name__, None)
                continue
            if response.status_code not in RETRYABLE_STATUSES or last:
                return Reply(response.status_code, _body(response), attempt)
            self._pause(call, attempt, str(response.status_code), response.headers.get("Retry-After"))
        raise AssertionError("unreachable: the last attempt always returns or raises")

    def _request(self, call: Call, token: str | None) -> requests.Response:
        conn = self.connection
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if conn.realm:
            headers[REALM_HEADER] = conn.realm
        return session().request(
            call.method,
            conn.endpoint + call.path,
            params=call.params,
            json=call.json,
            data=call.form,
            headers=headers,
            timeout=(self.policy.connect_timeout, self.policy.read_timeout),
            verify=ca_bundle_path(conn.ca_bundle) if conn.ca_bundle else True,
            allow_redirects=False,
        )

    def _pause(self, call: Call, attempt: int, reason: str, retry_after: str | None) -> None:
        delay = self.policy.delay(attempt, retry_after)
        LOG.info(
            "Polaris %s on %s: %s, retry %d/%d in %.2fs",
            call.operation,
            call.obj,
            reason,
            attempt,
            self.policy.attempts - 1,
            delay,
        )
        self.policy.sleep(delay)

    # ---- errors -----------------------------------------------------------------------------------------
    def _secrets(self) -> list[str | None]:
        return [self.connection.client_secret, TOKENS.get(self.connection.token_key)]

    def _transport_error(self, call: Call, error: Exception, attempts: int) -> TransportError:
        message = redact(f"{type(error).__name__} after {attempts} attempt(s): {error}", self._secrets())
        return TransportError(call.operation, call.obj, message, after_retry=attempts > 1)

    def _error(
        self, call: Call, reply: Reply, cls: type[PolarisError] | None = None, context: str | None = None
    ) -> PolarisError:
        error_type, message = _error_details(reply.body)
        if context:
            message = f"{context}: {message}"
        if reply.attempts > 1 and reply.status in RETRYABLE_STATUSES:
            message = f"{message} (after {reply.attempts} attempts)"
        message = redact(message, self._secrets())
        if cls is not None:
            return cls(
                call.operation,
                call.obj,
                message,
                status=reply.status,
                error_type=error_type,
                after_retry=reply.attempts > 1,
            )
        return from_status(reply.status, error_type, call.operation, call.obj, message, after_retry=reply.attempts > 1)


def _body(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text[:500]


def _error_details(body: Any) -> tuple[str | None, str]:
    """(type, message) from Polaris' Iceberg envelope or from an OAuth2 error body."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        return error.get("type"), str(error.get("message") or "")
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"], str(body.get("error_description") or "")
    return None, str(body or "no response body")
