"""What the unit tests of the API Gateway emulator build their requests from: a route table of the API's
shapes and one HTTP request with every field set (each test overrides what it is about)."""

from __future__ import annotations

from pathlib import Path

from oauth_authz_local.apigw.messages import HttpRequest
from oauth_authz_local.apigw.routing import RouteTable
from oauth_authz_local.sam_model import FunctionSpec, Route

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
