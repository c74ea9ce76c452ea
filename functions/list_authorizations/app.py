"""GET /authorizations: the user's authorizations, a page at a time, optionally for one app (`client_id`)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import apidoc, http, views
from oauth_authz.models.api import AuthorizationOut
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.authorizations import authorization_service
from oauth_authz.settings import get_settings

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = http.api_resolver()


@app.get(
    "/authorizations",
    **apidoc.operation(
        "oauth-authorizations/list-authorizations",
        "List your authorizations",
        returns=AuthorizationOut,
        many=True,
        conditional=True,
        not_found=False,
    ),
)
def list_authorizations() -> Response[str]:
    found = authorization_service().list_authorizations(
        http.principal(app), client_id=http.query(app, "client_id")
    )
    page, headers = http.paginate(app, found)
    base = http.base_url(app)
    return http.json_response(200, [views.authorization(auth, base) for auth in page], headers)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.handle(app, event, context)
