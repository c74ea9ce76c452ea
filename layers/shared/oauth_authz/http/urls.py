"""The API's base URL as the client called it: scheme, host, and the layout's base path.

The host is, in order: the operator's public base URL (setting `PUBLIC_BASE_URL`), API Gateway's
`requestContext.domainName` (the domain the request was served on), the `Host` header. The last two are
checked as a URI authority (RFC 3986 section 3.2: a host name, an IPv4 address or a bracketed IPv6 literal,
an optional port): anything else is a 400, never copied into a URL. The base path is what the request's path
has before the route's own segments (docs/design.md, "URL layouts on AWS"): `/api/v3` in GitHub Enterprise's
layout, the stage on the execute-api URL, nothing at the root.
"""

from __future__ import annotations

import re
from typing import Any

from oauth_authz.errors import BadRequest
from oauth_authz.settings import get_settings

API_V3 = "/api/v3"

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_AUTHORITY = re.compile(
    rf"^(?:{_LABEL}(?:\.{_LABEL})*\.?|\d{{1,3}}(?:\.\d{{1,3}}){{3}}|\[[0-9A-Fa-f:.]{{2,45}}\])(?::\d{{1,5}})?$"
)
_SCHEMES = frozenset({"http", "https"})


def valid_authority(host: str) -> bool:
    return len(host) <= 255 and _AUTHORITY.match(host) is not None


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


def base_path(event: dict[str, Any]) -> str:
    """`requestContext.path` (else `path`) without the route's segments: `/api/v3`, `/v1` or ``."""
    context = event.get("requestContext") or {}
    full = _segments(str(context.get("path") or event.get("path") or ""))
    route = _segments(str(event.get("resource") or ""))
    kept = full[: len(full) - len(route)] if len(route) <= len(full) else []
    return "".join("/" + segment for segment in kept)


def routed_prefix(event: dict[str, Any]) -> str:
    """The part of the event's `path` before the route (`/api/v3` or ``): the layout the client called."""
    full = _segments(str(event.get("path") or ""))
    route = _segments(str(event.get("resource") or ""))
    kept = full[: len(full) - len(route)] if len(route) <= len(full) else []
    return "".join("/" + segment for segment in kept)


def checked_host(event: dict[str, Any]) -> str:
    """The host the URLs name, checked (400 when it is not a URI authority)."""
    context = event.get("requestContext") or {}
    host = str(context.get("domainName") or _header(event, "host") or "")
    if not valid_authority(host):
        raise BadRequest("Invalid Host header")
    return host


def api_base_url(event: dict[str, Any]) -> str:
    """The API's absolute base URL in the layout the client called."""
    configured = get_settings().public_base_url
    layout = routed_prefix(event)
    if configured is not None:
        return configured.rstrip("/") + (API_V3 if layout == API_V3 else "")
    scheme = (_header(event, "x-forwarded-proto") or "https").split(",")[0].strip().lower()
    if scheme not in _SCHEMES:
        scheme = "https"
    return f"{scheme}://{checked_host(event)}{base_path(event)}"


def site_url(event: dict[str, Any]) -> str:
    """The site's root (where the web pages are): the API's base URL without `/api/v3`."""
    return api_base_url(event).removesuffix(API_V3)
