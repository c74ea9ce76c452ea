"""GET /settings/developers: the OAuth apps the signed-in user owns, 30 a page, and the link to register one
(SPEC 11)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.developer_apps import developer_apps
from oauth_authz.settings import get_settings
from oauth_authz.web.developer_views import developers_page
from oauth_authz.web.token_views import page_number

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.get("/settings/developers")
def settings_developers_page() -> Response[str]:
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    listing = developer_apps().listing(session_id, page_number(app))
    return developers_page(app, session_id or "", listing)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
