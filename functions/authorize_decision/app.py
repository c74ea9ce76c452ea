"""POST /login/oauth/authorize: the consent form (CSRF-checked): `authorize=1` redirects to the app with a
code and `state`, `authorize=0` with `error=access_denied`. The request is checked again as at GET."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.oauth_web_flow import approve, deny
from oauth_authz.service.sessions import sessions
from oauth_authz.settings import get_settings
from oauth_authz.web.consent_views import authorize_params, parsed_or_answer, sign_in_first

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/login/oauth/authorize")
def authorize_decision() -> Response[str]:
    fields = web.form(app)
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    web.require_csrf(session_id, fields)
    current, client = sessions().current_and_app(session_id, fields.get("client_id", ""))
    if current is None:
        return sign_in_first(app, fields)
    request = parsed_or_answer(app, authorize_params(fields), client)
    if isinstance(request, Response):
        return request
    choice = fields.get("authorize")
    if choice == "1":
        return web.redirect(approve(request, current.user_id, current.login))
    if choice == "0":
        return web.redirect(deny(request))
    return web.error_page(400, "Bad request", "Choose Authorize or Cancel.", web.site_root(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
