"""GET /settings/tokens: the signed-in user's personal access tokens and the Generate form (SPEC 11)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.personal_tokens import personal_tokens
from oauth_authz.settings import get_settings
from oauth_authz.web.token_views import page_number, tokens_page

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.get("/settings/tokens")
def settings_tokens_page() -> Response[str]:
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    listing = personal_tokens().listing(session_id, page_number(app))
    return tokens_page(app, session_id or "", listing)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
