"""POST /sessions/two-factor: the authentication code (`app_otp`): a new, signed-in session, then
`return_to`; the page again when the code is wrong or used already; 403 when the login is locked."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.sessions import Refused, sessions
from oauth_authz.settings import get_settings
from oauth_authz.web.sign_in_views import default_return_to, second_factor_refused, started

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/sessions/two-factor")
def verify_two_factor() -> Response[str]:
    fields = web.form(app)
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    web.require_csrf(session_id, fields)
    return_to = web.safe_return_to(fields.get("return_to"), default_return_to(app))
    outcome = sessions().two_factor(session_id, fields.get("app_otp", ""))
    if outcome is None or session_id is None:
        return web.redirect(f"{web.site_root(app)}/login", status=303)
    if isinstance(outcome, Refused):
        return second_factor_refused(app, outcome, session_id, return_to)
    return started(app, outcome, return_to)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
