"""The resolver of a page function, and `handle`, the entry point its Lambda handler answers through.

Pages have no API authentication (the session cookie is the service's business), answer errors as HTML
pages, and carry SPEC 9's headers on every answer, whatever produced it. They answer at the site's root
only: no `/api/v3` prefix is stripped, so a page under `/api/v3` is not found.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz.errors import NotFound, StoreUnavailable
from oauth_authz.http.pages import base_url
from oauth_authz.observability import log_fault
from oauth_authz.service.sessions import SignInRequired
from oauth_authz.web.forms import CsrfRefused
from oauth_authz.web.rendering import error_page, redirect, security_headers


def site_base(app: APIGatewayRestResolver) -> str:
    """The site's absolute URL as the browser called it (with a stage or base path), no trailing slash."""
    return base_url(app)


def site_root(app: APIGatewayRestResolver) -> str:
    """The path the site's pages live under (`""`, or `/Prod` on an execute-api URL)."""
    base = site_base(app)
    scheme_end = base.find("://") + 3
    slash = base.find("/", scheme_end)
    return "" if slash < 0 else base[slash:]


class PageResolver(APIGatewayRestResolver):
    """A page function's resolver. Pages are HTML for browsers, not operations of the REST API: the
    OpenAPI document leaves out every route a `PageResolver` serves (`oauth_authz_local.openapi`)."""


def resolver() -> PageResolver:
    app = PageResolver()

    def _csrf(_: CsrfRefused) -> Response[str]:
        return error_page(
            422,
            "Invalid authenticity token",
            "This form has expired or did not come from this site. Go back, reload the page and try again.",
            site_root(app),
        )

    def _unavailable(error: StoreUnavailable) -> Response[str]:
        return error_page(
            503,
            "Service unavailable",
            "The service is busy. Please try again in a moment.",
            site_root(app),
            **{"Retry-After": str(error.retry_after)},
        )

    def _sign_in(_: SignInRequired) -> Response[str]:
        """To the sign-in page, and back to this page after (a form's page, for a POST)."""
        path = app.current_event.path
        if app.current_event.http_method != "GET":
            path = "/".join(path.split("/")[:3])  # /settings/<page>
        return_to = site_root(app) + path
        return redirect(f"{site_root(app)}/login?{urlencode({'return_to': return_to})}", status=303)

    def _not_found(_: NotFoundError | NotFound) -> Response[str]:
        return error_page(404, "Page not found", "There is no page at this address.", site_root(app))

    def _internal(error: Exception) -> Response[str]:
        log_fault("unhandled error", error)
        return error_page(500, "Server error", "Something went wrong on our side.", "")

    app.exception_handler(CsrfRefused)(_csrf)
    app.exception_handler(StoreUnavailable)(_unavailable)
    app.exception_handler(SignInRequired)(_sign_in)
    app.exception_handler(NotFoundError)(_not_found)
    app.exception_handler(NotFound)(_not_found)
    app.exception_handler(Exception)(_internal)
    return app


def handle(app: APIGatewayRestResolver, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The page's answer, with SPEC 9's headers wherever the page did not set them itself. API Gateway merges
    `headers` into `multiValueHeaders` (where Powertools puts them when cookies are set): a header set in
    either is not added again (two CSPs would both be enforced: the stricter `form-action` would win)."""
    response = app.resolve(event, context)
    headers = response.get("headers") or {}
    response["headers"] = headers
    present = {name.lower() for name in headers} | {
        name.lower() for name in response.get("multiValueHeaders") or {}
    }
    for name, value in security_headers().items():
        if name.lower() not in present:
            headers[name] = value
    return response
