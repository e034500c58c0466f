"""One exception root for every Polaris failure, carrying what an operator needs and never a secret.

Each error names the operation (e.g. ``createCatalog``), the object (e.g. ``catalog 'sales'``), the HTTP
status and Polaris' own error type and message. ``from_status`` maps a status (and Polaris' error type) to a
subclass in one place, so callers catch ``NotFound``/``AlreadyExists``/``CommitConflict`` instead of
comparing numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

REDACTED = "***"


class PolarisError(Exception):
    """A failed call to Polaris; ``after_retry`` tells whether an earlier attempt may have reached the server."""

    def __init__(
        self,
        operation: str,
        obj: str,
        message: str,
        *,
        status: int | None = None,
        error_type: str | None = None,
        after_retry: bool = False,
    ):
        self.operation, self.obj, self.message = operation, obj, message
        self.status, self.error_type, self.after_retry = status, error_type, after_retry
        super().__init__(self._describe())

    def _describe(self) -> str:
        detail = " ".join(part for part in (str(self.status or ""), self.error_type or "") if part)
        suffix = f" ({detail})" if detail else ""
        return f"Polaris {self.operation} on {self.obj} failed{suffix}: {self.message}"


class TransportError(PolarisError):
    """No usable answer: connection refused or reset, timeout, TLS failure, or retries exhausted."""


class AuthenticationError(PolarisError):
    """The token endpoint refused the client credentials, or a fresh token was still rejected (401)."""


class BadRequest(PolarisError):
    """400: Polaris rejected the request (validation, a non-empty catalog, a reserved property...)."""


class GrantNotFound(BadRequest):
    """400 GRANT_NOT_FOUND: the grant or assignment to revoke does not exist."""


class Forbidden(PolarisError):
    """403: the connection's principal lacks the privilege."""


class NotFound(PolarisError):
    """404: the object (or its catalog, role or realm) does not exist."""


class AlreadyExists(PolarisError):
    """409 on create: an object with this name exists."""


class CommitConflict(PolarisError):
    """409 on update: ``currentEntityVersion`` was stale or a concurrent write won."""


class ServerError(PolarisError):
    """5xx (or 429) after the retry budget was spent."""


_BY_STATUS: dict[int, type[PolarisError]] = {
    400: BadRequest,
    401: AuthenticationError,
    403: Forbidden,
    404: NotFound,
    409: AlreadyExists,
}


def from_status(
    status: int, error_type: str | None, operation: str, obj: str, message: str, *, after_retry: bool = False
) -> PolarisError:
    """The exception for an HTTP error answer; Polaris' ``type`` (or an update's 409) refines 400 and 409."""
    if status == 400 and error_type == "GRANT_NOT_FOUND":
        cls: type[PolarisError] = GrantNotFound
    elif status == 409 and (error_type == "CommitConflictException" or operation.startswith("update")):
        cls = CommitConflict  # an update has no other reason to answer 409
    elif status >= 500 or status == 429:
        cls = ServerError
    else:
        cls = _BY_STATUS.get(status, PolarisError)
    return cls(operation, obj, message, status=status, error_type=error_type, after_retry=after_retry)


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Removes every known secret value from text that came from elsewhere (server messages, exceptions)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text
