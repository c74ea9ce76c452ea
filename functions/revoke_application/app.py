"""POST /settings/applications/{grant_id}/revoke: without `confirm=1`, the confirmation page (nothing
changes); with it, the grant and every token of its app go (SPEC 4) and the browser goes back to the list.
Another user's grant is not found."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import clock, web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.connected_apps import connected_apps
from oauth_authz.settings import get_settings
from oauth_authz.web.application_views import revoke_confirmation
from oauth_authz.web.token_views import path_id

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/settings/applications/<grant_id>/revoke")
def revoke_application(grant_id: str) -> Response[str]:
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    fields = web.form(app)
    web.require_csrf(session_id, fields)
    service = connected_apps()
    if fields.get("confirm") != "1":
        session, grant = service.get(session_id, path_id(grant_id))
        return revoke_confirmation(app, session_id or "", session.login, grant, grant.scopes(clock.now()))
    service.revoke(session_id, path_id(grant_id))
    metrics.add_metric(name="ApplicationRevoked", unit="Count", value=1)
    return web.redirect(f"{web.site_root(app)}/settings/applications", status=303)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
