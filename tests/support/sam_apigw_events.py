"""Run by aws-sam-cli's own interpreter: the REST proxy and REQUEST-authorizer events that SAM CLI's local API
Gateway (`sam local start-api`, `samcli.local.apigw`) builds for the HTTP requests read as JSON from stdin.

    <sam tool python> tests/support/sam_apigw_events.py < requests.json

Each request is sent over a socket to SAM's own Flask app (`LocalApigwService.create()`) behind werkzeug's
development server, the server `sam local start-api` runs, so the events come from SAM's whole request path
(werkzeug's WSGI environ, Flask's request, `event_constructor.construct_v1_event`, the authorizer event of
`LocalApigwService`), not from a request object built by hand. The functions are fakes that record their
event: the authorizer Allows with the principal and context the request asks for, the route function answers
200.

A request: {"method", "path" (as on the request line, percent-encoded), "query", "headers" ([name, value]
pairs, repeats allowed, sent as given: add Host and Content-Length yourself), "body" (base64), "resource"
(e.g. /items/{item_id}), "stage", "authorizer" (null, or {"identity_source": "method.request.header.X",
"principal_id", "context"})}. For each, printed: {"status", "port", "proxy" (event or null), "authorizer"
(event or null)}: null when SAM never invoked that function.
"""

from __future__ import annotations

import base64
import http.client
import json
import sys
import threading
from typing import Any

from samcli.lib.providers.provider import Api
from samcli.lib.telemetry.event import EventTracker
from samcli.local.apigw.authorizers.lambda_authorizer import LambdaAuthorizer
from samcli.local.apigw.local_apigw_service import LocalApigwService
from samcli.local.apigw.route import Route
from werkzeug.serving import make_server

AUTHORIZER_FUNCTION = "AuthorizerFunction"
ROUTE_FUNCTION = "RouteFunction"


class _RecordingRunner:
    """Stands in for SAM's LocalLambdaRunner (which runs functions in Docker): keeps the events it gets."""

    def __init__(self, authorizer_answer: dict[str, Any] | None) -> None:
        self.authorizer_answer = authorizer_answer
        self.events: dict[str, dict[str, Any]] = {}

    def is_debugging(self) -> bool:
        return False

    def invoke(self, function_name: str, event: str, stdout: Any, stderr: Any, tenant_id: Any = None) -> None:
        self.events[function_name] = json.loads(event)
        if function_name == AUTHORIZER_FUNCTION:
            answer: dict[str, Any] = self.authorizer_answer or {}
        else:
            answer = {"statusCode": 200, "body": "ok"}
        stdout.write_str(json.dumps(answer))


def _authorizer(spec: dict[str, Any]) -> tuple[LambdaAuthorizer, dict[str, Any]]:
    authorizer = LambdaAuthorizer(
        authorizer_name="Authorizer",
        type=LambdaAuthorizer.REQUEST,
        lambda_name=AUTHORIZER_FUNCTION,
        identity_sources=[spec["identity_source"]],
        payload_version=LambdaAuthorizer.PAYLOAD_V1,
    )
    answer = {
        "principalId": spec["principal_id"],
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}],
        },
        "context": spec["context"],
    }
    return authorizer, answer


def sam_events(request: dict[str, Any]) -> dict[str, Any]:
    authorizer, answer = _authorizer(request["authorizer"]) if request.get("authorizer") else (None, None)
    route = Route(
        function_name=ROUTE_FUNCTION,
        path=request["resource"],
        methods=[request["method"]],
        event_type=Route.API,
        authorizer_name="Authorizer" if authorizer else None,
        authorizer_object=authorizer,
    )
    api = Api(routes=[route])
    api.stage_name = request["stage"]
    runner = _RecordingRunner(answer)
    service = LocalApigwService(api, runner, port=0, host="127.0.0.1", stderr=None)
    service.create()
    server = make_server("127.0.0.1", 0, service._app, threaded=False)
    service.port = server.port  # the X-Forwarded-Port SAM puts in the event is the port it listens on
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        status = _send(server.port, request)
    finally:
        server.shutdown()
        thread.join()
    return {
        "status": status,
        "port": server.port,
        "proxy": runner.events.get(ROUTE_FUNCTION),
        "authorizer": runner.events.get(AUTHORIZER_FUNCTION),
    }


def _send(port: int, request: dict[str, Any]) -> int:
    target = request["path"] + ("?" + request["query"] if request["query"] else "")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(request["method"], target, skip_host=True, skip_accept_encoding=True)
        for name, value in request["headers"]:
            connection.putheader(name, value)
        body = base64.b64decode(request["body"])
        connection.endheaders(body or None)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def main() -> None:
    # Offline: SAM's usage telemetry is never collected nor sent from here.
    EventTracker.track_event = staticmethod(lambda *args, **kwargs: None)
    requests = json.load(sys.stdin)
    print(json.dumps([sam_events(request) for request in requests]))


if __name__ == "__main__":
    main()
