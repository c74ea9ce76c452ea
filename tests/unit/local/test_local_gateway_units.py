"""The pure parts of the API Gateway emulator: routing, policies, events, proxy answers, gateway responses."""

from __future__ import annotations

import base64
import json
import multiprocessing
import signal
from pathlib import Path

import pytest

from oauth_authz_local import gateway
from oauth_authz_local.gateway import (
    WORKER_PRELOAD,
    AuthorizerError,
    FunctionError,
    FunctionPool,
    HttpRequest,
    InvocationError,
    RouteTable,
    build_authorizer_event,
    build_proxy_event,
    evaluate_policy,
    method_arn,
    parse_authorizer_result,
    proxy_result_to_response,
    render_gateway_response,
    worker_context,
)
from oauth_authz_local.template import Authorizer, FunctionSpec, GatewayResponse, Route

SPEC = FunctionSpec("Fn", Path("/nowhere"), "app", "lambda_handler", 3, 128)


def route(method: str, path: str, logical_id: str = "Fn") -> Route:
    spec = FunctionSpec(logical_id, Path("/nowhere"), "app", "lambda_handler", 3, 128)
    return Route(method=method, path=path, function=spec, authorizer="Auth", event_id="E", api_id="Api")


TABLE = RouteTable(
    [
        route("GET", "/authorizations", "List"),
        route("POST", "/authorizations", "Create"),
        route("PUT", "/authorizations/clients/{client_id}", "ForApp"),
        route("PUT", "/authorizations/clients/{client_id}/{fingerprint}", "ForFingerprint"),
        route("GET", "/authorizations/{authorization_id}", "Get"),
        route("PATCH", "/authorizations/{authorization_id}", "Update"),
        route("GET", "/applications/grants/{grant_id}", "Grant"),
        route("DELETE", "/applications/{client_id}/token", "Revoke"),
        route("ANY", "/files/{path+}", "Files"),
        route("GET", "/", "Root"),
    ]
)


# ------------------------------------------------------------------------------------------ routing
@pytest.mark.parametrize(
    ("method", "path", "resource", "logical_id", "parameters"),
    [
        ("GET", "/authorizations", "/authorizations", "List", {}),
        ("GET", "/authorizations/", "/authorizations", "List", {}),
        ("POST", "/authorizations", "/authorizations", "Create", {}),
        (
            "GET",
            "/authorizations/42",
            "/authorizations/{authorization_id}",
            "Get",
            {"authorization_id": "42"},
        ),
        (
            "get",
            "/authorizations/42",
            "/authorizations/{authorization_id}",
            "Get",
            {"authorization_id": "42"},
        ),
        (
            "GET",
            "/authorizations/clients",
            "/authorizations/{authorization_id}",
            "Get",
            {"authorization_id": "clients"},
        ),
        (
            "PUT",
            "/authorizations/clients/abc",
            "/authorizations/clients/{client_id}",
            "ForApp",
            {"client_id": "abc"},
        ),
        (
            "PUT",
            "/authorizations/clients/abc/a%2Fb%20c",
            "/authorizations/clients/{client_id}/{fingerprint}",
            "ForFingerprint",
            {"client_id": "abc", "fingerprint": "a%2Fb%20c"},  # as sent, as API Gateway passes them
        ),
        (
            "GET",
            "/applications/grants/token",
            "/applications/grants/{grant_id}",
            "Grant",
            {"grant_id": "token"},
        ),
        (
            "DELETE",
            "/applications/c1/token",
            "/applications/{client_id}/token",
            "Revoke",
            {"client_id": "c1"},
        ),
        ("DELETE", "/files/a/b%20c/d", "/files/{path+}", "Files", {"path": "a/b%20c/d"}),
        ("GET", "/", "/", "Root", {}),
    ],
)
def test_route_matching(
    method: str, path: str, resource: str, logical_id: str, parameters: dict[str, str]
) -> None:
    match = TABLE.match(method, path)
    assert match is not None
    assert match.resource == resource
    assert match.route is not None
    assert match.route.logical_id == logical_id
    assert match.path_parameters == parameters


@pytest.mark.parametrize("path", ["/nope", "/authorizations/1/2", "/authorizations//", "/files", "/files/"])
def test_unknown_paths(path: str) -> None:
    assert TABLE.match("GET", path) is None


def test_known_path_without_the_method() -> None:
    match = TABLE.match("DELETE", "/authorizations")
    assert match is not None
    assert match.resource == "/authorizations"
    assert match.route is None
    # The most specific resource is chosen before the method: no fall back to another resource.
    fallback = TABLE.match("POST", "/applications/grants/token")
    assert fallback is not None
    assert fallback.resource == "/applications/grants/{grant_id}"
    assert fallback.route is None


# ------------------------------------------------------------------------------------------ policies
ARN = "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/authorizations/1"


def statement(effect: str, resource: object, action: object = "execute-api:Invoke") -> dict[str, object]:
    return {"Effect": effect, "Action": action, "Resource": resource}


@pytest.mark.parametrize(
    ("statements", "allowed"),
    [
        ([statement("Allow", ARN)], True),
        (statement("Allow", ARN), True),
        ([statement("Allow", [ARN.replace("/1", "/2"), ARN])], True),
        ([statement("Allow", "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/*")], True),
        ([statement("Allow", "arn:aws:execute-api:us-east-1:123456789012:local/*/*")], True),
        ([statement("Allow", "arn:aws:execute-api:*:*:*")], True),
        ([statement("Allow", "*")], True),
        (
            [
                statement(
                    "Allow", "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/authorizations/?"
                )
            ],
            True,
        ),
        ([statement("Allow", ARN, "execute-api:*")], True),
        ([statement("Allow", ARN, "EXECUTE-API:invoke")], True),
        ([statement("Allow", ARN, ["s3:GetObject", "execute-api:Invoke"])], True),
        ([statement("Allow", ARN, "s3:GetObject")], False),
        ([statement("Allow", "arn:aws:execute-api:us-east-1:123456789012:local/local/POST/*")], False),
        ([statement("Allow", ARN.upper())], False),
        ([statement("Allow", ARN), statement("Deny", ARN)], False),
        ([statement("Deny", ARN), statement("Allow", "*")], False),
        ([statement("Deny", ARN.replace("/1", "/2")), statement("Allow", "*")], True),
        ([statement("Deny", ARN)], False),
        ([{"Effect": "Allow", "Action": "execute-api:Invoke", "NotResource": ARN}], False),
        ([{"Effect": "Allow", "NotAction": "s3:*", "Resource": ARN}], True),
    ],
)
def test_policy_evaluation(statements: object, allowed: bool) -> None:
    assert evaluate_policy({"Version": "2012-10-17", "Statement": statements}, ARN) is allowed


@pytest.mark.parametrize(
    "policy",
    [
        {},
        {"Statement": []},
        {"Statement": ["Allow"]},
        {"Statement": [{"Effect": "allow", "Action": "execute-api:Invoke", "Resource": ARN}]},
        {"Statement": [{"Effect": "Allow", "Resource": ARN}]},
        {"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke"}]},
    ],
)
def test_malformed_policies(policy: dict[str, object]) -> None:
    with pytest.raises(AuthorizerError):
        evaluate_policy(policy, ARN)


def test_authorizer_result_context_becomes_strings() -> None:
    result = parse_authorizer_result(
        {
            "principalId": "user:1",
            "policyDocument": {"Statement": [statement("Allow", ARN)]},
            "context": {"login": "octocat", "user_id": 1, "ratio": 1.5, "admin": False, "otp": True},
        }
    )
    assert result.request_context() == {
        "principalId": "user:1",
        "login": "octocat",
        "user_id": "1",
        "ratio": "1.5",
        "admin": "false",
        "otp": "true",
    }


@pytest.mark.parametrize(
    "result",
    [
        None,
        "Allow",
        {"policyDocument": {"Statement": [statement("Allow", ARN)]}},
        {"principalId": "p"},
        {
            "principalId": "p",
            "policyDocument": {"Statement": [statement("Allow", ARN)]},
            "context": {"a": {"b": 1}},
        },
        {
            "principalId": "p",
            "policyDocument": {"Statement": [statement("Allow", ARN)]},
            "context": {"a": [1]},
        },
        {
            "principalId": "p",
            "policyDocument": {"Statement": [statement("Allow", ARN)]},
            "context": {"a": None},
        },
        {"principalId": "p", "policyDocument": {"Statement": [statement("Allow", ARN)]}, "context": "x"},
    ],
)
def test_malformed_authorizer_results(result: object) -> None:
    with pytest.raises(AuthorizerError):
        parse_authorizer_result(result)


# -------------------------------------------------------------------------------------------- events
def request(**overrides: object) -> HttpRequest:
    values: dict[str, object] = {
        "method": "GET",
        "path": "/authorizations/clients/abc/a%2Fb",
        "query": "page=2&per_page=5&page=3&empty=",
        "headers": [
            ("Host", "127.0.0.1:3000"),
            ("User-Agent", "curl/8"),
            ("Authorization", "Basic eDp5"),
            ("Accept", "a"),
            ("Accept", "b"),
        ],
        "body": b"",
        "source_ip": "127.0.0.9",
        "server_port": 3000,
        "request_id": "11111111-2222-3333-4444-555555555555",
        "received_at": 1732200000.25,
    }
    values.update(overrides)
    return HttpRequest(**values)  # type: ignore[arg-type]


def test_method_arn() -> None:
    assert method_arn("get", "/authorizations/1") == (
        "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/authorizations/1"
    )
    assert method_arn("GET", "/") == "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/"


def test_proxy_event_has_the_rest_shape() -> None:
    match = TABLE.match("PUT", "/authorizations/clients/abc/a%2Fb")
    assert match is not None
    event = build_proxy_event(
        request(method="PUT", body=b'{"a": 1}'), match, {"principalId": "user:1", "login": "x"}
    )
    context = event.pop("requestContext")
    assert event == {
        "resource": "/authorizations/clients/{client_id}/{fingerprint}",
        "path": "/authorizations/clients/abc/a%2Fb",
        "httpMethod": "PUT",
        "headers": {
            "Host": "127.0.0.1:3000",
            "User-Agent": "curl/8",
            "Authorization": "Basic eDp5",
            "Accept": "b",
        },
        "multiValueHeaders": {
            "Host": ["127.0.0.1:3000"],
            "User-Agent": ["curl/8"],
            "Authorization": ["Basic eDp5"],
            "Accept": ["a", "b"],
        },
        "queryStringParameters": {"page": "3", "per_page": "5", "empty": ""},
        "multiValueQueryStringParameters": {"page": ["2", "3"], "per_page": ["5"], "empty": [""]},
        "pathParameters": {"client_id": "abc", "fingerprint": "a%2Fb"},
        "stageVariables": None,
        "body": '{"a": 1}',
        "isBase64Encoded": False,
    }
    assert context["resourcePath"] == "/authorizations/clients/{client_id}/{fingerprint}"
    assert context["httpMethod"] == "PUT"
    assert context["path"] == "/authorizations/clients/abc/a%2Fb"  # as sent, like path
    assert context["stage"] == "local"
    assert context["apiId"] == "local"
    assert context["accountId"] == "123456789012"
    assert context["requestId"] == "11111111-2222-3333-4444-555555555555"
    assert context["requestTimeEpoch"] == 1732200000250
    assert context["requestTime"] == "21/Nov/2024:14:40:00 +0000"
    assert context["protocol"] == "HTTP/1.1"
    assert context["domainName"] == "127.0.0.1:3000"
    assert context["identity"]["sourceIp"] == "127.0.0.9"
    assert context["identity"]["userAgent"] == "curl/8"
    assert context["authorizer"] == {"principalId": "user:1", "login": "x"}
    assert isinstance(context["extendedRequestId"], str) and context["extendedRequestId"]


def test_proxy_event_without_query_body_or_parameters() -> None:
    match = TABLE.match("GET", "/authorizations")
    assert match is not None
    event = build_proxy_event(request(path="/authorizations", query="", headers=[]), match, None)
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["headers"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    assert "authorizer" not in event["requestContext"]


def test_a_body_that_is_not_utf8_goes_base64() -> None:
    match = TABLE.match("POST", "/authorizations")
    assert match is not None
    event = build_proxy_event(request(method="POST", path="/authorizations", body=b"\xff\x00ok"), match, None)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\x00ok"


def test_request_authorizer_event() -> None:
    match = TABLE.match("GET", "/authorizations/7")
    assert match is not None
    authorizer = Authorizer("Auth", SPEC, "REQUEST", ("Authorization",), (), 0)
    event = build_authorizer_event(request(path="/authorizations/7", query=""), match, authorizer)
    assert event["type"] == "REQUEST"
    assert event["methodArn"] == "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/authorizations/7"
    assert event["resource"] == "/authorizations/{authorization_id}"
    assert event["path"] == "/authorizations/7"
    assert event["httpMethod"] == "GET"
    assert event["headers"]["Authorization"] == "Basic eDp5"
    assert event["multiValueHeaders"]["Accept"] == ["a", "b"]
    assert event["queryStringParameters"] is None
    assert event["pathParameters"] == {"authorization_id": "7"}
    assert event["stageVariables"] is None
    assert event["requestContext"]["resourcePath"] == "/authorizations/{authorization_id}"
    assert "body" not in event


def test_token_authorizer_event() -> None:
    match = TABLE.match("GET", "/authorizations/7")
    assert match is not None
    authorizer = Authorizer("Auth", SPEC, "TOKEN", ("Authorization",), (), 300)
    assert build_authorizer_event(request(path="/authorizations/7"), match, authorizer) == {
        "type": "TOKEN",
        "authorizationToken": "Basic eDp5",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/authorizations/7",
    }


# ------------------------------------------------------------------------------------- proxy results
def test_proxy_result_to_response() -> None:
    status, headers, body = proxy_result_to_response(
        {
            "statusCode": 201,
            "headers": {"Location": "http://x/1", "X-Both": "single", "Content-Length": "999"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "X-Both": ["m1", "m2"]},
            "body": '{"id": 1}',
            "isBase64Encoded": False,
        }
    )
    assert status == 201
    assert headers == [
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("X-Both", "m1"),
        ("X-Both", "m2"),
        ("Location", "http://x/1"),
        ("Content-Type", "application/json"),
    ]
    assert body == b'{"id": 1}'


def test_proxy_result_base64_and_defaults() -> None:
    assert proxy_result_to_response({"statusCode": "204"}) == (
        204,
        [("Content-Type", "application/json")],
        b"",
    )
    status, headers, body = proxy_result_to_response(
        {
            "statusCode": 200,
            "headers": {"content-type": "image/png", "X-N": 5},
            "body": "AP8=",
            "isBase64Encoded": True,
        }
    )
    assert (status, headers, body) == (200, [("content-type", "image/png"), ("X-N", "5")], b"\x00\xff")


@pytest.mark.parametrize(
    "result",
    [
        None,
        "ok",
        [],
        {"statusCode": 200, "extra": 1},
        {"statusCode": "abc"},
        {"statusCode": 99},
        {"statusCode": True},
        {"statusCode": 200, "body": {"a": 1}},
        {"statusCode": 200, "headers": []},
        {"statusCode": 200, "headers": {"X": {"a": 1}}},
        {"statusCode": 200, "multiValueHeaders": {"X": "not a list"}},
        {"statusCode": 200, "headers": {"X": "a\r\nInjected: 1"}},
        {"statusCode": 200, "body": "!!!", "isBase64Encoded": True},
    ],
)
def test_malformed_proxy_results(result: object) -> None:
    with pytest.raises(InvocationError):
        proxy_result_to_response(result)


# --------------------------------------------------------------------------------- gateway responses
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


# ------------------------------------------------------------------------------------ worker processes
def test_workers_never_come_from_a_plain_fork() -> None:
    method = worker_context().get_start_method()
    assert method in ("forkserver", "spawn")
    if "forkserver" in multiprocessing.get_all_start_methods():
        assert method == "forkserver"


def test_the_preload_list_leaves_out_what_reads_powertools_settings_at_import() -> None:
    assert "oauth_authz.observability" not in WORKER_PRELOAD
    assert "oauth_authz.http" not in WORKER_PRELOAD
    assert "aws_lambda_powertools.event_handler" in WORKER_PRELOAD


def test_a_console_scripts_imports_are_preloaded(tmp_path: Path) -> None:
    wrapper = tmp_path / "runner"
    wrapper.write_text(
        '"""doc"""\nimport sys\nimport a.b, c\nfrom d.e import f\nfrom . import g\n'
        'if __name__ == "__main__":\n    sys.exit(f())\n'
    )
    assert gateway._script_imports(str(wrapper)) == ["sys", "a.b", "c", "d.e"]
    # any other script may do anything at its top level: nothing of it goes to the fork server
    script = tmp_path / "script.py"
    script.write_text("import sys\nimport c\nc.start_threads()\n")
    assert gateway._script_imports(str(script)) == []
    assert gateway._script_imports(str(tmp_path / "missing.py")) == []


def test_exit_status_reads_like_lambdas() -> None:
    assert gateway._exit_status(3) == "exit status 3"
    assert gateway._exit_status(-signal.SIGKILL) == "signal: SIGKILL"
    assert gateway._exit_status(-signal.SIGSEGV) == "signal: SIGSEGV"
    assert gateway._exit_status(None) == "still running"


def test_function_error_keeps_the_type_and_message_only() -> None:
    error = FunctionError("Exception", "Unauthorized")
    assert isinstance(error, InvocationError)
    assert (error.error_type, error.error_message, str(error)) == (
        "Exception",
        "Unauthorized",
        "Exception: Unauthorized",
    )


def test_a_workers_environment_is_the_shared_one_then_its_own() -> None:
    pool = FunctionPool(SPEC, {"OWN": "x", "SHARED": "mine"}, 2, {"SHARED": "all", "GONE": None})
    assert pool.worker_environment() == {"SHARED": "mine", "GONE": None, "OWN": "x"}
    assert pool.worker_pids() == []


def test_the_listen_backlog_takes_a_burst_of_clients() -> None:
    """socketserver's default backlog (5) reset connections when 50 clients connected at once."""
    assert gateway._HTTPServer.request_queue_size >= 64
