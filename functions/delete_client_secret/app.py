"""POST /settings/developers/{client_id}/secrets/{secret_id}/delete: without `confirm=1`, the confirmation
page (nothing changes; clients still using the secret would stop working, so the owner is asked first, as
GitHub asks); with it, the secret stops working at once and the browser goes back to the app's page. The app's
only secret is not deleted, at either step (the web flow needs one: generate another first); an unknown
secret id is not found."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.errors import NotFound
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.app_registry import LastSecret
from oauth_authz.service.developer_apps import AppChanged, developer_apps
from oauth_authz.settings import get_settings
from oauth_authz.web.developer_views import CHANGED, ONLY_ONE, app_page, secret_delete_confirmation
from oauth_authz.web.token_views import path_id

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/settings/developers/<client_id>/secrets/<secret_id>/delete")
def delete_client_secret(client_id: str, secret_id: str) -> Response[str]:
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    fields = web.form(app)
    web.require_csrf(session_id, fields)
    service = developer_apps()
    wanted = path_id(secret_id)
    if fields.get("confirm") != "1":
        session, oauth_app = service.get(session_id, client_id)
        secret = next((held for held in oauth_app.secrets if held.id == wanted), None)
        if secret is None:
            raise NotFound()
        if len(oauth_app.secrets) == 1:
            return app_page(app, session_id or "", session.login, oauth_app, error=ONLY_ONE, status=422)
        return secret_delete_confirmation(app, session_id or "", session.login, oauth_app, secret)
    try:
        service.delete_secret(session_id, client_id, wanted)
    except (LastSecret, AppChanged) as refused:
        session, now = service.get(session_id, client_id)
        status, why = (422, ONLY_ONE) if isinstance(refused, LastSecret) else (409, CHANGED)
        return app_page(app, session_id or "", session.login, now, error=why, status=status)
    metrics.add_metric(name="ClientSecretDeleted", unit="Count", value=1)
    return web.redirect(f"{web.site_root(app)}/settings/developers/{client_id}", status=303)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
