"""The exact answers API Gateway would give, read from template.yaml, and the authorizer's refusals, on the
session's server.

API Gateway answers some requests itself, with the template's gateway responses: no Authorization header
(UNAUTHORIZED: the authorizer never runs), an unknown path or method (MISSING_AUTHENTICATION_TOKEN), a body
over 10 MB (REQUEST_TOO_LARGE). The local API must give exactly the template's status, body and headers
for those. Every other refusal (bad credentials, a token as the password, the OTP challenge, the lockout)
cannot be a gateway response (one status per type, static headers): the authorizer Allows with an
`auth_error` context and the function answers with GitHub's status, body and headers. These tests see
that path from outside: the answer has no `x-amzn-ErrorType` (API Gateway's mark on its own answers), the
access log names the route, and the authorizer logged that request's outcome.

Users: gw-* (made here).
"""

from __future__ import annotations

import base64
import json
import re
import secrets as random_secrets
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from oauth_authz_local.sam_model import authorizer, gateway_responses, load_template
from tests.support.e2e import Client, CliResult, Server
from tests.support.e2e_auth import (
    API_GATEWAY_HEADERS,
    BAD_CREDENTIALS,
    BASIC_ONLY,
    HTTP_HEADERS,
    LOCKED_OUT,
    OTP_MESSAGE,
    REQUIRES_AUTHENTICATION,
    assert_otp_challenge,
    assert_refusal,
    code_for_step,
    current_step,
    item,
)

LIST = "/authorizations"
Cli = Callable[..., CliResult]
TEMPLATE = load_template()
RESPONSES = gateway_responses(TEMPLATE)
# API Gateway's x-amzn-ErrorType for the response types whose value is well known.
ERROR_TYPES = {
    "UNAUTHORIZED": "UnauthorizedException",
    "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
}


def _static(expression: str) -> str:
    """A gateway response header's mapping expression must be a static value: `'text'`."""
    assert re.fullmatch(r"'[^']*'", expression), expression
    return expression[1:-1]


def assert_gateway_response(response: requests.Response, response_type: str) -> None:
    """Exactly the template's gateway response: its status, its body (no variables in it: the text as is),
    its headers, and only what API Gateway and the HTTP server add."""
    configured = RESPONSES[response_type]
    body = configured.templates["application/json"]
    assert "$" not in body, body
    expected_headers = {name.lower(): _static(value) for name, value in configured.headers.items()}
    where = (response.request.method, response.request.path_url, response_type)
    assert (response.status_code, response.content) == (configured.status_code, body.encode()), (
        where,
        response.status_code,
        response.content[:300],
    )
    headers = {name.lower(): value for name, value in response.headers.items()}
    assert {name: headers.get(name) for name in expected_headers} == expected_headers, (where, headers)
    extra = set(headers) - set(expected_headers) - HTTP_HEADERS - API_GATEWAY_HEADERS
    assert extra == {"x-amzn-errortype"}, (where, headers)
    if response_type in ERROR_TYPES:
        assert headers["x-amzn-errortype"] == ERROR_TYPES[response_type], headers


def test_the_template_leaves_the_refusals_to_the_functions() -> None:
    """What makes the design work on AWS: the authorizer is asked every time (no cache: the answer depends on
    X-GitHub-OTP and the lockout state) for any request with an Authorization header, and no gateway
    response could carry one of the authorizer's refusals."""
    found = authorizer(TEMPLATE)
    assert found is not None
    assert (found.payload_type, found.identity_headers, found.reauthorize_every) == (
        "REQUEST",
        ("Authorization",),
        0,
    )
    assert {"UNAUTHORIZED", "MISSING_AUTHENTICATION_TOKEN", "REQUEST_TOO_LARGE"} <= set(RESPONSES)
    assert RESPONSES["UNAUTHORIZED"].status_code == 401
    assert (
        json.loads(RESPONSES["UNAUTHORIZED"].templates["application/json"])["message"]
        == REQUIRES_AUTHENTICATION
    )
    for configured in RESPONSES.values():
        texts = " ".join([*configured.templates.values(), *configured.headers, *configured.headers.values()])
        for refusal in (BAD_CREDENTIALS, BASIC_ONLY, OTP_MESSAGE, LOCKED_OUT, "X-GitHub-OTP"):
            assert refusal not in texts, (configured.response_type, refusal)


def test_api_gateways_own_answers_are_the_templates(anonymous: Client, server: Server) -> None:
    big = b"x" * (10 * 1024 * 1024 + 1)
    signed = {"Authorization": "Basic " + base64.b64encode(b"gw-nobody:some-password").decode()}
    anonymous.secrets.add(signed["Authorization"])
    # No Authorization header: UNAUTHORIZED, on user and app routes alike; an empty header is none.
    assert_gateway_response(anonymous.get(LIST), "UNAUTHORIZED")
    assert_gateway_response(anonymous.post(LIST, {"note": "x"}), "UNAUTHORIZED")
    assert_gateway_response(anonymous.post("/applications/abc/token", {"access_token": "x"}), "UNAUTHORIZED")
    assert_gateway_response(anonymous.get(LIST, headers={"Authorization": ""}), "UNAUTHORIZED")
    # An unknown path, and a known path with a method it does not have: MISSING_AUTHENTICATION_TOKEN, whatever
    # the credentials.
    for headers in ({}, signed):
        for method, path in (
            ("GET", "/nope"),
            ("GET", "/authorizations/1/more"),
            ("DELETE", LIST),
            ("PUT", "/authorizations/1"),
            ("GET", "/applications/abc/token"),
        ):
            response = anonymous.request(method, path, headers=headers)
            assert_gateway_response(response, "MISSING_AUTHENTICATION_TOKEN")
            # No route: the access log names none, and no authorizer ran.
            line = _access_line(server, response.headers["x-amzn-RequestId"])
            assert line is not None and f" {method} - 404 " in line, line
            assert _authorizer_outcome(server, response.headers["x-amzn-RequestId"]) is None
    # Over 10 MB: REQUEST_TOO_LARGE, before any authorizer.
    for headers in ({}, signed):
        response = anonymous.request(
            "POST", LIST, data=big, headers={**headers, "Content-Type": "application/json"}
        )
        assert_gateway_response(response, "REQUEST_TOO_LARGE")
    # Still serving.
    response = anonymous.get(LIST)
    assert_gateway_response(response, "UNAUTHORIZED")
    assert _authorizer_outcome(server, response.headers["x-amzn-RequestId"]) is None


def _authorizer_outcome(server: Server, request_id: str) -> str | None:
    for line in server.logs().splitlines():
        if line.startswith("{") and request_id in line:
            record: dict[str, Any] = json.loads(line)
            if (
                record.get("function_name") == "AuthorizerFunction"
                and record.get("function_request_id") == request_id
            ):
                return str(record.get("outcome"))
    return None


def _access_line(server: Server, request_id: str) -> str | None:
    return next((line for line in server.stderr().splitlines() if line.endswith(" " + request_id)), None)


def assert_through_the_function(
    server: Server, response: requests.Response, outcome: str, route: str = "GET /authorizations"
) -> None:
    """The authorizer ran on this request and logged `outcome`; the gateway logged the route (a function's
    answer, not a gateway response)."""
    request_id = response.headers["x-amzn-RequestId"]
    deadline = time.monotonic() + 5
    while _authorizer_outcome(server, request_id) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _authorizer_outcome(server, request_id) == outcome, request_id
    line = _access_line(server, request_id)
    assert line is not None and f" {route} {response.status_code} " in line, line


@pytest.fixture(scope="module")
def gw_users(cli: Cli, anonymous: Client) -> dict[str, tuple[str, str, str | None]]:
    """login -> (login, password, TOTP seed or None)."""
    made: dict[str, tuple[str, str, str | None]] = {}
    for login, two_factor in (("gw-plain", False), ("gw-otp", True)):
        password = "pw-" + random_secrets.token_urlsafe(15)
        created = cli("users", "create", login, "--json", stdin=password + "\n")
        assert created.returncode == 0, created.stderr
        seed = None
        if two_factor:
            shown = cli("users", "enable-2fa", login, "--json")
            assert shown.returncode == 0, shown.stderr
            seed = shown.json()["secret"]
            anonymous.secrets.add(seed)
        made[login] = (login, password, seed)
    return made


def test_the_authorizers_refusals_reach_the_client_from_the_function(
    server: Server, anonymous: Client, gw_users: dict[str, tuple[str, str, str | None]]
) -> None:
    login, password, _ = gw_users["gw-plain"]
    user = anonymous.as_((login, password))

    response = user.get(LIST, auth=(login, password + "x"))
    assert_refusal(response, 401, BAD_CREDENTIALS)
    assert_through_the_function(server, response, "bad_credentials")

    created = user.post(LIST, {"note": "gateway " + random_secrets.token_hex(4)})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    for attempt in (
        {"auth": (login, token)},
        {"auth": None, "headers": {"Authorization": f"token {token}"}},
        {"auth": None, "headers": {"Authorization": f"Bearer {token}"}},
    ):
        response = user.get(LIST, **attempt)
        assert_refusal(response, 403, BASIC_ONLY)
        assert_through_the_function(server, response, "token_not_password")

    # A header that is no credentials at all reaches the authorizer too (only a missing one does not).
    response = user.get(LIST, auth=None, headers={"Authorization": "Digest username=gw-plain"})
    assert_refusal(response, 401, REQUIRES_AUTHENTICATION)
    assert_through_the_function(server, response, "requires_authentication")

    otp_login, otp_password, seed = gw_users["gw-otp"]
    response = user.get(LIST, auth=(otp_login, otp_password))
    assert_otp_challenge(response)
    assert_through_the_function(server, response, "otp_required")
    assert seed is not None
    accepted = user.get(
        LIST, auth=(otp_login, otp_password), headers={"X-GitHub-OTP": code_for_step(seed, current_step())}
    )
    assert accepted.status_code == 200, accepted.text
    assert_through_the_function(server, accepted, "allowed")

    # On an app route.
    response = user.post(
        "/applications/0123456789abcdef0123/token",
        {"access_token": token},
        auth=("0123456789abcdef0123", "f" * 40),
    )
    assert_refusal(response, 401, BAD_CREDENTIALS)
    assert_through_the_function(
        server, response, "bad_credentials", route="POST /applications/{client_id}/token"
    )


def test_the_lockout_reaches_the_client_from_the_function(server: Server, anonymous: Client) -> None:
    """With the template's default threshold (the session's server runs with the defaults)."""
    threshold = int(TEMPLATE.document["Parameters"]["LockoutThreshold"]["Default"])
    ghost = "gw-ghost-" + random_secrets.token_hex(4)
    for _ in range(threshold):
        assert_refusal(anonymous.get(LIST, auth=(ghost, "some-password")), 401, BAD_CREDENTIALS)
    response = anonymous.get(LIST, auth=(ghost, "some-password"))
    assert_refusal(response, 403, LOCKED_OUT)
    assert_through_the_function(server, response, "locked_out")


def test_an_oversize_login_is_bad_credentials(anonymous: Client, server: Server) -> None:
    """A login longer than GitHub's 39 characters is nobody's: 401 like any unknown login (it used to reach
    DynamoDB as a key over its 2048-byte limit: the authorizer failed, a 500). Not counted either (there is
    no key to count it under); a 39-character one still is."""
    for length in (40, 300, 2100, 3000):
        login = "g" * (length - 8) + random_secrets.token_hex(4)
        response = anonymous.get(LIST, auth=(login, "some-password"))
        assert_refusal(response, 401, BAD_CREDENTIALS)
        assert_through_the_function(server, response, "bad_credentials")
        assert item(server, f"LOGINFAIL#{login}", "LOGINFAIL") is None
    longest = "g" * 31 + random_secrets.token_hex(4)
    assert_refusal(anonymous.get(LIST, auth=(longest, "some-password")), 401, BAD_CREDENTIALS)
    counted = item(server, f"LOGINFAIL#{longest}", "LOGINFAIL")
    assert counted is not None and counted["count"] == {"N": "1"}, counted
