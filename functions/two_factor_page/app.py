"""GET /sessions/two-factor: the authentication code's page, for a browser whose password was accepted."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.sessions import sessions
from oauth_authz.settings import get_settings
from oauth_authz.web.sign_in_views import default_return_to, two_factor_page

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.get("/sessions/two-factor")
def two_factor() -> Response[str]:
    given = app.current_event.get_query_string_value("return_to")
    return_to = web.safe_return_to(given, default_return_to(app))
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    if session_id is None or sessions().pending(session_id) is None:
        return web.redirect(f"{web.site_root(app)}/login")
    return two_factor_page(app, session_id, return_to)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
