"""GET /applications/grants: the OAuth apps holding tokens of the user, a page at a time (`client_id`)."""

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
    "/applications/grants",
    **apidoc.operation(
        "oauth-authorizations/list-grants",
        "List your grants",
        returns=GrantOut,
        many=True,
        conditional=True,
        not_found=False,
    ),
)
def list_grants() -> Response[str]:
    found = grant_service().list_grants(http.principal(app), client_id=http.query(app, "client_id"))
    page, headers = http.paginate(app, found)
    base, moment = http.base_url(app), clock.now()
    return http.json_response(200, [views.grant(grant, base, moment) for grant in page], headers)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.handle(app, event, context)
