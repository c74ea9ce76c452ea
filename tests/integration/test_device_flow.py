"""The device flow (SPEC section 10) on the moto table: the codes, the user's answer (as the device page gives
it), every answer of the poll, `slow_down` only for polls clearly faster than the interval, one token per
device code, wrong user codes limited, and expiring tokens from the device flow."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from oauth_authz import tokens
from oauth_authz.models.domain import User
from oauth_authz.service import device_flow, oauth_web_flow
from oauth_authz.service.accounts import Accounts
from oauth_authz.service.authorizations import AuthorizationService
from oauth_authz.service.device_flow import DEVICE_CODE_GRANT, DeviceFlow, UserCodeRefused
from oauth_authz.settings import get_settings
from oauth_authz.store.repository import Repository
from oauth_authz.token_answers import (
    ACCESS_DENIED,
    AUTHORIZATION_PENDING,
    BAD_REFRESH_TOKEN,
    DEVICE_FLOW_DISABLED,
    EXPIRED_TOKEN,
    INCORRECT_CLIENT_CREDENTIALS,
    INCORRECT_DEVICE_CODE,
    DeviceCodeResponse,
    TokenError,
    TokenResponse,
    slow_down,
)
from tests.conftest import FrozenClock, RegisteredApp
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.lambdas import FakeLambdaContext, load_handler
from tests.support.serial_client import SerialClient
from tests.support.tables import TableView

VERIFICATION_URI = "https://github.example.com/login/device"


@pytest.fixture
def device_app(accounts: Accounts) -> RegisteredApp:
    created = accounts.create_app("Device App", "https://device.example.com", device_flow=True)
    return RegisteredApp(created.app, created.client_secret)


def codes(app: RegisteredApp, scope: str = "repo gist") -> DeviceCodeResponse:
    answer = device_flow.request_codes({"client_id": app.client_id, "scope": scope}, VERIFICATION_URI)
    assert isinstance(answer, DeviceCodeResponse), answer
    return answer


def poll(app: RegisteredApp, device_code: str, **params: str) -> TokenResponse | TokenError:
    given = {
        "grant_type": DEVICE_CODE_GRANT,
        "client_id": app.client_id,
        "device_code": device_code,
        **params,
    }
    return oauth_web_flow.exchange(given, None)


def test_the_codes(device_app: RegisteredApp, table: TableView) -> None:
    answer = codes(device_app)

    assert re.fullmatch(r"[0-9a-f]{40}", answer.device_code)
    assert re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", answer.user_code)
    assert (answer.verification_uri, answer.expires_in, answer.interval) == (VERIFICATION_URI, 900, 5)
    typed = answer.user_code.replace("-", "")
    assert_no_secrets(table, [answer.device_code, answer.user_code, typed, typed.lower()])
    assert_table_invariants(table)


def test_an_app_without_the_device_flow(accounts: Accounts) -> None:
    created = accounts.create_app("Web Only", "https://web.example.com")

    answer = device_flow.request_codes({"client_id": created.app.client_id}, VERIFICATION_URI)

    assert answer == DEVICE_FLOW_DISABLED


@pytest.mark.parametrize("client_id", ["", "0" * 20, "x" * 65, "abc\u00e9"])
def test_an_unknown_client(client_id: str, table: TableView) -> None:
    assert (
        device_flow.request_codes({"client_id": client_id}, VERIFICATION_URI) == INCORRECT_CLIENT_CREDENTIALS
    )


def test_pending_until_the_user_approves_then_the_token_once(
    device_app: RegisteredApp,
    octocat: User,
    frozen_clock: FrozenClock,
    repository: Repository,
    table: TableView,
) -> None:
    answer = codes(device_app)
    assert poll(device_app, answer.device_code) == AUTHORIZATION_PENDING
    frozen_clock.advance(5)
    pending = device_flow.lookup(answer.user_code, octocat.id)
    assert (pending.client_id, pending.app_name, pending.scopes) == (
        device_app.client_id,
        "Device App",
        ["repo", "gist"],
    )
    assert poll(device_app, answer.device_code) == AUTHORIZATION_PENDING

    device_flow.approve(answer.user_code, octocat.id, "octocat")
    frozen_clock.advance(5)
    token = poll(device_app, answer.device_code)

    assert isinstance(token, TokenResponse)
    assert (token.scope, token.token_type, token.refresh_token) == ("repo,gist", "bearer", None)
    auth = repository.get_by_token(tokens.hash_token(token.access_token))
    assert auth is not None
    assert (auth.user_id, auth.client_id, auth.scopes, auth.expires_at) == (
        octocat.id,
        device_app.client_id,
        ["repo", "gist"],
        None,
    )
    frozen_clock.advance(5)
    assert poll(device_app, answer.device_code) == INCORRECT_DEVICE_CODE  # a device code gives one token
    assert_no_secrets(table, [answer.device_code, token.access_token])
    assert_table_invariants(table)


def test_denied(device_app: RegisteredApp, octocat: User, frozen_clock: FrozenClock) -> None:
    answer = codes(device_app)
    device_flow.deny(answer.user_code, octocat.id, "octocat")

    assert poll(device_app, answer.device_code) == ACCESS_DENIED
    frozen_clock.advance(5)
    assert poll(device_app, answer.device_code) == ACCESS_DENIED
    with pytest.raises(UserCodeRefused):  # answered: the code cannot be used again
        device_flow.approve(answer.user_code, octocat.id, "octocat")


def test_expired(device_app: RegisteredApp, octocat: User, frozen_clock: FrozenClock) -> None:
    answer = codes(device_app)
    frozen_clock.advance(900)

    assert poll(device_app, answer.device_code) == EXPIRED_TOKEN
    with pytest.raises(UserCodeRefused):
        device_flow.lookup(answer.user_code, octocat.id)


def test_expired_even_when_polled_too_fast(device_app: RegisteredApp, frozen_clock: FrozenClock) -> None:
    answer = codes(device_app)
    frozen_clock.advance(899)
    poll(device_app, answer.device_code)
    frozen_clock.advance(1)
    assert poll(device_app, answer.device_code) == EXPIRED_TOKEN


def test_a_client_that_keeps_the_interval_never_sees_slow_down(
    device_app: RegisteredApp, frozen_clock: FrozenClock
) -> None:
    answer = codes(device_app)
    for _ in range(20):
        assert poll(device_app, answer.device_code) == AUTHORIZATION_PENDING
        frozen_clock.advance(5)


def test_a_poll_a_little_early_is_on_time(device_app: RegisteredApp, frozen_clock: FrozenClock) -> None:
    """Up to 2 s of jitter (a poll 3 s after the one before, with an interval of 5) is not too fast."""
    answer = codes(device_app)
    for _ in range(5):
        assert poll(device_app, answer.device_code) == AUTHORIZATION_PENDING
        frozen_clock.advance(3)


def test_a_client_clearly_faster_gets_slow_down_with_the_new_interval(
    device_app: RegisteredApp, frozen_clock: FrozenClock
) -> None:
    """Seen red with no `next_poll` condition on the poll (every fast poll pending)."""
    answer = codes(device_app)
    assert poll(device_app, answer.device_code) == AUTHORIZATION_PENDING
    frozen_clock.advance(2)

    assert poll(device_app, answer.device_code) == slow_down(10)

    frozen_clock.advance(7)  # too early for the new interval of 10
    assert poll(device_app, answer.device_code) == slow_down(15)
    frozen_clock.advance(15)
    assert poll(device_app, answer.device_code) == AUTHORIZATION_PENDING
    frozen_clock.advance(15)
    assert poll(device_app, answer.device_code) == AUTHORIZATION_PENDING


def test_incorrect_device_codes(device_app: RegisteredApp, accounts: Accounts) -> None:
    answer = codes(device_app)
    other = accounts.create_app("Other", "https://other.example.com", device_flow=True)
    other_app = RegisteredApp(other.app, other.client_secret)

    assert poll(device_app, "0" * 40) == INCORRECT_DEVICE_CODE
    assert poll(device_app, "zz") == INCORRECT_DEVICE_CODE
    assert poll(device_app, answer.device_code.upper()) == INCORRECT_DEVICE_CODE
    assert poll(other_app, answer.device_code) == INCORRECT_DEVICE_CODE  # another app's device code
    assert poll(device_app, answer.device_code, client_id="0" * 20) == INCORRECT_CLIENT_CREDENTIALS
    assert poll(device_app, answer.device_code, client_id="") == INCORRECT_CLIENT_CREDENTIALS
    assert poll(device_app, answer.device_code) == AUTHORIZATION_PENDING  # none of them touched it


def test_user_codes_in_any_case_with_or_without_the_hyphen(device_app: RegisteredApp, octocat: User) -> None:
    answer = codes(device_app)
    plain = answer.user_code.replace("-", "")
    for typed in (
        answer.user_code,
        answer.user_code.lower(),
        plain,
        plain.lower(),
        f"  {plain[:4]} {plain[4:]} ",
    ):
        assert device_flow.lookup(typed, octocat.id).user_code == answer.user_code

    device_flow.approve(plain.lower(), octocat.id, "octocat")
    assert isinstance(poll(device_app, answer.device_code), TokenResponse)


def test_wrong_user_codes_are_limited(device_app: RegisteredApp, octocat: User, hubot: User) -> None:
    """Seen red with the attempt never reserved (the 51st wrong code was looked up)."""
    answer = codes(device_app)
    for n in range(50):
        with pytest.raises(UserCodeRefused) as refused:
            device_flow.lookup(f"BBBB-BB{'BCDFGHJKLM'[n // 10]}{'BCDFGHJKLM'[n % 10]}", octocat.id)
        assert not refused.value.locked

    with pytest.raises(UserCodeRefused) as locked:
        device_flow.lookup(answer.user_code, octocat.id)  # even the right one, for an hour

    assert locked.value.locked
    assert device_flow.lookup(answer.user_code, hubot.id).client_id == device_app.client_id  # per user


def test_a_right_code_costs_nothing(device_app: RegisteredApp, octocat: User) -> None:
    answer = codes(device_app)
    for _ in range(60):
        device_flow.lookup(answer.user_code, octocat.id)


def test_expiring_tokens_from_the_device_flow_refresh_without_a_secret(
    accounts: Accounts, octocat: User, frozen_clock: FrozenClock, table: TableView
) -> None:
    created = accounts.create_app("CLI", "https://cli.example.com", device_flow=True, expiring_tokens=True)
    app = RegisteredApp(created.app, created.client_secret)
    answer = codes(app)
    device_flow.approve(answer.user_code, octocat.id, "octocat")

    token = poll(app, answer.device_code)

    assert isinstance(token, TokenResponse) and token.refresh_token is not None
    assert (token.expires_in, token.refresh_token_expires_in) == (28800, 15897600)
    refresh = {
        "grant_type": "refresh_token",
        "client_id": app.client_id,
        "refresh_token": token.refresh_token,
    }
    wrong = oauth_web_flow.exchange({**refresh, "client_secret": "0" * 40}, None)
    assert wrong == INCORRECT_CLIENT_CREDENTIALS
    renewed = oauth_web_flow.exchange(refresh, None)
    assert isinstance(renewed, TokenResponse) and renewed.scope == "repo,gist"
    assert oauth_web_flow.exchange(refresh, None) == BAD_REFRESH_TOKEN
    assert_table_invariants(table)


def test_offline_access_from_the_device_flow(device_app: RegisteredApp, octocat: User) -> None:
    answer = codes(device_app, scope="offline_access,user")
    assert device_flow.lookup(answer.user_code, octocat.id).scopes == ["user"]
    device_flow.approve(answer.user_code, octocat.id, "octocat")

    token = poll(device_app, answer.device_code)

    assert isinstance(token, TokenResponse) and token.refresh_token is not None and token.scope == "user"


def test_a_grant_that_changed_since_the_approval(
    device_app: RegisteredApp, octocat: User, frozen_clock: FrozenClock, table: TableView
) -> None:
    """The poll writes against the grant kept at approval; when it changed meanwhile, against the new one."""
    first, second = codes(device_app), codes(device_app)
    device_flow.approve(first.user_code, octocat.id, "octocat")
    device_flow.approve(second.user_code, octocat.id, "octocat")  # both kept "no grant yet"

    assert isinstance(poll(device_app, first.device_code), TokenResponse)
    assert isinstance(poll(device_app, second.device_code), TokenResponse)
    assert_table_invariants(table)


def test_fifty_parallel_polls_after_approval_give_one_token(
    device_app: RegisteredApp, octocat: User, table: TableView
) -> None:
    """Seen red with the spend's condition left out (several polls that passed the interval check at once
    each got a token, when the interval check was off too)."""
    answer = codes(device_app)
    device_flow.approve(answer.user_code, octocat.id, "octocat")
    repository = Repository(table.name, SerialClient(table.client))
    settings = get_settings()
    flow = DeviceFlow(repository, settings, AuthorizationService(repository, settings))
    params = {
        "grant_type": DEVICE_CODE_GRANT,
        "client_id": device_app.client_id,
        "device_code": answer.device_code,
    }
    barrier = threading.Barrier(50)

    def attempt(_: int) -> TokenResponse | TokenError:
        barrier.wait()
        return flow.poll(params, None)

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(attempt, range(50)))

    issued = [a for a in answers if isinstance(a, TokenResponse)]
    assert len(issued) == 1
    assert {a.error for a in answers if isinstance(a, TokenError)} <= {"slow_down", "incorrect_device_code"}
    assert_table_invariants(table)


def _calls(repository: Repository, run: Callable[[], object]) -> list[str]:
    made: list[str] = []

    def record(model: Any, **_: Any) -> None:
        made.append(model.name)

    events = repository.table.client.meta.events
    events.register("before-call.dynamodb", record)
    try:
        run()
    finally:
        events.unregister("before-call.dynamodb", record)
    return made


def test_budgets(
    device_app: RegisteredApp, octocat: User, repository: Repository, frozen_clock: FrozenClock
) -> None:
    """SPEC's budgets (`make bench`'s device_* and refresh scenarios too): a pending poll one call, the poll
    that gets the token and a refresh one read (or update) and one transaction; asking for codes two."""
    answer: list[DeviceCodeResponse] = []
    assert _calls(repository, lambda: answer.append(codes(device_app))) == ["GetItem", "TransactWriteItems"]
    device_code = answer[0].device_code
    assert _calls(repository, lambda: poll(device_app, device_code)) == ["UpdateItem"]
    device_flow.approve(answer[0].user_code, octocat.id, "octocat")
    frozen_clock.advance(5)
    got: list[TokenResponse | TokenError] = []
    assert _calls(repository, lambda: got.append(poll(device_app, device_code))) == [
        "UpdateItem",
        "TransactWriteItems",
    ]
    assert isinstance(got[0], TokenResponse)


def test_the_refresh_budget(accounts: Accounts, octocat: User, repository: Repository) -> None:
    created = accounts.create_app("CLI", "https://cli.example.com", device_flow=True, expiring_tokens=True)
    app = RegisteredApp(created.app, created.client_secret)
    answer = codes(app)
    device_flow.approve(answer.user_code, octocat.id, "octocat")
    token = poll(app, answer.device_code)
    assert isinstance(token, TokenResponse) and token.refresh_token is not None
    params = {"grant_type": "refresh_token", "client_id": app.client_id, "refresh_token": token.refresh_token}

    assert _calls(repository, lambda: oauth_web_flow.exchange(params, None)) == [
        "BatchGetItem",
        "TransactWriteItems",
    ]


def _device_code_event(app: RegisteredApp, **changes: Any) -> dict[str, Any]:
    with open("events/device_code.json") as file:
        event: dict[str, Any] = json.load(file)
    event["body"] = f"client_id={app.client_id}&scope=repo"
    headers = {**event["headers"], **changes.pop("headers", {})}
    event.update(headers=headers, multiValueHeaders={k: [v] for k, v in headers.items()}, **changes)
    return event


def _device_code_call(event: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = load_handler("device_code").lambda_handler(
        event, FakeLambdaContext(function_name="device_code")
    )
    return answer


def test_the_function_on_its_event(device_app: RegisteredApp) -> None:
    answer = _device_code_call(_device_code_event(device_app))

    assert answer["statusCode"] == 200
    assert answer["headers"]["Status"] == "200 OK"
    assert answer["headers"]["X-GitHub-Request-Id"]
    body = json.loads(answer["body"])
    # the event's execute-api URL, with its stage
    assert body["verification_uri"] == "https://abc123.execute-api.us-east-1.amazonaws.com/v1/login/device"


def test_a_host_that_is_not_an_authority_is_never_copied_into_the_uri(device_app: RegisteredApp) -> None:
    """Seen red with the verification URI built from the raw Host header (a 200 naming evil.example)."""
    event = _device_code_event(device_app, headers={"Host": "evil.example/phish?"})
    event["requestContext"] = {**event["requestContext"], "domainName": None}

    answer = _device_code_call(event)

    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])["message"] == "Invalid Host header"


def test_the_configured_public_base_url_wins(
    device_app: RegisteredApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://github.example.com")
    get_settings.cache_clear()

    body = json.loads(_device_code_call(_device_code_event(device_app))["body"])

    assert body["verification_uri"] == "https://github.example.com/login/device"


def test_not_in_the_api_v3_layout(device_app: RegisteredApp) -> None:
    event = _device_code_event(device_app, path="/api/v3/login/device/code")
    event["requestContext"] = {**event["requestContext"], "path": "/api/v3/login/device/code"}

    assert _device_code_call(event)["statusCode"] == 404
