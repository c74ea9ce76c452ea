"""GET /user/emails: the authenticated user's email addresses (a token needs `user` or `user:email`)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import apidoc, http, views
from oauth_authz.models.api import EmailOut
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.users import user_service
from oauth_authz.settings import get_settings

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = http.api_resolver(principal="token", accepted_scopes=("user", "user:email"))


@app.get(
    "/user/emails",
    **apidoc.operation(
        "users/list-emails-for-authenticated-user",
        "List email addresses for the authenticated user",
        principal="token",
        returns=EmailOut,
        many=True,
        conditional=True,
    ),
)
def list_emails() -> Response[str]:
    user = user_service().me(http.principal(app))
    page, headers = http.paginate(app, views.emails(user))
    return http.json_response(200, page, headers)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.handle(app, event, context)
