"""Forms: the urlencoded body of a page's POST, its CSRF check, and `return_to` kept inside the site."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qsl, urlsplit

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from oauth_authz.service.sessions import csrf_matches

MAX_FORM = 16 * 1024
MAX_FIELDS = 96  # the token form: its scopes, note, expiry and CSRF token
CSRF_FIELD = "authenticity_token"  # GitHub's name for it
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


class CsrfRefused(Exception):
    """A form without the CSRF token bound to the browser's cookie: nothing is changed."""


def _pairs(app: APIGatewayRestResolver) -> list[tuple[str, str]]:
    """The form's (name, value) pairs; anything that is not a readable form gives none."""
    event = app.current_event.raw_event
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except ValueError:  # not base64 (binascii.Error), not ASCII, or not UTF-8 (UnicodeDecodeError)
            return []
    if len(body) > MAX_FORM:
        return []
    try:
        return parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="replace")
    except ValueError:  # more fields than any of our forms has
        return []


def form(app: APIGatewayRestResolver) -> dict[str, str]:
    """The form's fields (the first value of each); anything that is not a readable form gives none."""
    fields: dict[str, str] = {}
    for name, value in _pairs(app):
        fields.setdefault(name, value)
    return fields


def form_list(app: APIGatewayRestResolver, name: str) -> list[str]:
    """Every value of a field the form may repeat (a group of checkboxes), in order."""
    return [value for field, value in _pairs(app) if field == name]


def require_csrf(cookie_secret: str | None, fields: dict[str, str]) -> None:
    if not csrf_matches(cookie_secret, fields.get(CSRF_FIELD)):
        raise CsrfRefused()


def safe_return_to(value: str | None, default: str = "/") -> str:
    """A path inside this site (`/...`, never `//host`, `/\\host`, a scheme, or a control character), or
    `default`: where the sign-in page may send the browser back to."""
    if not value or len(value) > 4096 or not value.startswith("/") or value.startswith("//"):
        return default
    if _UNSAFE.search(value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
