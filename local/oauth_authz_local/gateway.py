"""API Gateway (REST, Lambda proxy integration) emulated on ``http.server``.

For every HTTP request, in the order API Gateway works:

1. match the template's resources (``{param}`` and ``{param+}`` segments; static segments win);
   an unknown path, or a known path without the method, gets the MISSING_AUTHENTICATION_TOKEN gateway
   response; a body over 10 MB gets REQUEST_TOO_LARGE;
2. routes with a Lambda authorizer: a missing identity source (the Authorization header) gets
   UNAUTHORIZED without calling the authorizer; otherwise the authorizer runs on the REQUEST (or TOKEN)
   event and its policy is evaluated (Allow/Deny, ``execute-api:Invoke``, ARNs with wildcards): Deny or
   no matching Allow gets ACCESS_DENIED, a crash or a malformed answer AUTHORIZER_FAILURE, the error
   ``Unauthorized`` UNAUTHORIZED;
3. the function runs on the REST proxy event (payload 1.0) with the authorizer's principal and context;
   its answer becomes the HTTP response. A crash or a malformed answer gives a 502 INTEGRATION_FAILURE,
   running past the function's Timeout a 504 INTEGRATION_TIMEOUT.

Every function instance runs in a worker process of its own (like a Lambda execution environment in
its sandbox): one per concurrent request, at most ``max_instances`` per function, reused while warm. The
workers come from multiprocessing's fork server (spawn where there is none), never from a plain fork
of this multi-threaded process; see :class:`FunctionPool`.

Locally the stage is not part of the URL: the base URL is ``http://127.0.0.1:<port>`` and
``requestContext.path`` equals ``path``; ``requestContext.stage`` is ``local``.

As on AWS (REST APIs), ``path``, ``requestContext.path``, the method ARN and ``pathParameters`` keep the
path as the client sent it (percent-encoded): API Gateway decodes the query string, never the path.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import contextlib
import enum
import hashlib
import importlib.util
import itertools
import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
import warnings
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import parse_qsl, unquote

from . import template as cfn
from .template import Authorizer, FunctionSpec, GatewayResponse, Route

if TYPE_CHECKING:  # ForkServerContext does not exist on Windows
    from multiprocessing.context import ForkServerContext, SpawnContext

    from .docs import DocsSite

__all__ = [
    "ACCOUNT_ID",
    "API_ID",
    "INIT_TIMEOUT_SECONDS",
    "MAX_BODY_BYTES",
    "REGION",
    "STAGE",
    "STOP_GRACE_SECONDS",
    "WORKER_PRELOAD",
    "AuthorizerError",
    "FunctionError",
    "FunctionPool",
    "Gateway",
    "GatewayServer",
    "HttpRequest",
    "HttpResponse",
    "InvocationError",
    "InvocationTimeout",
    "LambdaContext",
    "RouteMatch",
    "RouteTable",
    "build_authorizer_event",
    "build_proxy_event",
    "evaluate_policy",
    "method_arn",
    "parse_authorizer_result",
    "proxy_result_to_response",
    "render_gateway_response",
    "start_worker_server",
    "worker_context",
]

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("oauth_authz_local.access")

ACCOUNT_ID = cfn.ACCOUNT_ID
REGION = cfn.REGION
API_ID = "local"
STAGE = "local"
MAX_BODY_BYTES = 10 * 1024 * 1024
# A client silent this long (a body announced and never sent, or an idle keep-alive connection) is dropped, so
# that it cannot hold one of the server's threads for good.
CLIENT_TIMEOUT_SECONDS = 60.0
#: A body over the limit is read and dropped up to this size (so the client gets the 413), else cut off.
_DRAIN_LIMIT = 64 * 1024 * 1024
#: API Gateway's own limit on an integration, whatever the function's Timeout.
MAX_INTEGRATION_SECONDS = 29.0

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
WorkerContext: TypeAlias = "ForkServerContext | SpawnContext"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ------------------------------------------------------------------------------------ HTTP in and out
@dataclass
class HttpRequest:
    """One HTTP request as the gateway sees it. ``path`` is the raw (percent-encoded) path."""

    method: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    server_port: int = 80
    protocol: str = "HTTP/1.1"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    received_at: float = field(default_factory=time.time)
    #: The body was over MAX_BODY_BYTES and was not read.
    body_too_large: bool = False

    def header(self, name: str) -> str | None:
        """The last value of a header (case-insensitive), as API Gateway's ``headers`` keeps it."""
        found = None
        for key, value in self.headers:
            if key.lower() == name.lower():
                found = value
        return found


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    resource: str = "-"


# ---------------------------------------------------------------------------------------- routing
@dataclass(frozen=True)
class RouteMatch:
    resource: str
    route: Route | None  # None: the resource exists, the method does not
    path_parameters: dict[str, str]


def _segments(path: str) -> list[str]:
    if path != "/" and path.endswith("/"):
        path = path[:-1]
    return path.split("/")[1:] if path != "/" else []


class RouteTable:
    """The API's resources and methods. Static segments beat ``{param}``, which beats ``{param+}``."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.resources: dict[str, dict[str, Route]] = {}
        for route in routes:
            self.resources.setdefault(route.path, {})[route.method] = route
        self._compiled = [(resource, _segments(resource)) for resource in self.resources]

    def match(self, method: str, raw_path: str) -> RouteMatch | None:
        """The resource for ``raw_path`` (percent-encoded) and its route for ``method``; None: no resource."""
        request = _segments(raw_path)
        best: tuple[tuple[int, ...], str, dict[str, str]] | None = None
        for resource, pattern in self._compiled:
            matched = _match_segments(pattern, request)
            if matched is None:
                continue
            score, parameters = matched
            if best is None or score > best[0]:
                best = (score, resource, parameters)
        if best is None:
            return None
        _, resource, parameters = best
        methods = self.resources[resource]
        route = methods.get(method.upper()) or methods.get("ANY")
        return RouteMatch(resource=resource, route=route, path_parameters=parameters)


def _match_segments(
    pattern: Sequence[str], request: Sequence[str]
) -> tuple[tuple[int, ...], dict[str, str]] | None:
    score: list[int] = []
    parameters: dict[str, str] = {}
    for index, segment in enumerate(pattern):
        if segment.startswith("{") and segment.endswith("+}"):
            rest = request[index:]
            if not rest or not any(rest):
                return None
            parameters[segment[1:-2]] = "/".join(rest)
            score.append(0)
            return tuple(score), parameters
        if index >= len(request):
            return None
        if segment.startswith("{") and segment.endswith("}"):
            if not request[index]:
                return None
            parameters[segment[1:-1]] = request[index]
            score.append(1)
        elif segment == request[index] or segment == unquote(request[index]):
            score.append(2)
        else:
            return None
    if len(request) != len(pattern):
        return None
    return tuple(score), parameters


# ------------------------------------------------------------------------------------------ events
def method_arn(http_method: str, path: str, stage: str = STAGE) -> str:
    """``arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path without leading slash>``."""
    return (
        f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{stage}/{http_method.upper()}/{path.lstrip('/')}"
    )


def _event_headers(request: HttpRequest) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in request.headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return (single or None), (multi or None)


def _query_parameters(query: str) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        single[name] = value
        multi.setdefault(name, []).append(value)
    return (single or None), (multi or None)


def _request_time(epoch: float) -> str:
    moment = time.gmtime(epoch)
    return (
        f"{moment.tm_mday:02d}/{_MONTHS[moment.tm_mon - 1]}/{moment.tm_year}:"
        f"{moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d} +0000"
    )


def _extended_request_id(request_id: str) -> str:
    return base64.b64encode(hashlib.sha256(request_id.encode()).digest()[:12]).decode()[:16] + "="


def build_request_context(request: HttpRequest, resource: str, stage: str = STAGE) -> dict[str, Any]:
    """``requestContext`` of the REST proxy (and REQUEST authorizer) event, without ``authorizer``."""
    host = request.header("Host") or f"127.0.0.1:{request.server_port}"
    path = request.path
    return {
        "resourceId": hashlib.sha1(resource.encode(), usedforsecurity=False).hexdigest()[:6],
        "resourcePath": resource,
        "httpMethod": request.method,
        "extendedRequestId": _extended_request_id(request.request_id),
        "requestTime": _request_time(request.received_at),
        "path": path,
        "accountId": ACCOUNT_ID,
        "protocol": request.protocol,
        "stage": stage,
        "domainPrefix": host.split(".", 1)[0].split(":", 1)[0],
        "requestTimeEpoch": int(request.received_at * 1000),
        "requestId": request.request_id,
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": request.source_ip,
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": request.header("User-Agent"),
            "user": None,
        },
        "domainName": host,
        "apiId": API_ID,
    }


def build_authorizer_event(
    request: HttpRequest, match: RouteMatch, authorizer: Authorizer, stage: str = STAGE
) -> dict[str, Any]:
    """The event API Gateway sends a Lambda authorizer (REQUEST or TOKEN payload)."""
    arn = method_arn(request.method, request.path, stage)
    if authorizer.payload_type == "TOKEN":
        return {
            "type": "TOKEN",
            "authorizationToken": request.header(authorizer.identity_headers[0]) or "",
            "methodArn": arn,
        }
    return {"type": "REQUEST", "methodArn": arn, **_request_fields(request, match, stage)}


def _request_fields(request: HttpRequest, match: RouteMatch, stage: str) -> dict[str, Any]:
    """What the REQUEST authorizer event and the proxy event both carry of the request."""
    headers, multi_headers = _event_headers(request)
    query, multi_query = _query_parameters(request.query)
    return {
        "resource": match.resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(match.path_parameters) or None,
        "stageVariables": None,
        "requestContext": build_request_context(request, match.resource, stage),
    }


def build_proxy_event(
    request: HttpRequest,
    match: RouteMatch,
    authorizer_context: Mapping[str, str] | None,
    stage: str = STAGE,
) -> dict[str, Any]:
    """The Lambda proxy integration event (payload 1.0, REST API)."""
    fields = _request_fields(request, match, stage)
    if authorizer_context is not None:
        fields["requestContext"]["authorizer"] = dict(authorizer_context)
    body: str | None
    if not request.body:
        body, is_base64 = None, False
    else:
        try:
            body, is_base64 = request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            body, is_base64 = base64.b64encode(request.body).decode("ascii"), True
    return {**fields, "body": body, "isBase64Encoded": is_base64}


# ---------------------------------------------------------------------------------------- authorizer
class AuthorizerError(Exception):
    """The authorizer's answer is not one API Gateway accepts (AUTHORIZER_FAILURE)."""


@dataclass(frozen=True)
class AuthorizerResult:
    principal_id: str
    policy: dict[str, Any]
    context: dict[str, str]

    def request_context(self) -> dict[str, str]:
        return {"principalId": self.principal_id, **self.context}


def _context_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    raise AuthorizerError(f"context values must be strings, numbers or booleans, got {type(value).__name__}")


def parse_authorizer_result(result: Any) -> AuthorizerResult:
    """Validate an authorizer's return value as API Gateway does; context values become strings."""
    if not isinstance(result, dict):
        raise AuthorizerError("the authorizer did not return an object")
    principal_id = result.get("principalId")
    if principal_id is None or isinstance(principal_id, dict | list):
        raise AuthorizerError("principalId is missing")
    policy = result.get("policyDocument")
    if not isinstance(policy, dict) or not policy.get("Statement"):
        raise AuthorizerError("policyDocument is missing or has no Statement")
    context = result.get("context") or {}
    if not isinstance(context, dict):
        raise AuthorizerError("context must be an object")
    return AuthorizerResult(
        principal_id=_context_value(principal_id),
        policy=policy,
        context={str(key): _context_value(value) for key, value in context.items()},
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    expression = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.fullmatch(expression, value, flags | re.DOTALL) is not None


def evaluate_policy(policy: Mapping[str, Any], arn: str, action: str = "execute-api:Invoke") -> bool:
    """True when the policy allows ``action`` on ``arn``: an explicit Deny wins, no Allow means no.

    Raises :class:`AuthorizerError` for a policy API Gateway would reject.
    """
    statements = policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise AuthorizerError("policy without statements")
    allowed = False
    for statement in statements:
        if not isinstance(statement, dict):
            raise AuthorizerError("a policy statement is not an object")
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise AuthorizerError(f"invalid Effect {effect!r}")
        if "Action" in statement:
            action_matches = any(
                _wildcard(str(p), action, case_sensitive=False) for p in _as_list(statement["Action"])
            )
        elif "NotAction" in statement:
            action_matches = not any(
                _wildcard(str(p), action, case_sensitive=False) for p in _as_list(statement["NotAction"])
            )
        else:
            raise AuthorizerError("statement without Action")
        if "Resource" in statement:
            resource_matches = any(_wildcard(str(p), arn) for p in _as_list(statement["Resource"]))
        elif "NotResource" in statement:
            resource_matches = not any(_wildcard(str(p), arn) for p in _as_list(statement["NotResource"]))
        else:
            raise AuthorizerError("statement without Resource")
        if action_matches and resource_matches:
            if effect == "Deny":
                return False
            allowed = True
    return allowed


# ---------------------------------------------------------------------------------- gateway responses
class _Default(enum.Enum):
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
    message: str | None | _Default = _Default.MESSAGE,
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
    if isinstance(message, _Default):
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
                "context.extendedRequestId": _extended_request_id(request.request_id),
                "context.httpMethod": request.method,
                "context.path": request.path,
                "context.domainName": request.header("Host") or "",
                "context.identity.sourceIp": request.source_ip,
                "context.identity.userAgent": request.header("User-Agent") or "",
                "context.requestTime": _request_time(request.received_at),
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
        single, _ = _query_parameters(request.query)
        return (single or {}).get(expression[len("method.request.querystring.") :])
    if expression.startswith("method.request.path."):
        return path_parameters.get(expression[len("method.request.path.") :])
    if expression.startswith("context.") or expression.startswith("stageVariables."):
        return variables.get(expression)
    return None


# --------------------------------------------------------------------------------------- proxy result
class InvocationError(Exception):
    """The function failed (an exception, or an answer API Gateway cannot use)."""


class InvocationTimeout(InvocationError):
    """The function ran past its Timeout."""


_PROXY_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
_DROPPED_RESPONSE_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise InvocationError(f"header value of type {type(value).__name__}")


def proxy_result_to_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Validate a Lambda proxy answer as API Gateway does and turn it into status, headers, body."""
    if not isinstance(result, dict):
        raise InvocationError("Malformed Lambda proxy response: not an object")
    extra = set(result) - _PROXY_KEYS
    if extra:
        raise InvocationError(f"Malformed Lambda proxy response: unexpected fields {sorted(extra)}")
    status = result.get("statusCode", 200)
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise InvocationError("Malformed Lambda proxy response: bad statusCode")
    headers = result.get("headers")
    headers = {} if headers is None else headers
    multi = result.get("multiValueHeaders")
    multi = {} if multi is None else multi
    if not isinstance(headers, dict) or not isinstance(multi, dict):
        raise InvocationError("Malformed Lambda proxy response: headers must be objects")
    merged: list[tuple[str, str]] = []
    multi_names = {str(name).lower() for name in multi}
    for name, values in multi.items():
        if not isinstance(values, list):
            raise InvocationError("Malformed Lambda proxy response: multiValueHeaders values must be lists")
        merged.extend((str(name), _header_text(value)) for value in values)
    for name, value in headers.items():
        if str(name).lower() not in multi_names:
            merged.append((str(name), _header_text(value)))
    merged = [(name, value) for name, value in merged if name.lower() not in _DROPPED_RESPONSE_HEADERS]
    for name, value in merged:
        if any(char in name + value for char in "\r\n\0") or not name:
            raise InvocationError("Malformed Lambda proxy response: invalid header")
    body = result.get("body")
    if body is None:
        payload = b""
    elif not isinstance(body, str):
        raise InvocationError("Malformed Lambda proxy response: body must be a string")
    elif result.get("isBase64Encoded") is True:
        try:
            payload = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvocationError("Malformed Lambda proxy response: body is not base64") from exc
    else:
        payload = body.encode("utf-8", "surrogatepass")
    if not any(name.lower() == "content-type" for name, _ in merged):
        merged.append(("Content-Type", "application/json"))
    return status, merged, payload


# ------------------------------------------------------------------------------------------ runtime
class LambdaContext:
    """The context object Lambda passes a Python handler."""

    def __init__(self, spec: FunctionSpec, request_id: str, deadline: float) -> None:
        self.function_name = spec.logical_id
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{spec.logical_id}"
        self.memory_limit_in_mb = spec.memory_size
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{spec.logical_id}"
        self.log_stream_name = time.strftime("%Y/%m/%d", time.gmtime()) + "/[$LATEST]" + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


#: How long a new instance may take to start and import its handler (Lambda's init phase limit).
INIT_TIMEOUT_SECONDS = 10.0
#: On close, how long busy and idle workers get to end on their own before they are killed.
STOP_GRACE_SECONDS = 2.0

#: Modules the fork server imports once, so that a new worker starts with them loaded (tens of
#: milliseconds instead of more than a second). Imports only: none of them creates a boto3 client or
#: reads the layer's settings at import (the layer creates both lazily, through lru_cache).
#: ``oauth_authz.observability``, and ``oauth_authz.http`` which imports it, are left out on purpose: they
#: build Powertools' Logger, Tracer and Metrics at import from the POWERTOOLS_* variables, which must be
#: the worker's own; what makes them slow to import (aws_xray_sdk, wrapt) is preloaded instead.
WORKER_PRELOAD: tuple[str, ...] = (
    "aws_lambda_powertools",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.logging.correlation_paths",
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.tracing",
    "aws_lambda_powertools.utilities.typing",
    "aws_xray_sdk.core",
    "pydantic",
    "boto3",
    "botocore.session",
    "botocore.config",
    "botocore.exceptions",
    "encodings.idna",
    "argon2",
    "oauth_authz.models.api",
    "oauth_authz.models.domain",
    "oauth_authz.views",
    "oauth_authz.settings",
    "oauth_authz.store.client",
    "oauth_authz.store.repository",
    "oauth_authz.service.accounts",
    "oauth_authz.service.app_tokens",
    "oauth_authz.service.authentication",
    "oauth_authz.service.authorizations",
    "oauth_authz.service.grants",
    __name__,
)

_WORKER_CONTEXT: WorkerContext | None = None
#: Every pool, so that workers a caller did not stop are stopped at exit.
_LIVE_POOLS: weakref.WeakSet[FunctionPool] = weakref.WeakSet()
_WORKER_CONTEXT_LOCK = threading.Lock()
#: Starting and reaping worker processes, one thread at a time: multiprocessing polls every child's exit
#: status when it starts a process, which races with a join in another thread (the status is then lost).
_PROCESS_LOCK = threading.Lock()


def worker_context() -> WorkerContext:
    """The multiprocessing context of the function workers: forkserver, spawn where there is none.

    Never fork: the gateway's process has HTTP and store threads. The first call gives the fork server
    its preload list (it is read when the fork server starts: once per process)."""
    global _WORKER_CONTEXT
    with _WORKER_CONTEXT_LOCK:
        if _WORKER_CONTEXT is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                forkserver_context = multiprocessing.get_context("forkserver")
                forkserver_context.set_forkserver_preload(_preload_modules())
                _WORKER_CONTEXT = forkserver_context
            else:
                _WORKER_CONTEXT = multiprocessing.get_context("spawn")
            atexit.register(_shutdown_workers)
        return _WORKER_CONTEXT


def _shutdown_workers() -> None:
    """At exit: stop the workers a caller left running, then end the fork server and multiprocessing's
    resource tracker and reap them. Left to themselves they end once this process has, as orphans,
    which nothing reaps where the init process does not (containers, sandboxes)."""
    for pool in list(_LIVE_POOLS):
        with contextlib.suppress(Exception):
            pool.close(time.monotonic())
    from multiprocessing import forkserver, resource_tracker

    deadline = time.monotonic() + 5.0
    # (the fork server first: what it still runs holds the resource tracker's pipe)
    _end_helper(getattr(forkserver, "_forkserver", None), "_forkserver_pid", "_forkserver_alive_fd", deadline)
    _end_helper(getattr(resource_tracker, "_resource_tracker", None), "_pid", "_fd", deadline)


def _end_helper(owner: object, pid_name: str, fd_name: str, deadline: float) -> None:
    """Close the pipe whose end tells a multiprocessing helper process to exit, and reap it; SIGKILL it
    if it is still there at ``deadline``. (Its own ``_stop()`` would wait without a limit.)"""
    pid, fd = getattr(owner, pid_name, None), getattr(owner, fd_name, None)
    if not isinstance(pid, int) or not isinstance(fd, int):
        return
    setattr(owner, pid_name, None)
    setattr(owner, fd_name, None)
    with contextlib.suppress(OSError):
        os.close(fd)
    try:
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() >= deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return
            time.sleep(0.01)
    except OSError:  # not our child (any more)
        return


def start_worker_server() -> None:
    """Start the fork server now (it imports WORKER_PRELOAD once, 1-2 s) instead of at the first cold start.

    The modules are looked up on this process's ``sys.path`` as it is now (put the layers on it first)."""
    if worker_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _preload_modules() -> list[str]:
    modules = list(WORKER_PRELOAD)
    # multiprocessing runs this process's main script again in every new process (as __mp_main__). When
    # it is a console script's wrapper (pytest's, when tests start workers), what it imports is imported
    # once by the fork server instead: ~0.3 s less per worker under pytest.
    main = sys.modules.get("__main__")
    main_path = getattr(main, "__file__", None)
    if main is not None and getattr(main, "__spec__", None) is None and isinstance(main_path, str):
        modules.extend(_script_imports(main_path))
    return modules


def _script_imports(path: str) -> list[str]:
    """What a console script's wrapper (imports, then an ``if __name__ == "__main__":`` block) imports;
    nothing for any other script, whose imports might do anything (start threads) in the fork server."""
    import ast

    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.module and not node.level:
                names.append(node.module)
        elif (
            isinstance(node, ast.If) and ast.unparse(node.test).replace("'", '"') == '__name__ == "__main__"'
        ):
            continue
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):  # a docstring
            return []
    return names


@dataclass(frozen=True)
class _WorkerSetup:
    """What a worker process is told when it starts (it inherits nothing else from the gateway)."""

    spec: FunctionSpec
    module_name: str
    module_path: str
    #: Put in front of ``sys.path``: the function's code dir, then the layers (as on Lambda).
    sys_path: tuple[str, ...]
    #: The worker's ``os.environ``: the gateway process's when the worker starts (credentials and AWS
    #: configuration of the caller) with ``environment`` over it (None unsets a variable).
    base_environment: dict[str, str]
    environment: dict[str, str | None]


def _apply_environment(values: Mapping[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _report_error(setup: _WorkerSetup, phase: str, error: BaseException) -> None:
    """Like Lambda's runtime: the error and its traceback (no local variables) in the function's log."""
    with contextlib.suppress(Exception):
        lines = traceback.format_exception(type(error), error, error.__traceback__)
        sys.stderr.write(f"[ERROR] {setup.spec.logical_id} {phase}: {''.join(lines)}")
        sys.stderr.flush()


def _flush_std_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def _worker_main(connection: Connection, setup: _WorkerSetup) -> None:
    """A function instance (a Lambda execution environment) in its own process.

    Imports the handler's module, answers ``("ready", pid)`` (or ``("init_error", type, message)`` and
    ends), then serves one ``(request_id, event, timeout)`` at a time with ``("ok", json)`` or
    ``("error", type, message)``, until the gateway closes its end of the pipe.
    """
    # Ctrl-C reaches the whole process group: the gateway stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # What the function prints goes where its logs go: the gateway's stderr (stdout is the server's).
    _flush_std_streams()
    with contextlib.suppress(OSError):
        os.dup2(2, 1)
    # Powertools warns on every invocation that publishes no metric; metrics are off locally anyway.
    warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)
    os.environ.clear()
    os.environ.update(setup.base_environment)
    _apply_environment(setup.environment)
    for entry in reversed(setup.sys_path):
        while entry in sys.path:
            sys.path.remove(entry)
        sys.path.insert(0, entry)
    try:
        module_spec = importlib.util.spec_from_file_location(setup.module_name, setup.module_path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot load {setup.module_path}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[setup.module_name] = module
        module_spec.loader.exec_module(module)
        handler = getattr(module, setup.spec.handler_function, None)
        if not callable(handler):
            raise AttributeError(
                f"handler '{setup.spec.handler_function}' missing on module '{setup.module_name}'"
            )
    except Exception as exc:  # noqa: BLE001 - an init failure is the instance's answer
        _report_error(setup, "init failed", exc)
        with contextlib.suppress(OSError):
            connection.send(("init_error", type(exc).__name__, str(exc)))
        return
    _flush_std_streams()
    connection.send(("ready", os.getpid()))
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        request_id, event, timeout = message
        context = LambdaContext(setup.spec, request_id, time.monotonic() + timeout)
        reply: tuple[str, ...]
        try:
            # Lambda serialises the answer to JSON: what cannot be serialised is an error.
            reply = ("ok", json.dumps(handler(event, context)))
        except Exception as exc:  # noqa: BLE001 - a crash of the function is its answer
            _report_error(setup, f"request {request_id}", exc)
            reply = ("error", type(exc).__name__, str(exc))
        finally:
            _flush_std_streams()
        try:
            connection.send(reply)
        except OSError:
            return


def _exit_status(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"signal: {signal.Signals(-code).name}"
        except ValueError:
            return f"signal: {-code}"
    return f"exit status {code}"


@dataclass(eq=False)
class _Instance:
    """A worker process and the gateway's end of its pipe."""

    process: BaseProcess
    connection: Connection
    pid: int
    #: How the process ended, once it is stopped and joined.
    status: str | None = None


def _stopped(instance: _Instance) -> str | None:
    return instance.status


def _stop_process(instance: _Instance, grace: float = 0.0) -> str:
    """End the worker (after ``grace`` seconds to end on its own), join it; how it ended. Idempotent."""
    with _PROCESS_LOCK:
        if instance.status is not None:
            return instance.status
        sentinel = instance.process.sentinel
    if grace > 0:
        with contextlib.suppress(OSError, ValueError):
            multiprocessing.connection.wait([sentinel], grace)
    with _PROCESS_LOCK:
        status = _stopped(instance)  # another thread may have stopped it meanwhile
        if status is not None:
            return status
        process = instance.process
        if process.exitcode is None:
            process.kill()  # SIGKILL, as Lambda ends an environment
        process.join(10)
        instance.status = _exit_status(process.exitcode)
        if process.exitcode is not None:
            process.close()
        return instance.status


class FunctionError(InvocationError):
    """The handler raised: the exception's type name and message, as its worker reported them."""

    def __init__(self, error_type: str, error_message: str) -> None:
        super().__init__(f"{error_type}: {error_message}")
        self.error_type = error_type
        self.error_message = error_message


class FunctionPool:
    """Instances of one function: one per concurrent request, at most ``max_instances``.

    An instance is a worker process (see :func:`worker_context`), like a Lambda execution environment in
    its own sandbox: nothing a handler keeps process-wide (Powertools' current event, correlation ids,
    caches) is shared with another instance. It starts on demand, its ``sys_path`` and environment fixed
    then: this process's ``os.environ`` at that moment, with ``environment`` (the variables all
    functions agree on) and ``own_environment`` (this function's others) over it, None unsetting one.
    It imports the handler's module (the cold start), serves one request at a time and is reused (warm)
    afterwards. An instance whose invocation runs past its timeout is killed (SIGKILL, like Lambda); one
    that died is replaced by the next request. The timeout counts from when an instance takes the
    request: the time spent waiting for a free instance (``queue_timeout``) or for a new one to start
    (``init_timeout``) is not the function's.
    """

    def __init__(
        self,
        spec: FunctionSpec,
        own_environment: Mapping[str, str] | None = None,
        max_instances: int = 8,
        environment: Mapping[str, str | None] | None = None,
        *,
        sys_path: Iterable[str | os.PathLike[str]] = (),
        init_timeout: float = INIT_TIMEOUT_SECONDS,
        queue_timeout: float = MAX_INTEGRATION_SECONDS,
    ) -> None:
        self.spec = spec
        self.own_environment = dict(own_environment or {})
        self.environment = dict(environment or {})
        #: The layers' code dirs, in the order Lambda puts them on ``sys.path`` (after the function's own).
        self.sys_path = [os.fspath(entry) for entry in sys_path]
        self.max_instances = max_instances
        self.init_timeout = init_timeout
        #: How long a request waits for a free instance when all ``max_instances`` are busy (Lambda
        #: would scale out instead; API Gateway gives up on an integration after 29 s anyway).
        self.queue_timeout = queue_timeout
        self._idle: list[_Instance] = []
        #: Every worker started and not stopped yet: idle, busy or starting.
        self._workers: set[_Instance] = set()
        #: Instances counted against max_instances, starting ones included.
        self._count = 0
        self._closed = False
        self._condition = threading.Condition()
        self._serial = itertools.count(1)
        _LIVE_POOLS.add(self)

    def worker_environment(self) -> dict[str, str | None]:
        """What a worker applies to its ``os.environ`` at start."""
        return {**self.environment, **self.own_environment}

    def worker_pids(self) -> list[int]:
        """The process ids of this function's live workers."""
        with self._condition:
            return sorted(instance.pid for instance in self._workers)

    def _load(self) -> _Instance:
        context = worker_context()
        setup = _WorkerSetup(
            spec=self.spec,
            module_name=self.spec.handler_module,
            module_path=str(self.spec.module_path),
            sys_path=(str(self.spec.code_dir), *self.sys_path),
            base_environment=dict(os.environ),
            environment=self.worker_environment(),
        )
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(
            target=_worker_main,
            args=(child_end, setup),
            name=f"lambda-{self.spec.logical_id}-{next(self._serial)}",
            daemon=True,
        )
        try:
            with _PROCESS_LOCK:
                process.start()
        except BaseException:
            parent_end.close()
            raise
        finally:
            child_end.close()  # the worker's end lives in the worker only: its death is our EOF
        instance = _Instance(process, parent_end, process.pid or 0)
        with self._condition:
            self._workers.add(instance)
            closed = self._closed
        try:
            if closed:
                raise InvocationError(f"{self.spec.logical_id}: the gateway is closed")
            if not parent_end.poll(self.init_timeout):
                raise InvocationTimeout(
                    f"{self.spec.logical_id}: Init timed out after {self.init_timeout:.2f} seconds"
                )
            reply = parent_end.recv()
        except (EOFError, OSError):
            status = self._stop(instance)
            raise InvocationError(
                f"{self.spec.logical_id}: Runtime exited during init with error: {status}"
            ) from None
        except BaseException:
            self._stop(instance)
            raise
        if not (isinstance(reply, tuple) and reply and reply[0] == "ready"):
            self._stop(instance)
            if isinstance(reply, tuple) and len(reply) == 3 and reply[0] == "init_error":
                raise InvocationError(f"{self.spec.logical_id}: init failed: {reply[1]}: {reply[2]}")
            raise InvocationError(f"{self.spec.logical_id}: init failed: unexpected answer")
        return instance

    def _stop(self, instance: _Instance, grace: float = 0.0) -> str:
        """Stop and join the worker, close our end of its pipe, forget it; how it ended."""
        status = _stop_process(instance, grace)
        with contextlib.suppress(OSError):
            instance.connection.close()
        with self._condition:
            self._workers.discard(instance)
            self._condition.notify_all()
        return status

    @staticmethod
    def _healthy(instance: _Instance) -> bool:
        # An idle worker never writes: something to read is the EOF of a worker that has died.
        try:
            return not instance.connection.poll(0)
        except (OSError, ValueError):
            return False

    def acquire(self, timeout: float) -> _Instance:
        deadline = time.monotonic() + timeout
        dead: list[_Instance] = []
        try:
            with self._condition:
                while True:
                    if self._closed:
                        raise InvocationError(f"{self.spec.logical_id}: the gateway is closed")
                    while self._idle:
                        instance = self._idle.pop()
                        if self._healthy(instance):
                            return instance
                        dead.append(instance)
                        self._count -= 1
                    if self._count < self.max_instances:
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise InvocationTimeout(f"{self.spec.logical_id}: no free instance")
                    self._condition.wait(remaining)
                self._count += 1
        finally:
            for instance in dead:
                status = self._stop(instance)
                logger.warning("gateway: an idle %s instance ended (%s)", self.spec.logical_id, status)
        try:
            return self._load()
        except BaseException:
            with self._condition:
                self._count -= 1
                self._condition.notify_all()
            raise

    def release(self, instance: _Instance) -> None:
        with self._condition:
            if not self._closed and instance.status is None:
                self._idle.append(instance)
                self._condition.notify_all()
                return
        self.discard(instance)

    def discard(self, instance: _Instance) -> str:
        """Kill the instance (if it still runs) and free its place; how it ended."""
        status = self._stop(instance)
        with self._condition:
            self._count -= 1
            self._condition.notify_all()
        return status

    def prewarm(self) -> None:
        self.release(self.acquire(timeout=self.spec.timeout))

    def invoke(self, event: dict[str, Any], request_id: str, timeout: float | None = None) -> Any:
        """Run the handler on ``event`` in a worker; its JSON-serialised answer, parsed back."""
        name = self.spec.logical_id
        limit = float(timeout if timeout is not None else self.spec.timeout)
        try:
            instance = self.acquire(timeout=max(limit, self.queue_timeout))
        except InvocationError:
            raise
        except BaseException as exc:
            raise InvocationError(f"{name}: init failed: {type(exc).__name__}: {exc}") from exc
        connection = instance.connection
        try:
            connection.send((request_id, event, limit))
            reply = connection.recv() if connection.poll(limit) else None
        except (EOFError, OSError):
            status = self.discard(instance)
            raise InvocationError(f"{name}: Runtime exited with error: {status}") from None
        except BaseException as exc:
            self.discard(instance)
            raise InvocationError(f"{name}: cannot invoke: {type(exc).__name__}: {exc}") from exc
        if reply is None:
            self.discard(instance)
            raise InvocationTimeout(f"{name}: Task timed out after {limit:.2f} seconds")
        if isinstance(reply, tuple) and len(reply) == 2 and reply[0] == "ok":
            self.release(instance)
            return json.loads(reply[1])
        if isinstance(reply, tuple) and len(reply) == 3 and reply[0] == "error":
            self.release(instance)
            raise FunctionError(str(reply[1]), str(reply[2]))
        self.discard(instance)
        raise InvocationError(f"{name}: unexpected answer from the runtime")

    def close(self, deadline: float | None = None) -> None:
        """Stop every worker: idle ones end on their own, busy ones get until ``deadline`` (a
        ``time.monotonic()`` value; default STOP_GRACE_SECONDS from now) to finish, then are killed.
        All are joined when this returns; the pool starts no worker afterwards."""
        if deadline is None:
            deadline = time.monotonic() + STOP_GRACE_SECONDS
        with self._condition:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            workers = list(self._workers)
            self._condition.notify_all()
        for instance in idle:
            with contextlib.suppress(OSError):
                instance.connection.close()  # the worker reads EOF and ends
        for instance in workers:
            grace = max(0.0, deadline - time.monotonic())
            if instance in idle:
                self._stop(instance, grace)
            else:
                # Its caller holds it (and its pipe): only the process is ended here.
                _stop_process(instance, grace)


# ------------------------------------------------------------------------------------------- gateway
class Gateway:
    """The API Gateway emulator for one template: ``handle(HttpRequest) -> HttpResponse``."""

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        table_name: str,
        parameter_overrides: Mapping[str, Any] | None = None,
        max_instances: int = 8,
        stage: str = STAGE,
        runtime_environment: Mapping[str, str | None] | None = None,
    ) -> None:
        """``runtime_environment``: variables every function gets besides the template's (the DynamoDB
        endpoint, credentials, region, Powertools switches; None unsets one)."""
        self.template = template
        self.stage = stage
        self.route_table = RouteTable(cfn.routes(template))
        self.responses = cfn.gateway_responses(template) if self._has_api(template) else {}
        specs: dict[str, FunctionSpec] = {}
        self.authorizers: dict[str, Authorizer] = {}
        for methods in self.route_table.resources.values():
            for route in methods.values():
                specs[route.logical_id] = route.function
                if route.authorizer and route.authorizer not in self.authorizers:
                    found = cfn.authorizer(template, route.authorizer, route.api_id)
                    if found is not None:
                        self.authorizers[route.authorizer] = found
                        specs[found.function.logical_id] = found.function
        environments = {
            logical_id: cfn.function_environment(template, logical_id, table_name, parameter_overrides)
            for logical_id in specs
        }
        # Every worker gets its function's whole environment; the variables all functions agree on are
        # also what a caller may apply to its own os.environ (``environment`` below).
        shared = dict(next(iter(environments.values()))) if environments else {}
        for environment in environments.values():
            shared = {key: value for key, value in shared.items() if environment.get(key) == value}
        #: What every function runs with (None: unset).
        self.environment: dict[str, str | None] = {**shared, **dict(runtime_environment or {})}
        layers = layer_paths(template)
        self.pools = {
            logical_id: FunctionPool(
                spec,
                {key: value for key, value in environments[logical_id].items() if shared.get(key) != value},
                max_instances,
                self.environment,
                sys_path=layers,
            )
            for logical_id, spec in specs.items()
        }
        self._auth_cache: dict[tuple[str, tuple[str, ...]], tuple[float, AuthorizerResult]] = {}
        self._auth_cache_lock = threading.Lock()

    @staticmethod
    def _has_api(template: Mapping[str, Any]) -> bool:
        try:
            cfn.default_api_id(template)
        except cfn.TemplateError:
            return False
        return True

    def prewarm(self, logical_ids: Iterable[str] | None = None) -> list[tuple[str, BaseException]]:
        """Start one instance of each function named (default: all) now, in parallel; the failures.

        Raises ValueError for a name that is not one of the gateway's functions."""
        names = list(self.pools) if logical_ids is None else list(dict.fromkeys(logical_ids))
        unknown = [name for name in names if name not in self.pools]
        if unknown:
            raise ValueError(f"unknown functions: {', '.join(unknown)} (known: {', '.join(self.pools)})")
        failures: dict[str, BaseException] = {}

        def warm(name: str) -> None:
            try:
                self.pools[name].prewarm()
            except BaseException as exc:  # noqa: BLE001 - reported, the route answers 502 later
                failures[name] = exc

        threads = [threading.Thread(target=warm, args=(name,), name=f"prewarm-{name}") for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return [(name, failures[name]) for name in names if name in failures]

    def worker_pids(self) -> dict[str, list[int]]:
        """The process ids of the live workers, by function."""
        return {logical_id: pool.worker_pids() for logical_id, pool in self.pools.items()}

    def close(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop and join every worker (busy ones get ``grace`` seconds to finish); no new one starts."""
        deadline = time.monotonic() + grace
        for pool in self.pools.values():
            pool.close(deadline)

    # -- request handling
    def handle(self, request: HttpRequest) -> HttpResponse:
        try:
            return self._handle(request)
        except Exception:
            logger.exception("gateway: internal error while handling a request")
            try:
                return render_gateway_response(self.responses, "DEFAULT_5XX", request=request, status=500)
            except Exception:
                logger.exception("gateway: cannot render DEFAULT_5XX")
                return HttpResponse(
                    500, [("Content-Type", "application/json")], b'{"message": "Internal server error"}'
                )

    def _handle(self, request: HttpRequest) -> HttpResponse:
        match = self.route_table.match(request.method, request.path)
        if match is None or match.route is None:
            return self._gateway_response("MISSING_AUTHENTICATION_TOKEN", request, match)
        resource = match.resource
        if request.body_too_large or len(request.body) > MAX_BODY_BYTES:
            return self._gateway_response("REQUEST_TOO_LARGE", request, match)
        route = match.route
        authorizer_context: dict[str, str] | None = None
        if route.authorizer is not None and route.authorizer in self.authorizers:
            outcome = self._authorize(request, match, self.authorizers[route.authorizer])
            if isinstance(outcome, HttpResponse):
                return outcome
            authorizer_context = outcome
        event = build_proxy_event(request, match, authorizer_context, self.stage)
        pool = self.pools[route.logical_id]
        timeout = min(float(route.timeout), MAX_INTEGRATION_SECONDS)
        try:
            result = pool.invoke(event, request.request_id, timeout)
            status, headers, body = proxy_result_to_response(result)
        except InvocationTimeout:
            logger.error("gateway: %s timed out after %ss (%s)", route.logical_id, timeout, resource)
            return self._gateway_response(
                "INTEGRATION_TIMEOUT", request, match, authorizer_context=authorizer_context
            )
        except InvocationError as exc:
            # The worker has logged the handler's traceback on stderr, as Lambda's runtime does.
            logger.error(
                "gateway: %s failed (%s): %s", route.logical_id, resource, exc, exc_info=exc.__cause__
            )
            return self._gateway_response(
                "INTEGRATION_FAILURE", request, match, status=502, authorizer_context=authorizer_context
            )
        headers = [*headers, *self._api_headers(request)]
        return HttpResponse(status=status, headers=headers, body=body, resource=resource)

    def _api_headers(self, request: HttpRequest) -> list[tuple[str, str]]:
        return [
            ("x-amzn-RequestId", request.request_id),
            ("x-amz-apigw-id", _extended_request_id(request.request_id)),
        ]

    def _gateway_response(
        self,
        response_type: str,
        request: HttpRequest,
        match: RouteMatch | None,
        *,
        message: str | None | _Default = _Default.MESSAGE,
        status: int | None = None,
        authorizer_context: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        response = render_gateway_response(
            self.responses,
            response_type,
            request=request,
            resource=match.resource if match is not None and match.route is not None else "",
            message=message,
            status=status,
            authorizer_context=authorizer_context,
            path_parameters=match.path_parameters if match is not None else None,
        )
        response.headers.extend(self._api_headers(request))
        if match is None or match.route is None:
            response.resource = "-"
        return response

    def _authorize(
        self, request: HttpRequest, match: RouteMatch, authorizer: Authorizer
    ) -> dict[str, str] | HttpResponse:
        identity = [request.header(name) for name in authorizer.identity_headers]
        query, _ = _query_parameters(request.query)
        identity += [(query or {}).get(name) for name in authorizer.identity_query_strings]
        if any(not value for value in identity):
            return self._gateway_response("UNAUTHORIZED", request, match)
        arn = method_arn(request.method, request.path, self.stage)
        cache_key = (authorizer.name, tuple(value or "" for value in identity))
        result = self._cached(cache_key)
        if result is None:
            event = build_authorizer_event(request, match, authorizer, self.stage)
            pool = self.pools[authorizer.function.logical_id]
            try:
                answer = pool.invoke(
                    event,
                    request.request_id,
                    min(float(authorizer.function.timeout), MAX_INTEGRATION_SECONDS),
                )
            except InvocationError as exc:
                if isinstance(exc, FunctionError) and exc.error_message == "Unauthorized":
                    return self._gateway_response("UNAUTHORIZED", request, match)
                logger.error(
                    "gateway: authorizer %s failed: %s", authorizer.name, exc, exc_info=exc.__cause__
                )
                return self._gateway_response("AUTHORIZER_FAILURE", request, match)
            try:
                result = parse_authorizer_result(answer)
                allowed = evaluate_policy(result.policy, arn)
            except AuthorizerError as exc:
                logger.error("gateway: authorizer %s answered badly: %s", authorizer.name, exc)
                return self._gateway_response("AUTHORIZER_FAILURE", request, match)
            if authorizer.reauthorize_every > 0:
                with self._auth_cache_lock:
                    self._auth_cache[cache_key] = (time.monotonic() + authorizer.reauthorize_every, result)
        else:
            allowed = evaluate_policy(result.policy, arn)
        if not allowed:
            return self._gateway_response(
                "ACCESS_DENIED",
                request,
                match,
                message=_denied_message(result.policy, arn),
                authorizer_context=result.request_context(),
            )
        return result.request_context()

    def _cached(self, key: tuple[str, tuple[str, ...]]) -> AuthorizerResult | None:
        with self._auth_cache_lock:
            entry = self._auth_cache.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._auth_cache[key]
                return None
            return entry[1]


def _denied_message(policy: Mapping[str, Any], arn: str) -> str:
    statements = policy.get("Statement")
    for statement in _as_list(statements):
        if (
            isinstance(statement, dict)
            and statement.get("Effect") == "Deny"
            and any(_wildcard(str(p), arn) for p in _as_list(statement.get("Resource")))
        ):
            return "User is not authorized to access this resource with an explicit deny"
    return "User is not authorized to access this resource"


# -------------------------------------------------------------------------------------- HTTP server
class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def version_string(self) -> str:
        return "oauth-authz-local"

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.client_timeout)
        # Headers and body go out in two writes: with Nagle's algorithm the body waited for the client's
        # delayed ACK of the headers (~40 ms on every keep-alive response).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    # http.server logs the raw request line (a token may be in the path): never.
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002
        access_logger.warning("malformed HTTP request from %s", self.client_address[0])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line, a header line over 64 KB, more than 100
        headers, a URL over 64 KB): the API's DEFAULT_4XX/5XX gateway response, so in the API's shape."""
        self.log_error("")
        if self.request_version == "HTTP/0.9":  # an unparsable request line: answer in HTTP/1.1 anyway
            self.request_version = "HTTP/1.1"
        self.close_connection = True
        phrase = "Bad Request" if code == 400 else _status_phrase(code)
        gateway = getattr(self.server, "gateway", None)
        rendered = render_gateway_response(
            gateway.responses if gateway is not None else {},
            "DEFAULT_4XX" if code < 500 else "DEFAULT_5XX",
            message=phrase,
            status=code,
        )
        try:
            self.send_response(rendered.status)
            for name, value in rendered.headers:
                if name.lower() not in ("content-length", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(rendered.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and rendered.status >= 200 and rendered.status not in (204, 304):
                self.wfile.write(rendered.body)
        except OSError:
            pass

    def _read_body(self) -> bytes | None:
        """The request body; None when it is over the limit (the connection is then closed).

        Raises ValueError for a malformed Content-Length or chunk size."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    self.close_connection = True
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        text = (self.headers.get("Content-Length") or "0").strip()
        if not text.isdigit():
            raise ValueError("malformed Content-Length")
        length = int(text)
        if length > MAX_BODY_BYTES:
            # Read what the client is sending (up to a bound) so it sees the 413, not a reset.
            self.close_connection = True
            remaining = min(length, _DRAIN_LIMIT)
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 16))
                if not chunk:
                    break
                remaining -= len(chunk)
            return None
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        started = time.perf_counter()
        gateway, site = self.server.gateway, self.server.site
        path, _, query = self.path.partition("?")
        if not path.startswith("/"):  # absolute-form request target
            path = "/" + path.split("://", 1)[-1].partition("/")[2]
        request = HttpRequest(
            method=self.command,
            path=path,
            query=query,
            source_ip=self.client_address[0],
            server_port=self.server.server_address[1],
            protocol=self.request_version,
        )
        response: HttpResponse
        try:
            request.headers = self._event_headers(request)
            body = self._read_body()
            if body is None:
                request.body_too_large = True
            else:
                request.body = body
            found = site.answer(request.method, path, self.headers.get("Host")) if site else None
            if found is not None:
                response = HttpResponse(found[0], found[1], found[2], resource=path)
            else:
                response = gateway.handle(request)
        except TimeoutError:  # the client stopped sending its body: nobody is waiting for an answer
            access_logger.warning(
                "%s sent no complete request within %ss; connection closed",
                request.source_ip,
                self.server.client_timeout,
            )
            self.close_connection = True
            return
        except ValueError:  # a malformed Content-Length or chunk size
            self.close_connection = True
            response = render_gateway_response(gateway.responses, "DEFAULT_4XX", request=request, status=400)
        except Exception:
            logger.exception("gateway: cannot read the request")
            self.close_connection = True
            response = render_gateway_response(gateway.responses, "DEFAULT_5XX", request=request, status=500)
        # Logged before the answer leaves, so the line is there when the client has its answer.
        access_logger.info(
            "%s %s %s %s %.1fms %s",
            request.source_ip,
            request.method,
            response.resource,
            response.status,
            (time.perf_counter() - started) * 1000,
            request.request_id,
        )
        self._write(response)

    def _event_headers(self, request: HttpRequest) -> list[tuple[str, str]]:
        headers = [(name, value) for name, value in self.headers.items()]
        forwarded_for = None
        for name, value in headers:
            if name.lower() == "x-forwarded-for":
                forwarded_for = value
        headers = [
            (name, value)
            for name, value in headers
            if name.lower() not in ("x-forwarded-for", "x-forwarded-port", "x-forwarded-proto")
        ]
        headers.append(
            (
                "X-Forwarded-For",
                f"{forwarded_for}, {request.source_ip}" if forwarded_for else request.source_ip,
            )
        )
        headers.append(("X-Forwarded-Port", str(request.server_port)))
        headers.append(("X-Forwarded-Proto", "http"))
        if not any(name.lower() == "x-amzn-trace-id" for name, _ in headers):
            trace = f"Root=1-{int(request.received_at):08x}-{uuid.uuid4().hex[:24]}"
            headers.append(("X-Amzn-Trace-Id", trace))
        return headers

    def _write(self, response: HttpResponse) -> None:
        try:
            self.send_response(response.status)
            has_body = response.status >= 200 and response.status not in (204, 304)
            for name, value in response.headers:
                self.send_header(name, value)
            if has_body:
                self.send_header("Content-Length", str(len(response.body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if has_body and self.command != "HEAD":
                self.wfile.write(response.body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True


def _status_phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Bad Request" if code < 500 else "Internal server error"


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: a burst of clients connecting at once (50 in the race
    # tests) overflowed it and some were reset before a thread could accept them.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], gateway: Gateway, site: DocsSite | None = None) -> None:
        self.gateway = gateway
        self.site = site
        self.client_timeout = CLIENT_TIMEOUT_SECONDS
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _RequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.exception("gateway: connection error from %s", client_address[0] if client_address else "?")


class GatewayServer:
    """The gateway on ``http://<host>:<port>``, served by daemon threads. ``stop()`` also ends the
    gateway's workers."""

    def __init__(
        self, gateway: Gateway, host: str = "127.0.0.1", port: int = 0, site: DocsSite | None = None
    ) -> None:
        """`site`: what is served beside the API (the OpenAPI document and its page), if anything."""
        self.gateway = gateway
        self.site = site
        self.host = host
        self.port = port
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> str:
        self._server = _HTTPServer((self.host, self.port), self.gateway, self.site)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=f"gateway-{self.port}", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.gateway.close()


def layer_paths(template: Mapping[str, Any]) -> list[Path]:
    """Where the template's layers keep their Python code (``<ContentUri>/python`` or ``<ContentUri>``)."""
    paths = []
    for directory in cfn.layer_dirs(template):
        python = directory / "python"
        paths.append(python if python.is_dir() else directory)
    return paths
