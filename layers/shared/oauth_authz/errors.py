"""Domain errors. They know nothing of HTTP: `oauth_authz.http.error_map` maps them to GitHub's answers,
in one place."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OAuthAuthzError(Exception):
    """Base of every error this package raises on purpose."""


class NotFound(OAuthAuthzError):
    def __init__(self) -> None:
        super().__init__("Not Found")


class BadRequest(OAuthAuthzError):
    """The request could not be read at all (malformed JSON, a body that is not an object, a bad header)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ErrorCode(StrEnum):
    MISSING_FIELD = "missing_field"
    INVALID = "invalid"
    ALREADY_EXISTS = "already_exists"
    CUSTOM = "custom"


@dataclass(frozen=True)
class FieldError:
    field: str
    code: ErrorCode
    message: str | None = None
    resource: str = "OauthAccess"


class ValidationFailed(OAuthAuthzError):
    def __init__(self, *errors: FieldError) -> None:
        super().__init__("Validation Failed")
        self.errors = list(errors)


class AuthFailure(StrEnum):
    """Why the authorizer refused a request; carried in its context to the function, which answers."""

    REQUIRES_AUTHENTICATION = "requires_authentication"
    BAD_CREDENTIALS = "bad_credentials"
    TOKEN_NOT_PASSWORD = "token_not_password"  # noqa: S105 - a reason code, not a password
    OTP_REQUIRED = "otp_required"
    LOCKED_OUT = "locked_out"
    # Not a refusal: the store could not be read in time (throttled, unreachable); the function answers 503.
    STORE_UNAVAILABLE = "store_unavailable"


class AuthenticationFailed(OAuthAuthzError):
    def __init__(self, reason: AuthFailure) -> None:
        super().__init__(reason.value)
        self.reason = reason


class StoreUnavailable(OAuthAuthzError):
    """DynamoDB kept throttling or conflicting after our retries: the client may try again later."""

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__("Service Unavailable")
        self.retry_after = retry_after
