"""Rendering pages: Jinja2 templates (autoescaped), and the headers every page carries, set here only.

`security_headers()` is the one definition of SPEC 9's page headers; `page_resolver.handle` applies it to
every answer of a page function (errors and redirects too), and `page()` to what it renders, with the
origins a form on that page may end up at (`form_targets`): browsers hold a form's navigation, redirects
included, to `form-action`, so a consent form whose answer redirects to the app's callback must name the
callback's origin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.shared.cookies import Cookie
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

HTML = "text/html; charset=utf-8"
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def origin(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL, as CSP writes a source; None otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def security_headers(form_targets: Iterable[str] = ()) -> dict[str, str]:
    sources = ["'self'", *sorted({o for o in (origin(t) for t in form_targets) if o})]
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"form-action {' '.join(sources)}; frame-ancestors 'none'; base-uri 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def page(
    status: int,
    template: str,
    context: Mapping[str, Any],
    *,
    cookies: list[Cookie] | None = None,
    form_targets: Iterable[str] = (),
    headers: Mapping[str, str] | None = None,
) -> Response[str]:
    body = environment().get_template(template).render(**context)
    return Response(
        status_code=status,
        content_type=HTML,
        body=body,
        headers={**security_headers(form_targets), **(headers or {})},
        cookies=cookies or [],
    )


def error_page(status: int, title: str, message: str, root: str, **headers: str) -> Response[str]:
    return page(status, "error.html", {"title": title, "message": message, "root": root}, headers=headers)


def redirect(location: str, cookies: list[Cookie] | None = None, status: int = 302) -> Response[str]:
    return Response(
        status_code=status,
        content_type=HTML,
        body="",
        headers={"Location": location, **security_headers()},
        cookies=cookies or [],
    )


ASSET_CACHE = "public, max-age=300"  # the pages' stylesheet and script: the same for everyone, five minutes


@lru_cache(maxsize=2)
def _static(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def asset(name: str, content_type: str) -> Response[str]:
    """One of the pages' static files (`static/style.css`, `static/copy.js`, the pages' only script: their CSP
    allows scripts from the site only), read once per process, cacheable by anyone for five minutes."""
    return Response(
        status_code=200, content_type=content_type, body=_static(name), headers={"Cache-Control": ASSET_CACHE}
    )
