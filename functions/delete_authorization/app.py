"""DELETE /authorizations/{authorization_id}: revoke the token and drop it from its grant, 204."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import apidoc, http
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.authorizations import authorization_service
from oauth_authz.settings import get_settings

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = http.api_resolver()


@app.delete(
    "/authorizations/<authorization_id>",
    **apidoc.operation("oauth-authorizations/delete-authorization", "Delete an authorization", ok=204),
)
def delete_authorization(authorization_id: str) -> Response[str]:
    authorization_service().delete(http.principal(app), http.path_id(authorization_id))
    return http.no_content()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.handle(app, event, context)
