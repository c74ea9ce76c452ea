"""Gateway responses: what API Gateway answers itself (no route, no credentials, a denied policy, a failed
or timed-out integration...), rendered from the API's ``GatewayResponses`` as API Gateway renders them."""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping

from ..constants import ACCOUNT_ID, API_ID, STAGE
from ..sam_model import GatewayResponse
from .events import extended_request_id, query_parameters, request_time
from .messages import HttpRequest, HttpResponse

__all__ = ["DEFAULT_MESSAGE", "DEFAULT_STATUS", "ERROR_TYPE", "Default", "render_gateway_response"]

# API Gateway's defaults for each response type: status and $context.error.message.
DEFAULT_STATUS = {
    "ACCESS_DENIED": 403,
    "API_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
    "BAD_REQUEST_PARAMETERS": 400,
    "BAD_REQUEST_BODY": 400,
    "EXPIRED_TOKEN": 403,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
    "INVALID_API_KEY": 403,
    "INVALID_SIGNATURE": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "QUOTA_EXCEEDED": 429,
    "REQUEST_TOO_LARGE": 413,
    "RESOURCE_NOT_FOUND": 404,
    "THROTTLED": 429,
    "UNAUTHORIZED": 401,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "WAF_FILTERED": 403,
}
DEFAULT_MESSAGE: dict[str, str | None] = {
    "ACCESS_DENIED": "User is not authorized to access this resource",
    "AUTHORIZER_CONFIGURATION_ERROR": None,
    "AUTHORIZER_FAILURE": None,
    "BAD_REQUEST_BODY": "Bad Request",
    "INTEGRATION_FAILURE": "Internal server error",
    "INTEGRATION_TIMEOUT": "Endpoint request timed out",
    "MISSING_AUTHENTICATION_TOKEN": "Missing Authentication Token",
    "REQUEST_TOO_LARGE": "Request Too Long",
    "RESOURCE_NOT_FOUND": "Resource not found",
    "THROTTLED": "Too Many Requests",
    "UNAUTHORIZED": "Unauthorized",
}
ERROR_TYPE = {
    "ACCESS_DENIED": "AccessDeniedException",
    "AUTHORIZER_CONFIGURATION_ERROR": "AuthorizerConfigurationException",
    "AUTHORIZER_FAILURE": "AuthorizerConfigurationException",
    "INTEGRATION_FAILURE": "InternalServerErrorException",
    "INTEGRATION_TIMEOUT": "InternalServerErrorException",
    "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
    "REQUEST_TOO_LARGE": "RequestTooLargeException",
    "UNAUTHORIZED": "UnauthorizedException",
    "DEFAULT_5XX": "InternalServerErrorException",
}


class Default(enum.Enum):
    """The ``message`` of a gateway response when none is given: API Gateway's own for the type."""

    MESSAGE = "default"


_BRACED = re.compile(r"\$!?\{((?:context|stageVariables)(?:\.\w+)+)\}")
_BARE = re.compile(r"\$!?((?:context|stageVariables)(?:\.\w+)+)")


def render_gateway_response(
    configured: Mapping[str, GatewayResponse],
    response_type: str,
    *,
    request: HttpRequest | None = None,
    resource: str = "",
    message: str | None | Default = Default.MESSAGE,
    status: int | None = None,
    authorizer_context: Mapping[str, str] | None = None,
    path_parameters: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Render a gateway response the way API Gateway does.

    The response type's own entry is used, else DEFAULT_4XX/DEFAULT_5XX, else API Gateway's default
    ``{"message":$context.error.messageString}``. The status is the type's StatusCode, else the one of
    its DEFAULT_xXX entry, else ``status``, else API Gateway's default for the type.
    """
    base_status = status or DEFAULT_STATUS.get(response_type, 500)
    family = "DEFAULT_4XX" if base_status < 500 else "DEFAULT_5XX"
    own = configured.get(response_type)
    fallback = configured.get(family)
    entry = own or fallback
    if own is not None and own.status_code is not None:
        final_status = own.status_code
    elif fallback is not None and fallback.status_code is not None:
        final_status = fallback.status_code
    else:
        final_status = base_status
    if isinstance(message, Default):
        message = DEFAULT_MESSAGE.get(
            response_type, "Internal server error" if base_status >= 500 else "Bad Request"
        )

    variables: dict[str, str] = {
        "context.error.message": message or "",
        "context.error.messageString": json.dumps(message),
        "context.error.responseType": response_type,
        "context.stage": STAGE,
        "context.apiId": API_ID,
        "context.accountId": ACCOUNT_ID,
        "context.resourcePath": resource,
    }
    if request is not None:
        variables.update(
            {
                "context.requestId": request.request_id,
                "context.extendedRequestId": extended_request_id(request.request_id),
                "context.httpMethod": request.method,
                "context.path": request.path,
                "context.domainName": request.header("Host") or "",
                "context.identity.sourceIp": request.source_ip,
                "context.identity.userAgent": request.header("User-Agent") or "",
                "context.requestTime": request_time(request.received_at),
                "context.requestTimeEpoch": str(int(request.received_at * 1000)),
            }
        )
    for key, value in (authorizer_context or {}).items():
        variables[f"context.authorizer.{key}"] = value

    def substitute(found: re.Match[str]) -> str:
        return variables.get(found.group(1), "")

    if entry is not None and entry.templates:
        content_type = (
            "application/json" if "application/json" in entry.templates else next(iter(entry.templates))
        )
        body_template = entry.templates[content_type]
    else:
        content_type, body_template = "application/json", '{"message":$context.error.messageString}'
    body = _BARE.sub(substitute, _BRACED.sub(substitute, body_template))

    headers: list[tuple[str, str]] = []
    for name, expression in (entry.headers if entry is not None else {}).items():
        header_value = _header_value(expression, request, path_parameters or {}, variables)
        if header_value is not None:
            headers.append((name, header_value))
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.insert(0, ("Content-Type", content_type))
    error_type = ERROR_TYPE.get(response_type)
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return HttpResponse(
        status=final_status, headers=headers, body=body.encode("utf-8"), resource=resource or "-"
    )


def _header_value(
    expression: str,
    request: HttpRequest | None,
    path_parameters: Mapping[str, str],
    variables: Mapping[str, str],
) -> str | None:
    expression = expression.strip()
    if len(expression) >= 2 and expression[0] == expression[-1] == "'":
        return expression[1:-1]
    if request is not None and expression.startswith("method.request.header."):
        return request.header(expression[len("method.request.header.") :])
    if request is not None and expression.startswith("method.request.querystring."):
        single, _ = query_parameters(request.query)
        return (single or {}).get(expression[len("method.request.querystring.") :])
    if expression.startswith("method.request.path."):
        return path_parameters.get(expression[len("method.request.path.") :])
    if expression.startswith("context.") or expression.startswith("stageVariables."):
        return variables.get(expression)
    return None
