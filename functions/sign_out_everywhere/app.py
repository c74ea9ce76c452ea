"""POST /settings/security/sessions/sign-out: ends every session of the signed-in user, this browser's too
(CSRF-checked; no confirmation: it only signs out), clears the cookie and goes to the sign-in page."""

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


@app.post("/settings/security/sessions/sign-out")
def sign_out_everywhere() -> Response[str]:
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    web.require_csrf(session_id, web.form(app))
    ended = sessions().sign_out_everywhere(session_id)
    metrics.add_metric(name="SessionsSignedOut", unit="Count", value=ended)
    cleared = web.clear_cookie(web.SESSION_COOKIE, secure(app))
    return web.redirect(f"{web.site_root(app)}/login", [cleared], status=303)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
