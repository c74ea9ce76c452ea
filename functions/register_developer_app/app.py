"""POST /settings/developers: register an OAuth app owned by the signed-in user; the answer is the app's page
with its client id and its first client secret, shown in this answer only. A refused form comes back (422)
with why, the values kept, and nothing made."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.errors import ValidationFailed
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.developer_apps import checked_fields, developer_apps
from oauth_authz.settings import get_settings
from oauth_authz.web.developer_views import app_page, checkboxes, new_app_page

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/settings/developers")
def register_developer_app() -> Response[str]:
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    fields = web.form(app)
    web.require_csrf(session_id, fields)
    service = developer_apps()
    try:
        checked = checked_fields(fields, *checkboxes(fields))
    except ValidationFailed as refused:
        session = service.session(session_id)
        return new_app_page(app, session_id or "", session.login, refused=refused, fields=fields, status=422)
    session, created = service.register(session_id, checked)
    metrics.add_metric(name="OAuthAppRegistered", unit="Count", value=1)
    return app_page(app, session_id or "", session.login, created.app, new_secret=created.client_secret)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
