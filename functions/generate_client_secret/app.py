"""POST /settings/developers/{client_id}/secrets: a new client secret, shown in this answer only (stored as
its SHA-256 and last eight characters); refused when the app has two already (as GitHub: delete one first)
or when the app changed meanwhile (409)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.app_registry import TooManySecrets
from oauth_authz.service.developer_apps import AppChanged, developer_apps
from oauth_authz.settings import get_settings
from oauth_authz.web.developer_views import CHANGED, TOO_MANY, app_page

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/settings/developers/<client_id>/secrets")
def generate_client_secret(client_id: str) -> Response[str]:
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    fields = web.form(app)
    web.require_csrf(session_id, fields)
    service = developer_apps()
    try:
        session, made = service.generate_secret(session_id, client_id)
    except (TooManySecrets, AppChanged) as refused:
        session, now = service.get(session_id, client_id)
        status, why = (422, TOO_MANY) if isinstance(refused, TooManySecrets) else (409, CHANGED)
        return app_page(app, session_id or "", session.login, now, error=why, status=status)
    metrics.add_metric(name="ClientSecretGenerated", unit="Count", value=1)
    return app_page(app, session_id or "", session.login, made.app, new_secret=made.text)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
