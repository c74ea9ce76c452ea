"""POST /settings/developers/{client_id}/delete: without `confirm=1`, the confirmation page (nothing
changes); with it, the app is deleted with every token it was given (SPEC 4; `service/app_removal.py`) and
the browser goes back to the list. A concurrent change to the app: 409, the app kept."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.developer_apps import AppChanged, developer_apps
from oauth_authz.settings import get_settings
from oauth_authz.web.developer_views import CHANGED, app_page, delete_confirmation

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/settings/developers/<client_id>/delete")
def delete_developer_app(client_id: str) -> Response[str]:
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    fields = web.form(app)
    web.require_csrf(session_id, fields)
    service = developer_apps()
    if fields.get("confirm") != "1":
        session, oauth_app = service.get(session_id, client_id)
        return delete_confirmation(app, session_id or "", session.login, oauth_app)
    try:
        service.delete(session_id, client_id)
    except AppChanged:
        session, now = service.get(session_id, client_id)
        return app_page(app, session_id or "", session.login, now, error=CHANGED, status=409)
    metrics.add_metric(name="OAuthAppDeleted", unit="Count", value=1)
    return web.redirect(f"{web.site_root(app)}/settings/developers", status=303)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
