"""`oauth_authz.http.token_endpoint`: an internal fault of the OAuth endpoints is answered as the API answers
one (GitHub's `{"message": "Server Error"}`), with nothing internal in it, and logged without its message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from oauth_authz.http.token_endpoint import respond, respond_device_code
from tests.support.data import DOCS_URL
from tests.support.events import load_event
from tests.support.http_app import build_app, fail

LEAKED = "gho_16C7e42F292c6912E7710c838347Ae178B4a"  # what an exception's message might quote


def crash(*_: Any) -> Any:
    raise RuntimeError(f"table exploded near {LEAKED}")


def answers(kind: str) -> dict[str, Any]:
    if kind == "token":
        return respond(load_event("access_token"), crash)
    return respond_device_code(load_event("device_code"), crash)


@pytest.mark.parametrize("kind", ["token", "device code"])
def test_a_fault_is_the_apis_server_error(kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Seen red with the token endpoint's own 'Internal Server Error' body (before `server_error`)."""
    answer = answers(kind)

    assert answer["statusCode"] == 500
    assert answer["headers"]["Status"] == "500 Internal Server Error"  # the status line stays HTTP's
    assert json.loads(answer["body"]) == {"message": "Server Error", "documentation_url": DOCS_URL}
    assert LEAKED not in answer["body"] and LEAKED not in capsys.readouterr().out


def test_the_same_body_as_the_api() -> None:
    api: APIGatewayRestResolver = build_app()
    from_api = json.loads(fail(api, "crash").body)

    assert json.loads(answers("token")["body"]) == from_api
