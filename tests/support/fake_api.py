"""A small API of its own for the local emulator's integration tests: a template and fake functions.

The fake authorizer decides by the Authorization header's value (allow, deny, boom, ...), so every path
of API Gateway's Lambda authorizer flow is reachable without the project's real handlers or a table.
`start_fake_api` serves it (a Gateway behind a GatewayServer); the fixture that holds it for the tests is
in tests/integration/local/conftest.py.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from oauth_authz_local.apigw.gateway import Gateway
from oauth_authz_local.http_server import GatewayServer
from oauth_authz_local.local_api import EnvironmentPatch
from oauth_authz_local.sam_model import load_template

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
            from oauth_authz.store.table import dynamodb_client

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


@contextmanager
def start_fake_api(root: Path) -> Iterator[FakeApi]:
    """The fake API in ``root`` (its template and functions written there), served until the block ends."""
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


def worker_exists(pid: int) -> bool:
    """True while the process exists, zombies included."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def get(api_url: str, path: str) -> requests.Response:
    return requests.get(api_url + path, headers={"Authorization": "allow"}, timeout=20)
