"""apigw.gateway_responses: gateway responses rendered from the template's GatewayResponses."""

from __future__ import annotations

import json

from oauth_authz_local.apigw.gateway_responses import render_gateway_response
from oauth_authz_local.sam_model import GatewayResponse
from tests.support.apigw import request

CONFIGURED = {
    "UNAUTHORIZED": GatewayResponse(
        "UNAUTHORIZED",
        401,
        {
            "Content-Type": "'application/json; charset=utf-8'",
            "X-Req": "method.request.header.X-Trace",
            "X-No": "junk",
        },
        {"application/json": '{"message": "Requires authentication"}'},
    ),
    "ACCESS_DENIED": GatewayResponse(
        "ACCESS_DENIED",
        None,
        {},
        {"application/json": '{"who": "$context.authorizer.principalId", "m": "${context.error.message}"}'},
    ),
    "DEFAULT_4XX": GatewayResponse(
        "DEFAULT_4XX",
        None,
        {"X-Family": "'4xx'"},
        {
            "application/json": '{"message": $context.error.messageString, '
            '"type": "$context.error.responseType"}'
        },
    ),
    "DEFAULT_5XX": GatewayResponse(
        "DEFAULT_5XX",
        500,
        {},
        {"application/json": '{"message": "Server Error", "id": "$context.requestId"}'},
    ),
}


def test_own_gateway_response_with_static_and_request_headers() -> None:
    response = render_gateway_response(
        CONFIGURED, "UNAUTHORIZED", request=request(headers=[("X-Trace", "t-1")]), resource="/authorizations"
    )
    assert response.status == 401
    assert response.headers == [
        ("Content-Type", "application/json; charset=utf-8"),
        ("X-Req", "t-1"),
        ("x-amzn-ErrorType", "UnauthorizedException"),
    ]
    assert response.body == b'{"message": "Requires authentication"}'


def test_default_4xx_keeps_the_status_of_the_type() -> None:
    response = render_gateway_response(CONFIGURED, "MISSING_AUTHENTICATION_TOKEN", request=request())
    assert response.status == 403
    assert json.loads(response.body) == {
        "message": "Missing Authentication Token",
        "type": "MISSING_AUTHENTICATION_TOKEN",
    }
    assert ("X-Family", "4xx") in response.headers
    assert ("Content-Type", "application/json") in response.headers
    assert json.loads(render_gateway_response(CONFIGURED, "REQUEST_TOO_LARGE", message='say "hi"').body) == {
        "message": 'say "hi"',
        "type": "REQUEST_TOO_LARGE",
    }


def test_authorizer_context_in_templates() -> None:
    response = render_gateway_response(
        CONFIGURED,
        "ACCESS_DENIED",
        request=request(),
        message="User is not authorized to access this resource with an explicit deny",
        authorizer_context={"principalId": "user:9"},
    )
    assert response.status == 403
    assert json.loads(response.body) == {
        "who": "user:9",
        "m": "User is not authorized to access this resource with an explicit deny",
    }


def test_default_5xx_status_code_applies_to_every_5xx_without_its_own() -> None:
    response = render_gateway_response(CONFIGURED, "INTEGRATION_FAILURE", request=request(), status=502)
    assert response.status == 500
    assert json.loads(response.body) == {
        "message": "Server Error",
        "id": "11111111-2222-3333-4444-555555555555",
    }
    own = {**CONFIGURED, "INTEGRATION_FAILURE": GatewayResponse("INTEGRATION_FAILURE", 502, {}, {})}
    assert render_gateway_response(own, "INTEGRATION_FAILURE", status=502).status == 502


def test_api_gateway_defaults_without_configuration() -> None:
    unauthorized = render_gateway_response({}, "UNAUTHORIZED")
    assert (unauthorized.status, json.loads(unauthorized.body)) == (401, {"message": "Unauthorized"})
    failure = render_gateway_response({}, "AUTHORIZER_FAILURE")
    assert (failure.status, json.loads(failure.body)) == (500, {"message": None})
    integration = render_gateway_response({}, "INTEGRATION_FAILURE", status=502)
    assert (integration.status, json.loads(integration.body)) == (502, {"message": "Internal server error"})
    timeout = render_gateway_response({}, "INTEGRATION_TIMEOUT")
    assert (timeout.status, json.loads(timeout.body)) == (504, {"message": "Endpoint request timed out"})
