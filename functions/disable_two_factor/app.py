"""POST /settings/security/two-factor/disable: two-factor off, confirmed with the password and a code (checked
as a sign-in checks them: the lockout, one-use codes)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.two_factor_settings import two_factor_settings
from oauth_authz.settings import get_settings
from oauth_authz.web.security_views import DISABLE_REFUSED, security_page

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/settings/security/two-factor/disable")
def disable_two_factor() -> Response[str]:
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    fields = web.form(app)
    web.require_csrf(session_id, fields)
    service = two_factor_settings()
    _, user = service.status(session_id)
    if not user.has_two_factor:
        return web.redirect(f"{web.site_root(app)}/settings/security", status=303)
    if not service.disable(user, fields.get("app_otp", ""), fields.get("password", "")):
        return security_page(app, session_id or "", user, error=DISABLE_REFUSED, status=422)
    metrics.add_metric(name="TwoFactorDisabled", unit="Count", value=1)
    return web.redirect(f"{web.site_root(app)}/settings/security", status=303)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
