"""Pages of results as GitHub gives them (`page`, `per_page`, a `Link` header of absolute URLs), and the
API's base URL those links and every resource URL start with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from oauth_authz.http.request import query
from oauth_authz.http.urls import api_base_url

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100

T = TypeVar("T")


def base_url(app: APIGatewayRestResolver) -> str:
    """The API's absolute base URL as the client called it, with any stage or base path (`http.urls`)."""
    return api_base_url(app.current_event.raw_event)


def _rendered_resource(event: dict[str, Any]) -> str:
    """The route's path with its parameters filled in, percent-encoded (a Link header's URL holds no `>`,
    `,` or `;` of its own)."""
    rendered = str(event.get("resource") or "")
    for name, value in (event.get("pathParameters") or {}).items():
        rendered = rendered.replace("{" + name + "}", quote(str(value), safe=""))
    return rendered


def _int_param(value: str | None, default: int) -> int:
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 9:
        return default
    return int(value)


def paginate(app: APIGatewayRestResolver, items: Sequence[T]) -> tuple[list[T], dict[str, str]]:
    """GitHub's page/per_page slicing and its Link header (next, last, first, prev), other params kept."""
    page = _int_param(query(app, "page"), 1) or 1
    per_page = min(_int_param(query(app, "per_page"), DEFAULT_PER_PAGE) or DEFAULT_PER_PAGE, MAX_PER_PAGE)
    last = max(1, -(-len(items) // per_page))
    chosen = list(items[(page - 1) * per_page : page * per_page])

    params = dict(app.current_event.query_string_parameters)
    url = base_url(app) + _rendered_resource(app.current_event.raw_event)

    def link(number: int, rel: str) -> str:
        return f'<{url}?{urlencode({**params, "page": str(number)})}>; rel="{rel}"'

    links = []
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links += [link(1, "first"), link(min(page - 1, last), "prev")]
    return chosen, ({"Link": ", ".join(links)} if links else {})
