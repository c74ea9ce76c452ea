"""The web pages: rendering (Jinja2 templates with autoescaping), the security headers of every page (one
place: `rendering.page_headers`), cookies, forms and their CSRF tokens, and the pages' resolver.

- `page_resolver`: `resolver()` for a page function (no API authentication, HTML error pages), `handle`
- `rendering`: `page()`, `redirect()`, the headers every page carries
- `cookies`: the session and pre-session cookies, read and set
- `forms`: the form body of a POST, its CSRF check, `return_to` kept inside the site
"""

from oauth_authz.web.cookies import (
    PRESESSION_COOKIE,
    SESSION_COOKIE,
    clear_cookie,
    cookie_value,
    secret_cookie,
)
from oauth_authz.web.forms import (
    CsrfRefused,
    form,
    form_list,
    require_csrf,
    safe_return_to,
)
from oauth_authz.web.page_resolver import handle, resolver, site_base, site_root
from oauth_authz.web.rendering import error_page, page, redirect

__all__ = [
    "PRESESSION_COOKIE",
    "SESSION_COOKIE",
    "CsrfRefused",
    "clear_cookie",
    "cookie_value",
    "error_page",
    "form",
    "form_list",
    "handle",
    "page",
    "redirect",
    "require_csrf",
    "resolver",
    "safe_return_to",
    "secret_cookie",
    "site_base",
    "site_root",
]
