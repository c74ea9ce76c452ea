"""The API Gateway emulator over HTTP, on a small template of its own with fake functions.

The fake authorizer decides by the Authorization header's value (allow, deny, boom, ...), so every path
of API Gateway's Lambda authorizer flow is reachable without the project's real handlers or a table.
Every function instance is a worker process: the tests check that concurrent requests never share one,
and that timeouts, crashes and stopping the server leave no process behind.
"""

from __future__ import annotations

import base64
import logging
import os
import socket
import textwrap
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from oauth_authz_local.gateway import (
    MAX_BODY_BYTES,
    STOP_GRACE_SECONDS,
    FunctionPool,
    Gateway,
    GatewayServer,
    InvocationError,
    worker_context,
)
from oauth_authz_local.server import EnvironmentPatch
from oauth_authz_local.template import load_template

TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: test}
Globals:
  Function:
    Timeout: 5
    MemorySize: 256
    Handler: app.lambda_handler
    Environment:
      Variables:
        TABLE_NAME: !Ref Table
        GREETING: !Sub "hello-${Stage}"
        AUTH_CALLS_FILE: "%(calls)s"
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      KeySchema: [{AttributeName: PK, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: PK, AttributeType: S}]
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref Stage
      Auth:
        DefaultAuthorizer: Fake
        Authorizers:
          Fake:
            FunctionArn: !GetAtt AuthFunction.Arn
            FunctionPayloadType: REQUEST
            Identity: {Headers: [Authorization], ReauthorizeEvery: 0}
      GatewayResponses:
        MISSING_AUTHENTICATION_TOKEN:
          StatusCode: "404"
          ResponseParameters: {Headers: {Content-Type: "'application/json; charset=utf-8'"}}
          ResponseTemplates: {application/json: '{"message": "Not Found"}'}
        UNAUTHORIZED:
          StatusCode: "401"
          ResponseParameters:
            Headers: {Content-Type: "'application/json; charset=utf-8'", X-Hint: "'basic'"}
          ResponseTemplates: {application/json: '{"message": "Requires authentication"}'}
        ACCESS_DENIED:
          StatusCode: "403"
          ResponseTemplates:
            application/json: '{"message": "Forbidden", "principal": "$context.authorizer.principalId"}'
        AUTHORIZER_FAILURE:
          StatusCode: "500"
          ResponseTemplates: {application/json: '{"message": "Server Error"}'}
        REQUEST_TOO_LARGE:
          StatusCode: "413"
          ResponseTemplates: {application/json: '{"message": "Request body too large"}'}
        INTEGRATION_FAILURE:
          StatusCode: "502"
          ResponseTemplates: {application/json: '{"message": "Server Error"}'}
        INTEGRATION_TIMEOUT:
          StatusCode: "504"
          ResponseTemplates: {application/json: '{"message": "Timed out"}'}
        DEFAULT_5XX:
          StatusCode: "500"
          ResponseTemplates: {application/json: '{"message": "Server Error"}'}
  AuthFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fns/auth/}
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/echo/
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /echo, Method: get}}
        Post: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /echo, Method: post}}
        Item: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/items/{item_id}", Method: get}}
        Public:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /public, Method: get, Auth: {Authorizer: NONE}}
  SpecialFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/special/
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /items/special, Method: get}}
  BoomFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/boom/
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /boom, Method: get}}
  BadFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/bad/
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /bad, Method: get}}
  BrokenFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/broken/
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /broken, Method: get}}
  SlowFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/slow/
      Timeout: 1
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /slow, Method: get}}
  BusyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/busy/
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /busy, Method: get}}
  EnvFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/env/
      Environment:
        Variables:
          OWN: only-mine
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /env, Method: get}}
  PidFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/pid/
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /pid, Method: get}}
  CrashFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/crash/
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /crash, Method: get}}
  PreloadFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/preload/
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /preload, Method: get}}
"""

FUNCTIONS = {
    "auth": """
        import os

        def policy(effect, resource, context=None):
            answer = {
                "principalId": "user-1",
                "policyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
                },
            }
            if context is not None:
                answer["context"] = context
            return answer

        def lambda_handler(event, context):
            with open(os.environ["AUTH_CALLS_FILE"], "a") as calls:
                calls.write(event["type"] + " " + event["methodArn"] + "\\n")
            token = event["headers"].get("Authorization") or event["headers"].get("authorization")
            arn = event["methodArn"]
            if token == "allow":
                return policy("Allow", arn, {"login": "octocat", "n": 5, "flag": True})
            if token == "deny":
                return policy("Deny", arn)
            if token == "elsewhere":
                return policy("Allow", arn.rsplit("/", 1)[0] + "/other")
            if token == "wildcard":
                return policy("Allow", arn.split("/")[0] + "/*/GET/*")
            if token == "boom":
                raise RuntimeError("the authorizer crashed")
            if token == "unauthorized":
                raise Exception("Unauthorized")
            if token == "malformed":
                return {"principalId": "x"}
            if token == "nested":
                return policy("Allow", arn, {"a": {"b": 1}})
            return policy("Deny", arn)
    """,
    "echo": """
        import base64
        import json

        def lambda_handler(event, context):
            query = event.get("queryStringParameters") or {}
            if query.get("binary"):
                return {
                    "statusCode": 200,
                    "headers": {"Content-Type": "application/octet-stream"},
                    "body": base64.b64encode(b"\\x00\\xffbin").decode(),
                    "isBase64Encoded": True,
                }
            body = event.pop("body")
            return {
                "statusCode": int(query.get("status", 200)),
                "headers": {"Content-Type": "application/json", "X-Instance": __name__},
                "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
                "body": json.dumps(
                    {
                        "event": event,
                        "bodyLength": len(body or ""),
                        "bodyHead": (body or "")[:40],
                        "context": {
                            "function_name": context.function_name,
                            "memory_limit_in_mb": context.memory_limit_in_mb,
                            "invoked_function_arn": context.invoked_function_arn,
                            "aws_request_id": context.aws_request_id,
                            "log_group_name": context.log_group_name,
                            "remaining": context.get_remaining_time_in_millis(),
                        },
                    }
                ),
            }
    """,
    "special": """
        def lambda_handler(event, context):
            return {"statusCode": 200, "body": "special"}
    """,
    "boom": """
        def lambda_handler(event, context):
            raise ValueError("handler bug")
    """,
    "bad": """
        def lambda_handler(event, context):
            return {"statusCode": 200, "body": "x", "unexpected": True}
    """,
    "broken": """
        raise ImportError("a missing dependency")
    """,
    "slow": """
        import os
        import time

        def lambda_handler(event, context):
            query = event.get("queryStringParameters") or {}
            if query.get("fast") or query.get("sleep"):
                time.sleep(float(query.get("sleep", 0)))
                return {"statusCode": 200, "body": str(os.getpid())}
            time.sleep(2.5)
            return {"statusCode": 200, "body": "late"}
    """,
    "busy": """
        import os
        import time

        IN_USE = False

        def lambda_handler(event, context):
            global IN_USE
            if IN_USE:
                return {"statusCode": 500, "body": "one instance served two requests at once"}
            IN_USE = True
            try:
                time.sleep(0.2)
            finally:
                IN_USE = False
            return {"statusCode": 200, "body": str(os.getpid())}
    """,
    "pid": """
        import os
        import time

        def lambda_handler(event, context):
            time.sleep(float((event.get("queryStringParameters") or {}).get("sleep", 0)))
            return {"statusCode": 200, "body": str(os.getpid())}
    """,
    "crash": """
        import os
        import signal

        def lambda_handler(event, context):
            how = (event.get("queryStringParameters") or {}).get("how")
            if how == "exit":
                os._exit(3)
            if how == "segv":
                os.kill(os.getpid(), signal.SIGSEGV)
            if how == "sys-exit":
                raise SystemExit(1)
            return {"statusCode": 200, "body": str(os.getpid())}
    """,
    "preload": """
        import json
        import sys

        NAMES = (
            "aws_lambda_powertools.event_handler",
            "boto3",
            "pydantic",
            "oauth_authz.service.authorizations",
            "oauth_authz.observability",
            "oauth_authz.http",
        )
        AT_IMPORT = {name: name in sys.modules for name in NAMES}

        def lambda_handler(event, context):
            from oauth_authz.settings import get_settings
            from oauth_authz.store.client import dynamodb_client

            return {
                "statusCode": 200,
                "body": json.dumps(
                    {
                        "loaded": AT_IMPORT,
                        "settings": get_settings.cache_info().currsize,
                        "clients": dynamodb_client.cache_info().currsize,
                    }
                ),
            }
    """,
    "env": """
        import json
        import os

        NAMES = ("TABLE_NAME", "GREETING", "OWN")
        AT_IMPORT = {name: os.environ.get(name) for name in NAMES}

        def lambda_handler(event, context):
            at_call = {name: os.environ.get(name) for name in NAMES}
            return {"statusCode": 200, "body": json.dumps({"import": AT_IMPORT, "call": at_call})}
    """,
}


class FakeApi:
    def __init__(self, url: str, calls: Path, gateway: Gateway, root: Path) -> None:
        self.url = url
        self.calls = calls
        self.gateway = gateway
        self.root = root

    def authorizer_calls(self) -> list[str]:
        return self.calls.read_text().splitlines() if self.calls.exists() else []


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeApi]:
    root = tmp_path_factory.mktemp("fake-api")
    calls = root / "authorizer-calls.txt"
    (root / "template.yaml").write_text(TEMPLATE % {"calls": calls})
    for folder, source in FUNCTIONS.items():
        (root / "fns" / folder).mkdir(parents=True)
        (root / "fns" / folder / "app.py").write_text(textwrap.dedent(source))
    gateway = Gateway(load_template(root / "template.yaml"), table_name="fake-table", max_instances=4)
    environment = EnvironmentPatch()
    environment.apply(gateway.environment)
    server = GatewayServer(gateway)
    url = server.start()
    try:
        yield FakeApi(url, calls, gateway, root)
    finally:
        server.stop()
        environment.restore()


def test_allow_runs_the_function_with_the_rest_proxy_event(api: FakeApi) -> None:
    response = requests.get(
        f"{api.url}/items/a%20b?x=1&x=2&y=",
        headers={"Authorization": "allow", "X-Forwarded-For": "10.0.0.1"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Set-Cookie"] == "a=1, b=2"
    assert response.headers["x-amzn-RequestId"]
    answer = response.json()
    event = answer["event"]
    assert event["resource"] == "/items/{item_id}"
    assert event["path"] == "/items/a%20b"  # as sent, and so is the parameter (REST APIs do not decode it)
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"item_id": "a%20b"}
    assert event["queryStringParameters"] == {"x": "2", "y": ""}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    assert event["stageVariables"] is None
    assert event["isBase64Encoded"] is False
    assert answer["bodyLength"] == 0
    port = api.url.rsplit(":", 1)[1]
    headers = event["headers"]
    assert headers["Authorization"] == "allow"
    assert headers["Host"] == f"127.0.0.1:{port}"
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Forwarded-Port"] == port
    assert headers["X-Forwarded-For"] == "10.0.0.1, 127.0.0.1"
    assert headers["X-Amzn-Trace-Id"].startswith("Root=1-")
    assert event["multiValueHeaders"]["Authorization"] == ["allow"]
    context = event["requestContext"]
    assert context["authorizer"] == {"principalId": "user-1", "login": "octocat", "n": "5", "flag": "true"}
    assert context["resourcePath"] == "/items/{item_id}"
    assert context["path"] == "/items/a%20b"
    assert context["stage"] == "local"
    assert context["apiId"] == "local"
    assert context["httpMethod"] == "GET"
    assert context["requestId"] == response.headers["x-amzn-RequestId"]
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == response.request.headers["User-Agent"]
    assert context["domainName"] == f"127.0.0.1:{port}"
    assert context["protocol"] == "HTTP/1.1"
    assert answer["context"]["function_name"] == "EchoFunction"
    assert answer["context"]["memory_limit_in_mb"] == 256
    assert (
        answer["context"]["invoked_function_arn"]
        == "arn:aws:lambda:us-east-1:123456789012:function:EchoFunction"
    )
    assert answer["context"]["aws_request_id"] == context["requestId"]
    assert answer["context"]["log_group_name"] == "/aws/lambda/EchoFunction"
    assert 4000 < answer["context"]["remaining"] <= 5000
    assert api.authorizer_calls()[-1] == (
        "REQUEST arn:aws:execute-api:us-east-1:123456789012:local/local/GET/items/a%20b"
    )


def test_post_body_and_binary_bodies(api: FakeApi) -> None:
    text = requests.post(
        f"{api.url}/echo", data='{"note": "é"}'.encode(), headers={"Authorization": "allow"}, timeout=10
    )
    assert text.status_code == 200
    assert text.json()["bodyHead"] == '{"note": "é"}'
    assert text.json()["event"]["isBase64Encoded"] is False
    binary = requests.post(
        f"{api.url}/echo", data=b"\xff\xfe\x00", headers={"Authorization": "allow"}, timeout=10
    )
    assert binary.json()["event"]["isBase64Encoded"] is True
    assert binary.json()["bodyHead"] == base64.b64encode(b"\xff\xfe\x00").decode()
    out = requests.get(f"{api.url}/echo?binary=1", headers={"Authorization": "allow"}, timeout=10)
    assert out.status_code == 200
    assert out.content == b"\x00\xffbin"
    assert out.headers["Content-Type"] == "application/octet-stream"


def test_status_from_the_function(api: FakeApi) -> None:
    created = requests.get(f"{api.url}/echo?status=201", headers={"Authorization": "allow"}, timeout=10)
    assert created.status_code == 201
    empty = requests.get(f"{api.url}/echo?status=204", headers={"Authorization": "allow"}, timeout=10)
    assert empty.status_code == 204
    assert empty.content == b""


def test_no_authorization_header_is_unauthorized_without_calling_the_authorizer(api: FakeApi) -> None:
    before = len(api.authorizer_calls())
    for headers in ({}, {"Authorization": ""}):
        response = requests.get(f"{api.url}/echo", headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.json() == {"message": "Requires authentication"}
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert response.headers["X-Hint"] == "basic"
    assert len(api.authorizer_calls()) == before


@pytest.mark.parametrize(
    ("token", "status", "body"),
    [
        ("deny", 403, {"message": "Forbidden", "principal": "user-1"}),
        ("elsewhere", 403, {"message": "Forbidden", "principal": "user-1"}),
        ("boom", 500, {"message": "Server Error"}),
        ("malformed", 500, {"message": "Server Error"}),
        ("nested", 500, {"message": "Server Error"}),
        ("unauthorized", 401, {"message": "Requires authentication"}),
    ],
)
def test_authorizer_outcomes(api: FakeApi, token: str, status: int, body: dict[str, Any]) -> None:
    response = requests.get(f"{api.url}/echo", headers={"Authorization": token}, timeout=10)
    assert (response.status_code, response.json()) == (status, body)


def test_wildcard_policies(api: FakeApi) -> None:
    assert (
        requests.get(f"{api.url}/echo", headers={"Authorization": "wildcard"}, timeout=10).status_code == 200
    )
    assert (
        requests.post(f"{api.url}/echo", headers={"Authorization": "wildcard"}, timeout=10).status_code == 403
    )


def test_route_without_authorizer(api: FakeApi) -> None:
    response = requests.get(f"{api.url}/public", timeout=10)
    assert response.status_code == 200
    assert "authorizer" not in response.json()["event"]["requestContext"]


def test_static_segments_beat_parameters(api: FakeApi) -> None:
    response = requests.get(f"{api.url}/items/special", headers={"Authorization": "allow"}, timeout=10)
    assert (response.status_code, response.text) == (200, "special")


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/nope"), ("DELETE", "/echo"), ("GET", "/items"), ("PUT", "/")]
)
def test_unknown_route_or_method_is_the_missing_token_response(api: FakeApi, method: str, path: str) -> None:
    response = requests.request(method, api.url + path, headers={"Authorization": "allow"}, timeout=10)
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_request_too_large(api: FakeApi) -> None:
    response = requests.post(
        f"{api.url}/echo", data=b"x" * (MAX_BODY_BYTES + 1), headers={"Authorization": "allow"}, timeout=30
    )
    assert response.status_code == 413
    assert response.json() == {"message": "Request body too large"}
    at_limit = requests.post(
        f"{api.url}/echo", data=b"x" * MAX_BODY_BYTES, headers={"Authorization": "allow"}, timeout=30
    )
    assert at_limit.status_code == 200
    assert at_limit.json()["bodyLength"] == MAX_BODY_BYTES


@pytest.mark.parametrize("path", ["/boom", "/bad", "/broken"])
def test_function_failures_are_502_in_the_templates_shape(api: FakeApi, path: str) -> None:
    response = requests.get(api.url + path, headers={"Authorization": "allow"}, timeout=10)
    assert response.status_code == 502
    assert response.json() == {"message": "Server Error"}


def test_function_timeout_is_504(api: FakeApi) -> None:
    started = time.monotonic()
    response = requests.get(f"{api.url}/slow", headers={"Authorization": "allow"}, timeout=10)
    assert response.status_code == 504
    assert response.json() == {"message": "Timed out"}
    assert time.monotonic() - started < 2.0


def test_concurrent_requests_get_their_own_module_instances(api: FakeApi) -> None:
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def call() -> None:
        response = requests.get(f"{api.url}/busy", headers={"Authorization": "allow"}, timeout=20)
        with lock:
            results.append((response.status_code, response.text))

    threads = [threading.Thread(target=call) for _ in range(12)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert [status for status, _ in results] == [200] * 12
    instances = {int(text) for _, text in results}
    assert 2 <= len(instances) <= 4  # max_instances=4 in this fixture
    assert os.getpid() not in instances
    assert elapsed < 12 * 0.2  # not one after the other


def test_environment_from_the_template(api: FakeApi) -> None:
    response = requests.get(f"{api.url}/env", headers={"Authorization": "allow"}, timeout=10)
    # Fixed when the instance starts, as on Lambda: the function's own variables included.
    everything = {"TABLE_NAME": "fake-table", "GREETING": "hello-test", "OWN": "only-mine"}
    assert response.json() == {"import": everything, "call": everything}


def worker_exists(pid: int) -> bool:
    """True while the process exists, zombies included."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def get(api_url: str, path: str) -> requests.Response:
    return requests.get(api_url + path, headers={"Authorization": "allow"}, timeout=20)


def test_two_concurrent_requests_run_in_two_worker_processes(api: FakeApi) -> None:
    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(lambda _: get(api.url, "/pid?sleep=1"), range(2)))
    assert [response.status_code for response in responses] == [200, 200]
    pids = {int(response.text) for response in responses}
    assert len(pids) == 2
    assert os.getpid() not in pids
    assert pids <= set(api.gateway.worker_pids()["PidFunction"])
    # and warm instances are reused
    assert int(get(api.url, "/pid").text) in pids


def test_the_authorizer_runs_in_worker_processes_too(api: FakeApi) -> None:
    assert get(api.url, "/public").status_code == 200
    assert get(api.url, "/echo").status_code == 200
    authorizers = api.gateway.worker_pids()["AuthFunction"]
    assert authorizers
    assert os.getpid() not in authorizers


def test_a_timeout_kills_the_worker_and_the_next_request_works(api: FakeApi) -> None:
    warm = get(api.url, "/slow?fast=1")
    assert warm.status_code == 200
    pid = int(warm.text)
    assert api.gateway.worker_pids()["SlowFunction"] == [pid]
    started = time.monotonic()
    timed_out = get(api.url, "/slow")
    assert timed_out.status_code == 504
    assert time.monotonic() - started < 2.0
    assert not worker_exists(pid)
    assert api.gateway.worker_pids()["SlowFunction"] == []
    again = get(api.url, "/slow?fast=1")
    assert again.status_code == 200
    assert int(again.text) != pid


@pytest.mark.parametrize(
    ("how", "status"), [("exit", "exit status 3"), ("segv", "signal: SIGSEGV"), ("sys-exit", "exit status 1")]
)
def test_a_crashing_worker_is_a_502_and_is_replaced(
    api: FakeApi, caplog: pytest.LogCaptureFixture, how: str, status: str
) -> None:
    warm = get(api.url, "/crash")
    assert warm.status_code == 200
    pid = int(warm.text)
    with caplog.at_level(logging.ERROR, logger="oauth_authz_local.gateway"):
        crashed = get(api.url, f"/crash?how={how}")
    assert crashed.status_code == 502
    assert crashed.json() == {"message": "Server Error"}
    assert any(
        f"CrashFunction: Runtime exited with error: {status}" in record.getMessage()
        for record in caplog.records
    )
    assert not worker_exists(pid)
    again = get(api.url, "/crash")
    assert again.status_code == 200
    assert int(again.text) != pid
    assert get(api.url, "/public").status_code == 200


def test_workers_start_from_the_preloaded_modules_with_empty_caches(api: FakeApi) -> None:
    response = get(api.url, "/preload")
    assert response.status_code == 200
    answer = response.json()
    # The layer's caches are filled by invocations only: the fork server created no client, read no settings.
    assert (answer["settings"], answer["clients"]) == (0, 0)
    # Logger, Tracer and Metrics are built in the worker, from its own POWERTOOLS_* variables.
    assert answer["loaded"]["oauth_authz.observability"] is False
    assert answer["loaded"]["oauth_authz.http"] is False
    if worker_context().get_start_method() == "forkserver":
        assert answer["loaded"]["aws_lambda_powertools.event_handler"] is True
        assert answer["loaded"]["boto3"] is True
        assert answer["loaded"]["oauth_authz.service.authorizations"] is True


def test_stopping_the_server_leaves_no_worker(api: FakeApi) -> None:
    gateway = Gateway(load_template(api.root / "template.yaml"), table_name="fake-table", max_instances=4)
    server = GatewayServer(gateway)
    url = server.start()
    in_flight: list[int] = []
    try:
        with ThreadPoolExecutor(3) as pool:
            statuses = [r.status_code for r in pool.map(lambda _: get(url, "/pid?sleep=0.3"), range(3))]
        assert statuses == [200, 200, 200]
        assert get(url, "/echo").status_code == 200
        # one request still running when the server stops: its worker is killed after the grace period
        busy = threading.Thread(target=lambda: in_flight.append(get(url, "/pid?sleep=30").status_code))
        busy.start()
        time.sleep(0.5)
        pids = [pid for found in gateway.worker_pids().values() for pid in found]
        assert len(pids) >= 5  # 3 PidFunction (one of them busy), EchoFunction, AuthFunction
    finally:
        started = time.monotonic()
        server.stop()
        stopped_in = time.monotonic() - started
    busy.join(timeout=10)
    assert in_flight == [502]
    assert stopped_in < STOP_GRACE_SECONDS + 2
    assert all(found == [] for found in gateway.worker_pids().values())
    assert [pid for pid in pids if worker_exists(pid)] == []
    # a stopped gateway starts no new worker
    with pytest.raises(InvocationError):
        gateway.pools["PidFunction"].invoke({}, "after-stop", 1)


def raw_exchange(url: str, request: bytes) -> bytes:
    """Send raw bytes, read the answer until the server closes the connection."""
    host, port = url.removeprefix("http://").split(":")
    answer = b""
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(request)
        while chunk := raw.recv(4096):
            answer += chunk
    return answer


def test_malformed_http_gets_an_answer_and_the_server_keeps_serving(api: FakeApi) -> None:
    answer = raw_exchange(api.url, b"NOT A REQUEST\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    assert answer.endswith(b'\r\n\r\n{"message":"Bad Request"}')  # API Gateway's default template
    answer = raw_exchange(
        api.url, b"POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: allow\r\nContent-Length: abc\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 400")
    assert answer.endswith(b'\r\n\r\n{"message":"Bad Request"}')  # API Gateway's default template
    assert requests.get(f"{api.url}/public", timeout=10).status_code == 200


def test_keep_alive_connections_serve_several_requests(api: FakeApi) -> None:
    with requests.Session() as session:
        statuses = [session.get(f"{api.url}/public", timeout=10).status_code for _ in range(3)]
        statuses.append(session.get(f"{api.url}/nope", timeout=10).status_code)
        statuses.append(session.get(f"{api.url}/public", timeout=10).status_code)
    assert statuses == [200, 200, 200, 404, 200]


def test_access_log_names_the_resource_never_the_path_or_query(
    api: FakeApi, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="oauth_authz_local.access"):
        requests.get(
            f"{api.url}/items/secret-token-1?q=secret-2", headers={"Authorization": "allow"}, timeout=10
        )
        requests.get(f"{api.url}/unknown/secret-token-3", timeout=10)
    lines = [record.getMessage() for record in caplog.records if record.name == "oauth_authz_local.access"]
    assert len(lines) == 2
    assert " GET /items/{item_id} 200 " in lines[0]
    assert " GET - 404 " in lines[1]
    assert not any("secret" in line or "allow" in line for line in lines)


def test_head_has_no_body(api: FakeApi) -> None:
    response = requests.head(f"{api.url}/nope", timeout=10)
    assert response.status_code == 404
    assert response.content == b""


def test_no_log_record_holds_a_credential(api: FakeApi, caplog: pytest.LogCaptureFixture) -> None:
    secret = "secret-credential-0123456789"
    with caplog.at_level(logging.DEBUG):
        requests.get(f"{api.url}/echo?token={secret}", headers={"Authorization": secret}, timeout=10)
        requests.get(f"{api.url}/boom/{secret}", headers={"Authorization": secret}, timeout=10)
        requests.get(f"{api.url}/items/{secret}", headers={"Authorization": "boom"}, timeout=10)
        requests.get(f"{api.url}/boom", headers={"Authorization": "allow", "X-Secret": secret}, timeout=10)
    assert len([record for record in caplog.records if record.name == "oauth_authz_local.access"]) == 4
    server_side = [
        record for record in caplog.records if not record.name.startswith("urllib3")
    ]  # the client's own
    formatter = logging.Formatter()
    assert all(secret not in formatter.format(record) for record in server_side)


def test_waiting_for_a_free_instance_is_not_the_functions_time(api: FakeApi) -> None:
    # SlowFunction's Timeout is 1 s; with one instance the third request waits ~1.2 s for it.
    pool = FunctionPool(api.gateway.pools["SlowFunction"].spec, max_instances=1)
    event = {"queryStringParameters": {"sleep": "0.6"}}
    try:
        with ThreadPoolExecutor(3) as threads:
            answers = list(threads.map(lambda n: pool.invoke(event, f"queued-{n}"), range(3)))
        assert [answer["statusCode"] for answer in answers] == [200, 200, 200]
        assert len({answer["body"] for answer in answers}) == 1  # one instance, reused
        assert len(pool.worker_pids()) == 1
    finally:
        pool.close()
    assert pool.worker_pids() == []
