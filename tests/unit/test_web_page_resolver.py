"""web/page_resolver.py: a page function's resolver (HTML error pages) and `handle`, which puts SPEC 9's
headers on every answer, once."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from oauth_authz.errors import StoreUnavailable
from oauth_authz.web.cookies import SESSION_COOKIE, secret_cookie
from oauth_authz.web.forms import CsrfRefused
from oauth_authz.web.page_resolver import PageResolver, handle, resolver, site_root
from oauth_authz.web.rendering import HTML, security_headers
from tests.support.events import load_event
from tests.support.lambdas import FakeLambdaContext, to_result


def _app() -> PageResolver:
    app = resolver()

    @app.get("/login")
    def login() -> Response[str]:
        headers = security_headers(["https://app.example.com/cb"])  # a page's own CSP, as the consent page's
        return Response(
            200, HTML, "<p>ok</p>", headers=headers, cookies=[secret_cookie(SESSION_COOKIE, "v", True)]
        )

    @app.get("/logout")
    def refused() -> Response[str]:
        raise CsrfRefused()

    @app.get("/sessions/two-factor")
    def busy() -> Response[str]:
        raise StoreUnavailable(retry_after=3)

    @app.get("/login/assets/style.css")
    def broken() -> Response[str]:
        raise RuntimeError("a bug with a secret-looking gho_0123456789abcdef0123456789abcdef0123")

    return app


def _get(path: str) -> Any:
    event = load_event("login_page")
    event.update(path=path, resource=path, queryStringParameters=None, multiValueQueryStringParameters=None)
    event["requestContext"].update(resourcePath=path, path="/v1" + path)
    return to_result(handle(_app(), event, FakeLambdaContext(function_name="page")))


def test_the_headers_are_sent_once_even_beside_cookies() -> None:
    """Seen red with `handle` adding them to `headers` while the page's went to `multiValueHeaders`
    (API Gateway sends both: two CSPs)."""
    result = _get("/login")

    assert result.status == 200
    for name, value in security_headers(["https://app.example.com/cb"]).items():
        assert result.headers[name.lower()] == [value], name
    assert len(result.headers["set-cookie"]) == 1


def test_errors_are_html_pages_with_the_headers() -> None:
    csrf, busy, broken, missing = (
        _get("/logout"),
        _get("/sessions/two-factor"),
        _get("/login/assets/style.css"),
        _get("/nowhere"),
    )

    assert (csrf.status, busy.status, broken.status, missing.status) == (422, 503, 500, 404)
    assert "Invalid authenticity token" in csrf.body
    assert busy.header("Retry-After") == "3"
    assert "Traceback" not in broken.body and "gho_" not in broken.body
    for result in (csrf, busy, broken, missing):
        assert result.header("Content-Type") == HTML
        assert result.header("X-Frame-Options") == "DENY"


def test_the_site_root_keeps_the_stage() -> None:
    app = resolver()
    seen: list[str] = []

    @app.get("/login")
    def login() -> Response[str]:
        seen.append(site_root(app))
        return Response(200, HTML, "")

    handle(app, load_event("login_page"), FakeLambdaContext(function_name="page"))
    assert seen == ["/v1"]  # the events' execute-api stage
