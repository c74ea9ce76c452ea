"""`POST /login/oauth/access_token` speaks OAuth, not the REST API: parameters from a form body, a JSON body
or the query string; client credentials in them or as Basic auth; every answer a 200 in the format `Accept`
asks for (`token_answers`). Only a store that cannot answer is not a 200 (503, as elsewhere)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from oauth_authz.errors import BadRequest, StoreUnavailable
from oauth_authz.http.error_map import server_error
from oauth_authz.http.request import header
from oauth_authz.http.resolver import status_line
from oauth_authz.http.responses import DOCS_URL, JSON_CONTENT_TYPE
from oauth_authz.http.urls import routed_prefix, site_url
from oauth_authz.token_answers import DeviceCodeResponse, TokenError, TokenResponse, render_token_answer

Exchange = Callable[[Mapping[str, str], str | None], TokenResponse | TokenError]
CodeRequest = Callable[[Mapping[str, str], str], DeviceCodeResponse | TokenError]
DEVICE_PAGE = "/login/device"
MAX_PARAMS = 50


def _body_text(event: dict[str, Any]) -> str:
    raw = event.get("body") or ""
    if not isinstance(raw, str):
        return ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(raw, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
    return raw


def _json_params(text: str) -> dict[str, str]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


def token_params(event: dict[str, Any]) -> dict[str, str]:
    """The request's parameters: the query string's, then the body's over them (JSON or form-encoded)."""
    params = {str(k): v for k, v in (event.get("queryStringParameters") or {}).items() if isinstance(v, str)}
    text = _body_text(event)
    if text.strip():
        content_type = (header(event, "content-type") or "").lower()
        if "json" in content_type or text.lstrip().startswith("{"):
            params.update(_json_params(text))
        else:
            try:
                form = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_PARAMS, errors="replace")
            except ValueError:  # more than MAX_PARAMS fields: no request of ours
                return {}
            params.update(form)
    # A value with a NUL is no value of ours, but it was sent: it stands as one that matches nothing (U+FFFD),
    # never as an absent one (a `grant_type` of NUL is unsupported, not the default authorization_code).
    return {name: "\ufffd" if "\x00" in value else value for name, value in params.items()}


def _json_error(status: int, message: str, headers: dict[str, str]) -> dict[str, Any]:
    body = json.dumps({"message": message, "documentation_url": DOCS_URL})
    return {"statusCode": status, "headers": {"Content-Type": JSON_CONTENT_TYPE, **headers}, "body": body}


def respond_device_code(event: dict[str, Any], request_codes: CodeRequest) -> dict[str, Any]:
    """`POST /login/device/code`: the codes (200), or an error (400, as GitHub answers
    `device_flow_disabled`), in the format `Accept` asks for; `verification_uri` is the device page in the
    layout the client called (a Host that is not a URI authority: 400, never copied into it)."""
    return _with_github_headers(event, _device_code_answer(event, request_codes))


def _device_code_answer(event: dict[str, Any], request_codes: CodeRequest) -> dict[str, Any]:
    if routed_prefix(event):
        return _json_error(404, "Not Found", {})
    accept = header(event, "accept")
    try:
        answer = request_codes(token_params(event), site_url(event) + DEVICE_PAGE)
    except BadRequest as error:
        return _json_error(400, error.message, {})
    except StoreUnavailable:
        return _json_error(503, "Service Unavailable", {"Retry-After": "1"})
    except Exception as error:  # an internal fault: logged, answered with nothing internal in it
        return _json_error(*server_error("device code request failed", error), {})
    text, content_type = render_token_answer(answer, accept)
    return {
        "statusCode": 400 if isinstance(answer, TokenError) else 200,
        "headers": {"Content-Type": content_type, "Cache-Control": "no-store", "Pragma": "no-cache"},
        "body": text,
    }


def _with_github_headers(event: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    answer["headers"]["Status"] = status_line(answer["statusCode"])
    request_id = (event.get("requestContext") or {}).get("requestId")
    if request_id:
        answer["headers"]["X-GitHub-Request-Id"] = str(request_id)
    return answer


def respond(event: dict[str, Any], exchange: Exchange) -> dict[str, Any]:
    """The Lambda proxy answer to one token request, with GitHub's `Status` and `X-GitHub-Request-Id` as every
    answer has. The OAuth endpoints answer at the site's root only, never in the REST API's `/api/v3` layout
    (SPEC section 8): there, as for any unknown route, 404."""
    return _with_github_headers(event, _answer(event, exchange))


def _answer(event: dict[str, Any], exchange: Exchange) -> dict[str, Any]:
    if routed_prefix(event):
        return _json_error(404, "Not Found", {})
    accept = header(event, "accept")
    try:
        answer = exchange(token_params(event), header(event, "authorization"))
    except StoreUnavailable:
        return _json_error(503, "Service Unavailable", {"Retry-After": "1"})
    except Exception as error:  # an internal fault: logged, answered with nothing internal in it
        return _json_error(*server_error("token request failed", error), {})
    text, content_type = render_token_answer(answer, accept)
    return {
        "statusCode": 200,
        "headers": {"Content-Type": content_type, "Cache-Control": "no-store", "Pragma": "no-cache"},
        "body": text,
    }
