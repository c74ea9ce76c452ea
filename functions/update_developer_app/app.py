"""POST /settings/developers/{client_id}: change the app's name, URLs and flows (its secrets and tokens
stay); a refused form comes back (422) with why and the values kept; a concurrent change: 409, nothing
changed."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.errors import ValidationFailed
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.developer_apps import AppChanged, checked_fields, developer_apps
from oauth_authz.settings import get_settings
from oauth_authz.web.developer_views import CHANGED, app_page, checkboxes

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/settings/developers/<client_id>")
def update_developer_app(client_id: str) -> Response[str]:
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    fields = web.form(app)
    web.require_csrf(session_id, fields)
    service = developer_apps()
    try:
        checked = checked_fields(fields, *checkboxes(fields))
    except ValidationFailed as refused:
        session, oauth_app = service.get(session_id, client_id)  # another user's app: not found
        return app_page(
            app, session_id or "", session.login, oauth_app, refused=refused, fields=fields, status=422
        )
    try:
        session, changed = service.update(session_id, client_id, checked)
    except AppChanged:
        session, now = service.get(session_id, client_id)
        return app_page(app, session_id or "", session.login, now, error=CHANGED, status=409)
    metrics.add_metric(name="OAuthAppUpdated", unit="Count", value=1)
    return app_page(app, session_id or "", session.login, changed, notice="Application updated.")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
