"""The device pages (SPEC sections 10 and 11), each function run on its event (`events/device_*.json`) with
one thing changed: the code page, the consent page for a typed code, the decision and the page that says the
device is connected; signed out, wrong and too many codes, CSRF. The events' request has the user code
WDJB-MJHT (GitHub's example), written here by its hash as `POST /login/device/code` writes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from oauth_authz import clock, tokens
from oauth_authz.models.domain import DeviceRequest, User
from oauth_authz.service import oauth_web_flow
from oauth_authz.service.device_flow import DEVICE_CODE_GRANT, USER_CODE_ATTEMPTS
from oauth_authz.store.device_codes import DeviceCodes
from oauth_authz.token_answers import ACCESS_DENIED, AUTHORIZATION_PENDING, TokenResponse
from tests.integration.test_page_events import signed_in
from tests.support.data import EVENT_CLIENT_ID, EVENT_SESSION_ID
from tests.support.events import load_event
from tests.support.invariants import assert_table_invariants
from tests.support.lambdas import FakeLambdaContext, HttpResult, load_handler, to_result
from tests.support.page_events import EVENT_USER_CODE
from tests.support.tables import TableView

__all__ = ["signed_in"]

ROOT = "/v1"  # the site's root as the pages write it: the stage, on the execute-api URL
DEVICE_CODE = "3584d83530557fdd1f46af8289938c8ef79f9dc5"  # GitHub's example device code
Run = Callable[..., HttpResult]


@pytest.fixture
def device_request(table: TableView, accounts: Any) -> DeviceRequest:
    """A pending request of a device-flow app for `repo gist`, with the events' user code."""
    created = accounts.create_app("Octo CLI", "https://cli.example.com", device_flow=True)
    moment = clock.now()
    request = DeviceRequest(
        hashed_device_code=tokens.hash_token(DEVICE_CODE),
        hashed_user_code=tokens.hash_token(EVENT_USER_CODE.replace("-", "")),
        client_id=created.app.client_id,
        app_name="Octo CLI",
        app_url="https://cli.example.com",
        scopes=["repo", "gist"],
        offline=False,
        created_at=moment,
        expires_at=moment + timedelta(seconds=900),
        interval=5,
    )
    DeviceCodes(_repository_table(table)).create(request)
    return request


def _repository_table(table: TableView) -> Any:
    from oauth_authz.store.table import Table

    return Table(table.name, table.client)


@pytest.fixture
def run(handlers: dict[str, ModuleType]) -> Run:
    """`run(folder, body=..., cookie=...)`: the page on its event, changed so."""

    def call(folder: str, **changes: Any) -> HttpResult:
        event = load_event(folder)
        if "body" in changes:
            event["body"] = changes["body"]
        if "cookie" in changes:
            for field in ("headers", "multiValueHeaders"):
                current = {k: v for k, v in event[field].items() if k.lower() != "cookie"}
                if changes["cookie"] is not None:
                    current["Cookie"] = changes["cookie"] if field == "headers" else [changes["cookie"]]
                event[field] = current
        if folder not in handlers:
            handlers[folder] = load_handler(folder)
        return to_result(handlers[folder].lambda_handler(event, FakeLambdaContext(function_name=folder)))

    return call


def poll(request: DeviceRequest) -> Any:
    params = {"grant_type": DEVICE_CODE_GRANT, "client_id": request.client_id, "device_code": DEVICE_CODE}
    return oauth_web_flow.exchange(params, None)


def body_with(folder: str, **fields: str) -> str:
    current = {k: v[0] for k, v in parse_qs(load_event(folder)["body"]).items()}
    current.update(fields)
    from urllib.parse import urlencode

    return urlencode(current)


def test_the_code_page(run: Run, signed_in: User) -> None:
    result = run("device_page")

    assert result.status == 200
    assert result.header("Content-Type") == "text/html; charset=utf-8"
    assert "<title>Device Activation · oauth-authz</title>" in result.body
    assert '<label for="user-code">Enter the code displayed on your device</label>' in result.body
    assert 'name="user-code" id="user-code"' in result.body
    assert f'<form method="post" action="{ROOT}/login/device"' in result.body
    assert 'name="authenticity_token"' in result.body


@pytest.mark.parametrize("folder", ["device_page", "device_entry", "device_decision"])
def test_signed_out_the_sign_in_page_then_back(run: Run, folder: str) -> None:
    result = (
        run(folder, cookie=None) if folder == "device_page" else run(folder, cookie="oauth_authz_session=x")
    )

    if folder == "device_page":
        assert result.status == 302
        location = urlsplit(result.header("Location") or "")
        assert location.path == "/v1/login"
        assert parse_qs(location.query) == {"return_to": [f"{ROOT}/login/device"]}
    else:  # a POST without the session its CSRF token is bound to
        assert result.status == 422


def test_a_typed_code_gives_the_consent_page(
    run: Run, signed_in: User, device_request: DeviceRequest
) -> None:
    result = run("device_entry")

    assert result.status == 200
    assert "<title>Authorize Octo CLI · oauth-authz</title>" in result.body
    assert '<a href="https://cli.example.com" rel="noopener noreferrer">Octo CLI</a>' in result.body
    assert "<strong>octocat</strong> account" in result.body
    assert "<strong>repo</strong>" in result.body and "<strong>gist</strong>" in result.body
    assert f'<form method="post" action="{ROOT}/login/device/authorize">' in result.body
    assert '<input type="hidden" name="user-code" value="WDJB-MJHT">' in result.body
    assert 'name="authorize" value="1"' in result.body and 'name="authorize" value="0"' in result.body
    assert "Authorizing will redirect" not in result.body
    assert poll(device_request) == AUTHORIZATION_PENDING  # nothing decided yet


@pytest.mark.parametrize("typed", ["wdjb-mjht", "WDJBMJHT", "wdjbmjht", " WDJB MJHT "])
def test_the_code_in_any_case_with_or_without_the_hyphen(
    run: Run, signed_in: User, device_request: DeviceRequest, typed: str
) -> None:
    result = run("device_entry", body=body_with("device_entry", **{"user-code": typed}))

    assert result.status == 200 and "Authorize Octo CLI" in result.body


@pytest.mark.parametrize("typed", ["", "BCDF-GHJK", "x" * 5000, "WDJB-MJH\u00c9"])
def test_a_wrong_code_gives_the_code_page_again(
    run: Run, signed_in: User, device_request: DeviceRequest, typed: str
) -> None:
    result = run("device_entry", body=body_with("device_entry", **{"user-code": typed}))

    assert result.status == 422
    assert "Please check the code and try again." in result.body and 'name="user-code"' in result.body


def test_too_many_wrong_codes(run: Run, signed_in: User, device_request: DeviceRequest) -> None:
    """Seen red with the attempt never reserved (the right code, typed after 50 wrong ones, was shown)."""
    wrong = body_with("device_entry", **{"user-code": "BCDF-GHJK"})
    for _ in range(USER_CODE_ATTEMPTS):
        assert run("device_entry", body=wrong).status == 422

    locked = run("device_entry")

    assert locked.status == 429
    assert "Too many codes entered. Please try again later." in locked.body


def test_authorize_connects_the_device(
    run: Run, signed_in: User, device_request: DeviceRequest, table: TableView
) -> None:
    result = run("device_decision")

    assert result.status == 200
    assert "<title>Congratulations, you&#39;re all set! · oauth-authz</title>" in result.body
    assert "Your device is now connected." in result.body
    token = poll(device_request)
    assert isinstance(token, TokenResponse) and token.scope == "repo,gist"
    again = run("device_decision")  # answered: the code cannot be used again
    assert again.status == 422
    assert_table_invariants(table)


def test_cancel_denies_the_device(run: Run, signed_in: User, device_request: DeviceRequest) -> None:
    result = run("device_decision", body=body_with("device_decision", authorize="0"))

    assert result.status == 200 and "Authorization cancelled" in result.body
    assert poll(device_request) == ACCESS_DENIED


def test_neither_authorize_nor_cancel(run: Run, signed_in: User, device_request: DeviceRequest) -> None:
    result = run("device_decision", body=body_with("device_decision", authorize="2"))

    assert result.status == 400
    assert poll(device_request) == AUTHORIZATION_PENDING


@pytest.mark.parametrize("token", [None, "", "wrong", "kxezBk9Yx4qnrd8mG-VqGyw8LDE4OmXIlLq8ybbqg8k"])
def test_a_decision_without_its_csrf_token_approves_nothing(
    run: Run, signed_in: User, device_request: DeviceRequest, token: str | None, table: TableView
) -> None:
    """Seen red with `require_csrf` removed from the `device_decision` function (the request approved: a
    page elsewhere could connect an attacker's device to the signed-in user's account)."""
    fields = f"user-code={EVENT_USER_CODE}&authorize=1"
    body = fields if token is None else f"authenticity_token={token}&{fields}"
    before = table.items()

    result = run("device_decision", body=body)

    assert result.status == 422 and "Invalid authenticity token" in result.body
    assert table.items() == before
    assert poll(device_request) == AUTHORIZATION_PENDING


def test_the_events_session_is_what_the_csrf_token_is_bound_to() -> None:
    from oauth_authz.service.sessions import csrf_token

    assert parse_qs(load_event("device_decision")["body"])["authenticity_token"] == [
        csrf_token(EVENT_SESSION_ID)
    ]
    assert EVENT_CLIENT_ID  # the events' app is not the device request's: any device-flow app will do
