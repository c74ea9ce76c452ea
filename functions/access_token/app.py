"""POST /login/oauth/access_token: a web flow code, a device code or a refresh token for a token
(SPEC sections 9 and 10).

No Basic authorizer on this route: the client's credentials come in the parameters or as Basic auth and
the service checks them. Every answer is a 200 in the format `Accept` asks for (form, JSON or XML).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import apidoc
from oauth_authz.http import token_endpoint
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service import oauth_web_flow
from oauth_authz.settings import get_settings

_FIELDS = (
    "client_id",
    "client_secret",
    "code",
    "redirect_uri",
    "code_verifier",
    "grant_type",
    "device_code",
    "refresh_token",
)
_ANSWER = {
    "type": "object",
    "properties": {
        **{
            name: {"type": "string"}
            for name in ("access_token", "token_type", "scope", "refresh_token", "error", "error_description")
        },
        "error_uri": {"type": "string"},
        **{name: {"type": "integer"} for name in ("expires_in", "refresh_token_expires_in", "interval")},
    },
}
# Its OpenAPI operation (`make openapi`): no resolver here, the answer is not the REST API's JSON.
OPENAPI_OPERATION = apidoc.oauth_endpoint(
    "Exchange a web flow code, a device code or a refresh token for an access token",
    "oauth/access-token",
    "OAuth web application flow",
    _FIELDS,
    {"200": ("A token, or an error (`error`, `error_description`, `error_uri`), as Accept asks", _ANSWER)},
)

get_settings()  # validated at init: a bad environment fails the cold start, not a request


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return token_endpoint.respond(event, oauth_web_flow.exchange)
