"""DELETE /applications/{client_id}/token: revoke one token given in the body, 204."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import apidoc, http
from oauth_authz.models.api import AccessTokenBody
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.app_tokens import app_token_service
from oauth_authz.settings import get_settings

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = http.api_resolver(principal="app", docs_url=http.APPS_DOCS)


@app.delete(
    "/applications/<client_id>/token",
    **apidoc.operation(
        "apps/delete-token", "Delete an app token", principal="app", ok=204, body=AccessTokenBody
    ),
)
def delete_token(client_id: str) -> Response[str]:
    access_token = http.body(app, AccessTokenBody).access_token
    app_token_service().revoke(http.principal(app), client_id, access_token)
    return http.no_content()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.handle(app, event, context)
