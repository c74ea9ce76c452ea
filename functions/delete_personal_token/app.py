"""POST /settings/tokens/{token_id}/delete: without `confirm=1`, the confirmation page (nothing changes);
with it, the token is deleted and the browser goes back to the list. Another user's token, or an app's, is
not found."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.personal_tokens import personal_tokens
from oauth_authz.settings import get_settings
from oauth_authz.web.token_views import delete_confirmation, path_id

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/settings/tokens/<token_id>/delete")
def delete_personal_token(token_id: str) -> Response[str]:
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    fields = web.form(app)
    web.require_csrf(session_id, fields)
    service = personal_tokens()
    if fields.get("confirm") != "1":
        token = service.get(session_id, path_id(token_id))
        return delete_confirmation(app, session_id or "", token.login, token)
    service.delete(session_id, path_id(token_id))
    metrics.add_metric(name="PersonalTokenDeleted", unit="Count", value=1)
    return web.redirect(f"{web.site_root(app)}/settings/tokens", status=303)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
