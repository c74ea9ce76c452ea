"""GET /applications/grants/{grant_id}: one of the user's grants (anyone else's is a 404)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import apidoc, clock, http, views
from oauth_authz.models.api import GrantOut
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.grants import grant_service
from oauth_authz.settings import get_settings

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = http.api_resolver()


@app.get(
    "/applications/grants/<grant_id>",
    **apidoc.operation(
        "oauth-authorizations/get-grant", "Get a single grant", returns=GrantOut, conditional=True
    ),
)
def get_grant(grant_id: str) -> Response[str]:
    grant = grant_service().get_grant(http.principal(app), http.path_id(grant_id))
    return http.json_response(200, views.grant(grant, http.base_url(app), clock.now()))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.handle(app, event, context)
