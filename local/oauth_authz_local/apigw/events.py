"""The events API Gateway sends Lambda for a REST API: the proxy integration's (payload 1.0) and the Lambda
authorizer's (REQUEST or TOKEN), with the ``requestContext`` both carry.

As on AWS (REST APIs), ``path``, ``requestContext.path``, the method ARN and ``pathParameters`` keep the
path as the client sent it (percent-encoded): API Gateway decodes the query string, never the path.
Locally the stage is not part of the URL: ``requestContext.path`` equals ``path`` and
``requestContext.stage`` is ``local``.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from ..constants import ACCOUNT_ID, API_ID, REGION, STAGE
from ..sam_model import Authorizer
from .messages import HttpRequest
from .routing import RouteMatch

__all__ = [
    "build_authorizer_event",
    "build_proxy_event",
    "build_request_context",
    "extended_request_id",
    "method_arn",
    "query_parameters",
    "request_time",
]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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


def query_parameters(query: str) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        single[name] = value
        multi.setdefault(name, []).append(value)
    return (single or None), (multi or None)


def request_time(epoch: float) -> str:
    moment = time.gmtime(epoch)
    return (
        f"{moment.tm_mday:02d}/{_MONTHS[moment.tm_mon - 1]}/{moment.tm_year}:"
        f"{moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d} +0000"
    )


def extended_request_id(request_id: str) -> str:
    return base64.b64encode(hashlib.sha256(request_id.encode()).digest()[:12]).decode()[:16] + "="


def build_request_context(request: HttpRequest, resource: str, stage: str = STAGE) -> dict[str, Any]:
    """``requestContext`` of the REST proxy (and REQUEST authorizer) event, without ``authorizer``."""
    host = request.header("Host") or f"127.0.0.1:{request.server_port}"
    path = request.path
    return {
        "resourceId": hashlib.sha1(resource.encode(), usedforsecurity=False).hexdigest()[:6],
        "resourcePath": resource,
        "httpMethod": request.method,
        "extendedRequestId": extended_request_id(request.request_id),
        "requestTime": request_time(request.received_at),
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
    request: HttpRequest,
    match: RouteMatch,
    authorizer: Authorizer,
    stage: str = STAGE,
    routed_path: str | None = None,
) -> dict[str, Any]:
    """The event API Gateway sends a Lambda authorizer (REQUEST or TOKEN payload). `routed_path`: the path
    without a base path mapping's key (`/api/v3`), which the method ARN names (`path` keeps the key)."""
    arn = method_arn(request.method, request.path if routed_path is None else routed_path, stage)
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
    query, multi_query = query_parameters(request.query)
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
