"""PATCH /authorizations/{authorization_id}, and POST (older clients send it): scopes, note, URL."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import apidoc, http, views
from oauth_authz.models.api import AuthorizationOut, UpdateAuthorizationBody
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.authorizations import authorization_service
from oauth_authz.settings import get_settings

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = http.api_resolver()


@app.patch(
    "/authorizations/<authorization_id>",
    **apidoc.operation(
        "oauth-authorizations/update-authorization",
        "Update an existing authorization",
        returns=AuthorizationOut,
        body=UpdateAuthorizationBody,
    ),
)
@app.post(
    "/authorizations/<authorization_id>",
    **apidoc.operation(
        "oauth-authorizations/update-authorization-with-post",
        "Update an existing authorization (POST, as older clients send it)",
        returns=AuthorizationOut,
        body=UpdateAuthorizationBody,
        deprecated=True,
    ),
)
def update_authorization(authorization_id: str) -> Response[str]:
    auth_id = http.path_id(authorization_id)
    auth = authorization_service().update(
        http.principal(app), auth_id, http.body(app, UpdateAuthorizationBody)
    )
    return http.json_response(200, views.authorization(auth, http.base_url(app)))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.handle(app, event, context)
