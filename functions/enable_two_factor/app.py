"""POST /settings/security/two-factor: without a seed, the setup step (a new seed as a QR code and as text,
nothing stored); with the seed the setup form carries and its current code, two-factor is on. A wrong code
shows the same seed again."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.two_factor_settings import two_factor_settings
from oauth_authz.settings import get_settings
from oauth_authz.web.security_views import CODE_REFUSED, security_page

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/settings/security/two-factor")
def enable_two_factor() -> Response[str]:
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    fields = web.form(app)
    web.require_csrf(session_id, fields)
    service = two_factor_settings()
    _, user = service.status(session_id)
    if user.has_two_factor:  # on already: turning it off comes first
        return web.redirect(f"{web.site_root(app)}/settings/security", status=303)
    offered = service.offered(user.login, fields.get("sealed_seed", ""))
    if offered is None:
        return security_page(app, session_id or "", user, setup=service.setup(user.login))
    if not service.enable(user, offered, fields.get("app_otp", "")):
        return security_page(app, session_id or "", user, setup=offered, error=CODE_REFUSED, status=422)
    metrics.add_metric(name="TwoFactorEnabled", unit="Count", value=1)
    return web.redirect(f"{web.site_root(app)}/settings/security", status=303)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
