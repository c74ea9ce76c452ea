"""PUT /authorizations/clients/{client_id}: the user's authorization for an app, created if missing.

200 with `token: ""` when it exists, 201 with the new token and `Location` when it was created.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import apidoc, http, views
from oauth_authz.models.api import AuthorizationOut, GetOrCreateBody
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.authorizations import authorization_service
from oauth_authz.settings import get_settings

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = http.api_resolver()


@app.put(
    "/authorizations/clients/<client_id>",
    **apidoc.operation(
        "oauth-authorizations/get-or-create-authorization-for-app",
        "Get-or-create an authorization for a specific app",
        returns=AuthorizationOut,
        body=GetOrCreateBody,
        get_or_create=True,
        not_found=False,
    ),
)
def get_or_create_for_app(client_id: str) -> Response[str]:
    body = http.body(app, GetOrCreateBody)
    auth, issued = authorization_service().get_or_create(
        http.principal(app), client_id, body.fingerprint, body
    )
    base = http.base_url(app)
    if issued is None:
        return http.json_response(200, views.authorization(auth, base))
    out = views.authorization(auth, base, token=issued.token)
    return http.created(out, location=out.url, metric="AuthorizationCreated")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.handle(app, event, context)
