"""POST /logout: ends the browser's session (CSRF-checked) and clears its cookie."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.sessions import sessions
from oauth_authz.settings import get_settings
from oauth_authz.web.sign_in_views import secure

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/logout")
def sign_out() -> Response[str]:
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    web.require_csrf(session_id, web.form(app))
    sessions().sign_out(session_id)
    cleared = web.clear_cookie(web.SESSION_COOKIE, secure(app))
    return web.redirect(f"{web.site_root(app)}/logout", [cleared], status=303)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
