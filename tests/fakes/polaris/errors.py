"""Polaris' error model: each failure carries the HTTP status and the `type` Polaris puts in its error envelope."""

from __future__ import annotations


class PolarisError(Exception):
    """A failure answered with the Iceberg envelope {"error": {"message", "type", "code"}}."""

    status = 500
    error_type = "RuntimeException"

    def __init__(self, message: str, *, error_type: str | None = None):
        super().__init__(message)
        self.message = message
        if error_type is not None:
            self.error_type = error_type

    def envelope(self) -> dict:
        return error_envelope(self.status, self.error_type, self.message)


def error_envelope(status: int, error_type: str, message: str) -> dict:
    return {"error": {"message": message, "type": error_type, "code": status}}


class BadRequest(PolarisError):
    status, error_type = 400, "BadRequestException"


class ValidationFailed(PolarisError):
    """Storage-location problems: Polaris raises Iceberg's ValidationException (400)."""

    status, error_type = 400, "ValidationException"


class IllegalArgument(PolarisError):
    """An IllegalArgumentException (e.g. a reserved property): 400 typed by the exception's simple name
    (IcebergExceptionMapper)."""

    status, error_type = 400, "IllegalArgumentException"


class ConstraintViolation(PolarisError):
    """A bean-validation failure of a request model (@Pattern, @Size): IcebergConstraintViolationExceptionMapper."""

    status, error_type = 400, "ConstraintViolationException"

    def __init__(self, message: str):
        super().__init__(f"Invalid value: {message}")


class GrantNotFound(PolarisError):
    """A failed PrivilegeResult: 400 whose type is the result status (PolarisServiceImpl.toResponse)."""

    status, error_type = 400, "GRANT_NOT_FOUND"


class NotAuthorized(PolarisError):
    status, error_type = 401, "NotAuthorizedException"


class Forbidden(PolarisError):
    status, error_type = 403, "ForbiddenException"


class NotFound(PolarisError):
    status, error_type = 404, "NotFoundException"


class AlreadyExists(PolarisError):
    status, error_type = 409, "AlreadyExistsException"


class CommitConflict(PolarisError):
    status, error_type = 409, "CommitConflictException"


class UnprocessableEntity(PolarisError):
    status, error_type = 422, "UnprocessableEntityException"


class NotImplementedYet(PolarisError):
    status, error_type = 501, "NotImplementedException"


class OAuthError(Exception):
    """Token-endpoint failure, answered in OAuth2's own shape {"error", "error_description"}."""

    def __init__(self, status: int, error: str, description: str):
        super().__init__(f"{error}: {description}")
        self.status, self.error, self.description = status, error, description

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}
