"""The one error map: domain errors (`oauth_authz.errors`) to GitHub's statuses, bodies and headers.

4xx are answers, not noise; anything else is a 500 `Server Error` with nothing internal in it, logged with
the exception.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from oauth_authz.errors import (
    AuthenticationFailed,
    AuthFailure,
    BadRequest,
    NotFound,
    OAuthAuthzError,
    StoreUnavailable,
    ValidationFailed,
)
from oauth_authz.http.responses import JSON_CONTENT_TYPE, error_response
from oauth_authz.models.api import ErrorDetailOut, ValidationErrorOut
from oauth_authz.observability import log_fault

# Where a validation error's `documentation_url` points: the user routes' page, or the app routes'.
AUTHORIZATIONS_DOCS = "https://docs.github.com/enterprise-server@2.22/rest/reference/oauth-authorizations"
APPS_DOCS = "https://docs.github.com/enterprise-server@2.22/rest/reference/apps#oauth-applications"

_AUTH_ANSWERS: dict[AuthFailure, tuple[int, str]] = {
    AuthFailure.REQUIRES_AUTHENTICATION: (401, "Requires authentication"),
    AuthFailure.BAD_CREDENTIALS: (401, "Bad credentials"),
    AuthFailure.TOKEN_NOT_PASSWORD: (
        403,
        "This API can only be accessed with username and password Basic Auth",
    ),
    AuthFailure.OTP_REQUIRED: (401, "Must specify two-factor authentication OTP code."),
    AuthFailure.LOCKED_OUT: (403, "Maximum number of login attempts exceeded. Please try again later."),
}


def domain_error(docs_url: str) -> Callable[[OAuthAuthzError], Response[str]]:
    def answer(error: OAuthAuthzError) -> Response[str]:
        if isinstance(error, NotFound):
            return error_response(404, "Not Found")
        if isinstance(error, BadRequest):
            return error_response(400, error.message)
        if isinstance(error, ValidationFailed):
            details = [
                ErrorDetailOut(resource=e.resource, field=e.field, code=e.code.value, message=e.message)
                for e in error.errors
            ]
            body = ValidationErrorOut(message="Validation Failed", errors=details, documentation_url=docs_url)
            return Response(422, JSON_CONTENT_TYPE, body.model_dump_json(exclude_none=True))
        if isinstance(error, AuthenticationFailed):
            status, message = _AUTH_ANSWERS[error.reason]
            headers = {"X-GitHub-OTP": "required; app"} if error.reason is AuthFailure.OTP_REQUIRED else {}
            return error_response(status, message, headers)
        if isinstance(error, StoreUnavailable):
            return error_response(503, "Service Unavailable", {"Retry-After": str(error.retry_after)})
        return internal_error(error)

    return answer


def server_error(what: str, error: Exception) -> tuple[int, str]:
    """An internal fault: logged (`what`, the exception's type and frames), answered as GitHub answers one,
    500 `Server Error` with nothing internal in it. The one answer for the API and the OAuth endpoints."""
    log_fault(what, error)
    return 500, "Server Error"


def internal_error(error: Exception) -> Response[str]:
    return error_response(*server_error("unhandled error", error))


def route_not_found(_: NotFoundError) -> Response[str]:
    return error_response(404, "Not Found")
