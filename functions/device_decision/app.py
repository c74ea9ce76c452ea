"""POST /login/device/authorize: the consent form of the device flow (CSRF-checked): `authorize=1` approves
the request (the device's next poll gets its token) and says the device is connected; `authorize=0` denies
it (the device gets `access_denied`)."""

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
from oauth_authz.web.device_views import TOO_MANY, WRONG_CODE, code_page, done_page, sign_in_first, typed_code

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/login/device/authorize")
def device_decision() -> Response[str]:
    fields = web.form(app)
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    web.require_csrf(session_id, fields)
    current = sessions().current(session_id)
    if current is None or session_id is None:
        return sign_in_first(app)
    choice = fields.get("authorize")
    if choice not in ("0", "1"):
        return web.error_page(400, "Bad request", "Choose Authorize or Cancel.", web.site_root(app))
    decide = device_flow.approve if choice == "1" else device_flow.deny
    try:
        decide(typed_code(fields), current.user_id, current.login)
    except UserCodeRefused as refused:
        if refused.locked:
            return code_page(app, session_id, error=TOO_MANY, status=429)
        return code_page(app, session_id, error=WRONG_CODE, status=422)
    return done_page(app, connected=choice == "1")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
