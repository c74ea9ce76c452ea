"""The Lambda proxy integration's answer, checked and turned into an HTTP response as API Gateway does."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..lambda_runtime.failures import InvocationError

__all__ = ["proxy_result_to_response"]


_PROXY_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
_DROPPED_RESPONSE_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise InvocationError(f"header value of type {type(value).__name__}")


def _merged_headers(headers: dict[Any, Any], multi: dict[Any, Any]) -> list[tuple[str, str]]:
    """Both maps in one list, as API Gateway documents it ("If you specify values for both headers and
    multiValueHeaders, API Gateway merges them into a single list. If the same key-value pair is specified in
    both, only the values from multiValueHeaders will appear in the merged list."): a single value is added
    after the multi-value ones unless that same name (any case) and value are already among them."""
    merged: list[tuple[str, str]] = []
    for name, values in multi.items():
        if not isinstance(values, list):
            raise InvocationError("Malformed Lambda proxy response: multiValueHeaders values must be lists")
        merged.extend((str(name), _header_text(value)) for value in values)
    present = {(name.lower(), value) for name, value in merged}
    for name, value in headers.items():
        text = _header_text(value)
        if (str(name).lower(), text) not in present:
            merged.append((str(name), text))
    return merged


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
    merged = _merged_headers(headers, multi)
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
