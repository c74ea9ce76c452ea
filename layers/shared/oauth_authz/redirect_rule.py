"""The web flow's redirect URIs (SPEC section 9): which callback URLs an app may register, and which
`redirect_uri` a client may ask for given the registered one.

GitHub's rule: same scheme, host and port as the callback, and a path equal to the callback's or below it.
A loopback callback (`127.0.0.1`, `[::1]`, `localhost`) matches any port, as native apps listen on whatever
port is free. Anything this module cannot read plainly is refused: a userinfo part (`https://evil@host`),
`..` or `.` segments, percent-encoded characters that would read differently decoded (`%2e`, `%2f`, `%5c`,
`%25`), backslashes, control characters, a fragment.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "[::1]", "localhost"})
MAX_URL = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}

# Characters that may appear in a URL as written (RFC 3986's unreserved, reserved and `%`): nothing else.
_URL_CHARACTERS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")
# Percent-encodings of characters that change how a path reads (`.`, `/`, `\`, `%` itself): refused in a path.
_TRICKY_ENCODING = re.compile(r"%(2e|2f|5c|25)", re.IGNORECASE)
_NOT_AN_ENCODING = re.compile(r"%(?![0-9a-f]{2})", re.IGNORECASE)
_HOST = re.compile(r"^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)*)$")


class BadUrl(ValueError):
    """Not a URL the web flow will ever redirect to."""


def _parts(url: str) -> SplitResult:
    """A URL split, when it is one this module can read plainly; BadUrl otherwise."""
    if not url or len(url) > MAX_URL or not _URL_CHARACTERS.match(url):
        raise BadUrl("not a plain absolute URL")
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.netloc or "@" in parts.netloc or parts.fragment:
        raise BadUrl("not an absolute http(s) URL without userinfo or fragment")
    if (
        "#" in url
        or _NOT_AN_ENCODING.search(url)
        or "%" in parts.netloc
        or _TRICKY_ENCODING.search(parts.path)
    ):
        raise BadUrl("an encoded character that reads differently decoded")
    host = (parts.hostname or "").lower()
    if parts.netloc.startswith("[") or ":" in host:
        host = f"[{host}]"
    if not _HOST.match(host):
        raise BadUrl("not a host name")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        raise BadUrl("not a port") from None
    if parts.netloc.endswith(":"):
        raise BadUrl("an empty port")
    segments = parts.path.split("/")
    if any(segment in {".", ".."} for segment in segments):
        raise BadUrl("a dot segment")
    return parts


def _host(parts: SplitResult) -> str:
    host = (parts.hostname or "").lower()
    return f"[{host}]" if ":" in host else host


def _port(parts: SplitResult) -> int:
    return parts.port if parts.port is not None else DEFAULT_PORTS[parts.scheme]


def checked_callback_url(url: str) -> str:
    """A callback URL an app may register (the admin CLI's check): ValueError when it may not."""
    _parts(url)
    return url


def redirect_allowed(callback_url: str, redirect_uri: str) -> bool:
    """Whether a client may ask for `redirect_uri` given the app's registered `callback_url`."""
    try:
        callback, given = _parts(callback_url), _parts(redirect_uri)
    except BadUrl:
        return False
    if given.scheme != callback.scheme or _host(given) != _host(callback):
        return False
    if _host(callback) not in LOOPBACK_HOSTS and _port(given) != _port(callback):
        return False
    return _path_within(callback.path or "/", given.path or "/")


def _path_within(base: str, path: str) -> bool:
    """`path` is `base` or below it, segment by segment (`/cb` covers `/cb/x`, never `/cbx`)."""
    if path == base:
        return True
    prefix = base if base.endswith("/") else base + "/"
    return path.startswith(prefix)
