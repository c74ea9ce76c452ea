"""POST /authorizations: a personal access token (note required), or a token for an app."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import apidoc, http, views
from oauth_authz.models.api import AuthorizationOut, CreateAuthorizationBody
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.authorizations import authorization_service
from oauth_authz.settings import get_settings

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = http.api_resolver()


@app.post(
    "/authorizations",
    **apidoc.operation(
        "oauth-authorizations/create-authorization",
        "Create a new authorization",
        ok=201,
        returns=AuthorizationOut,
        body=CreateAuthorizationBody,
        not_found=False,
    ),
)
def create_authorization() -> Response[str]:
    issued = authorization_service().create(http.principal(app), http.body(app, CreateAuthorizationBody))
    out = views.authorization(issued.authorization, http.base_url(app), token=issued.token)
    return http.created(out, location=out.url, metric="AuthorizationCreated")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.handle(app, event, context)
