"""Conditional requests: every GET 200 has a weak ETag that follows its body, and `If-None-Match` with it
(or a list holding it, or `*`) answers 304 without a body."""

from __future__ import annotations

import hashlib
from typing import Any

from oauth_authz.http.request import header
from oauth_authz.http.responses import drop_content_type


def etag(body: str) -> str:
    return 'W/"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"'


def matches(tag: str, if_none_match: str | None) -> bool:
    """Weak comparison: the opaque tags are compared, with or without `W/`."""
    if not if_none_match:
        return False
    wanted = {candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")}
    return "*" in wanted or tag.removeprefix("W/") in wanted


def apply(event: dict[str, Any], response: dict[str, Any]) -> None:
    """The ETag of a GET's 200 answer, and the 304 it becomes when the client holds it already."""
    if event.get("httpMethod") != "GET" or response.get("statusCode") != 200:
        return
    tag = etag(response.get("body", ""))
    response["headers"]["ETag"] = tag
    if matches(tag, header(event, "if-none-match")):
        response["statusCode"] = 304
        response["body"] = ""
        drop_content_type(response)
