"""POST /settings/tokens: a new personal access token, shown in this answer only (never stored, never shown
again); a refused form comes back with why, and nothing made."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.errors import ValidationFailed
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.personal_tokens import personal_tokens
from oauth_authz.settings import get_settings
from oauth_authz.web.token_views import SCOPES_FIELD, tokens_page

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.post("/settings/tokens")
def generate_token() -> Response[str]:
    session_id = web.cookie_value(app, web.SESSION_COOKIE)
    fields = web.form(app)
    web.require_csrf(session_id, fields)
    scopes = web.form_list(app, SCOPES_FIELD)
    service = personal_tokens()
    try:
        issued, listing = service.generate(
            session_id, fields.get("note", ""), scopes, fields.get("expiration", ""),
            fields.get("expiration_date", ""),
        )  # fmt: skip
    except ValidationFailed as refused:
        listing = service.listing(session_id)
        return tokens_page(
            app, session_id or "", listing, refused=refused, fields=fields, chosen=scopes, status=422
        )
    metrics.add_metric(name="PersonalTokenGenerated", unit="Count", value=1)
    return tokens_page(app, session_id or "", listing, issued=issued)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
