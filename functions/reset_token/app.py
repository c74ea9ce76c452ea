"""PATCH /applications/{client_id}/token: reset a token given in the body; the old one dies at once."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import apidoc, http, views
from oauth_authz.models.api import AccessTokenBody, AuthorizationWithUserOut
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.app_tokens import app_token_service
from oauth_authz.settings import get_settings

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = http.api_resolver(principal="app", docs_url=http.APPS_DOCS)


@app.patch(
    "/applications/<client_id>/token",
    **apidoc.operation(
        "apps/reset-token",
        "Reset a token",
        principal="app",
        returns=AuthorizationWithUserOut,
        body=AccessTokenBody,
    ),
)
def reset_token(client_id: str) -> Response[str]:
    access_token = http.body(app, AccessTokenBody).access_token
    issued = app_token_service().reset(http.principal(app), client_id, access_token)
    out = views.authorization_with_user(issued.authorization, http.base_url(app), token=issued.token)
    return http.json_response(200, out)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.handle(app, event, context)
