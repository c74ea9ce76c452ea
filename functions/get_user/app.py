"""GET /user: the authenticated user (with a token, or with a password)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import apidoc, http, views
from oauth_authz.models.api import PrivateUserOut
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.users import user_service
from oauth_authz.settings import get_settings

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = http.api_resolver(principal="token", accepted_scopes=())


@app.get(
    "/user",
    **apidoc.operation(
        "users/get-authenticated",
        "Get the authenticated user",
        principal="token",
        returns=PrivateUserOut,
        conditional=True,
        not_found=False,
    ),
)
def get_user() -> Response[str]:
    user = user_service().me(http.principal(app))
    return http.json_response(200, views.private_user(user, http.base_url(app)))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.handle(app, event, context)
