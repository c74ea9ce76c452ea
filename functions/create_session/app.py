"""POST /session: the sign-in form (`login`, `password`): a new session, then the two-factor page for a
two-factor user, or `return_to`; the page again with GitHub's message when refused."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.sessions import Refused, sessions
from oauth_authz.settings import get_settings
from oauth_authz.web.sign_in_views import default_return_to, refused_page, started

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/session")
def create_session() -> Response[str]:
    fields = web.form(app)
    web.require_csrf(web.cookie_value(app, web.PRESESSION_COOKIE), fields)
    return_to = web.safe_return_to(fields.get("return_to"), default_return_to(app))
    login = fields.get("login", "")
    previous = web.cookie_value(app, web.SESSION_COOKIE)
    outcome = sessions().sign_in(login, fields.get("password", ""), previous)
    if isinstance(outcome, Refused):
        return refused_page(app, outcome, return_to, login)
    return started(app, outcome, return_to)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
