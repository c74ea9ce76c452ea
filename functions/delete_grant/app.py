"""DELETE /applications/grants/{grant_id}: the grant and every token of that app for the user, 204."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import apidoc, http
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.grants import grant_service
from oauth_authz.settings import get_settings

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = http.api_resolver()


@app.delete(
    "/applications/grants/<grant_id>",
    **apidoc.operation("oauth-authorizations/delete-grant", "Delete a grant", ok=204),
)
def delete_grant(grant_id: str) -> Response[str]:
    grant_service().delete_grant(http.principal(app), http.path_id(grant_id))
    return http.no_content()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.handle(app, event, context)
