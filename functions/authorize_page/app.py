"""GET /login/oauth/authorize: the web flow's first step. Not signed in: the sign-in page, then back here.
Signed in: the consent page, or, when the user's grant already covers the scopes, straight to the app with
a code. A bad request: the core's error redirect, or an error page (never a redirect to an unchecked URI)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.oauth_web_flow import approve, needs_consent
from oauth_authz.service.sessions import sessions
from oauth_authz.settings import get_settings
from oauth_authz.web.consent_views import consent_page, parsed_or_answer, sign_in_first

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.get("/login/oauth/authorize")
def authorize_page() -> Response[str]:
    params = {name: str(value) for name, value in (app.current_event.query_string_parameters or {}).items()}
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    current, client = sessions().current_and_app(session_id, params.get("client_id", ""))
    request = parsed_or_answer(app, params, client)
    if isinstance(request, Response):
        return request
    if current is None or session_id is None:
        return sign_in_first(app, params)
    if request.prompt != "select_account" and not needs_consent(request, current.user_id):
        return web.redirect(approve(request, current.user_id, current.login))
    return consent_page(app, request, params, current.login, session_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
