"""POST /login/device: the code a user typed (field `user-code`, CSRF-checked). A code of a pending request:
the consent page for it; a wrong one: the code page again (50 wrong codes an hour per user)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service import device_flow
from oauth_authz.service.device_flow import UserCodeRefused
from oauth_authz.service.sessions import sessions
from oauth_authz.settings import get_settings
from oauth_authz.web.device_views import (
    TOO_MANY,
    WRONG_CODE,
    code_page,
    consent_page,
    sign_in_first,
    typed_code,
)

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/login/device")
def device_entry() -> Response[str]:
    fields = web.form(app)
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    web.require_csrf(session_id, fields)
    current = sessions().current(session_id)
    if current is None or session_id is None:
        return sign_in_first(app)
    try:
        pending = device_flow.lookup(typed_code(fields), current.user_id)
    except UserCodeRefused as refused:
        if refused.locked:
            return code_page(app, session_id, error=TOO_MANY, status=429)
        return code_page(app, session_id, error=WRONG_CODE, status=422)
    return consent_page(app, pending, current.login, session_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
