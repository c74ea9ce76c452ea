"""GET /login/device: the page where a signed-in user types the code their device shows (SPEC section 10).
Not signed in: the sign-in page, then back here."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.sessions import sessions
from oauth_authz.settings import get_settings
from oauth_authz.web.device_views import code_page, sign_in_first

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.get("/login/device")
def device_page() -> Response[str]:
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    current = sessions().current(session_id)
    if current is None or session_id is None:
        return sign_in_first(app)
    return code_page(app, session_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
