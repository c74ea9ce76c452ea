"""POST /login/device/code: a device asks for a device code and a user code (SPEC section 10).

No Basic authorizer on this route: a device has only its client_id. The answer is in the format `Accept`
asks for (form, JSON or XML): the codes with 200, an error (`device_flow_disabled`, ...) with 400.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import apidoc
from oauth_authz.http import token_endpoint
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service import device_flow
from oauth_authz.settings import get_settings

_CODES = {
    "type": "object",
    "properties": {
        "device_code": {"type": "string"},
        "user_code": {"type": "string", "pattern": "^[A-Z]{4}-[A-Z]{4}$"},
        "verification_uri": {"type": "string", "format": "uri"},
        "expires_in": {"type": "integer"},
        "interval": {"type": "integer"},
    },
}
_ERROR = {
    "type": "object",
    "properties": {n: {"type": "string"} for n in ("error", "error_description", "error_uri")},
}
# Its OpenAPI operation (`make openapi`): no resolver here, the answer is not the REST API's JSON.
OPENAPI_OPERATION = apidoc.oauth_endpoint(
    "Request a device code and a user code (device flow)",
    "oauth/device-code",
    "OAuth device flow",
    ("client_id", "scope"),
    {
        "200": ("The codes, as Accept asks", _CODES),
        "400": ("`device_flow_disabled` or `incorrect_client_credentials`, as Accept asks", _ERROR),
    },
)

get_settings()  # validated at init: a bad environment fails the cold start, not a request


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return token_endpoint.respond_device_code(event, device_flow.request_codes)
