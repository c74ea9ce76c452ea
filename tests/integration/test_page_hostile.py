"""Hostile input on the authorize routes and the sign-in post (`GET/POST /login/oauth/authorize`,
`POST /session`), each function run on its event with what hypothesis makes of the query, the form, the
cookie and the body's encoding: never a 5xx (a fault is a 500 page here), HTML with the pages' headers, a
redirect only inside the site or to the app's registered callback, and the table stays whole."""

from __future__ import annotations

import base64
from collections.abc import Callable
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oauth_authz.models.domain import App, User
from oauth_authz.service.sessions import csrf_token
from tests.integration.test_page_events import callback_app, signed_in
from tests.support.data import EVENT_CALLBACK_URL, EVENT_CLIENT_ID, EVENT_PRESESSION_ID, EVENT_SESSION_ID
from tests.support.events import load_event
from tests.support.invariants import assert_table_invariants
from tests.support.lambdas import FakeLambdaContext, load_handler
from tests.support.tables import TableView

__all__ = ["callback_app", "signed_in"]  # the fixtures, shared

pytestmark = pytest.mark.reliability

FIXTURES_OK = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
NAMES = [
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "login",
    "prompt",
    "code_challenge",
    "code_challenge_method",
    "authorize",
    "authenticity_token",
    "return_to",
    "password",
    "x",
]
values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            EVENT_CLIENT_ID,
            EVENT_CALLBACK_URL,
            EVENT_CALLBACK_URL + "/../x",
            "https://evil@octo-app.example.com/oauth/callback",
            "//evil.example",
            "S256",
            "plain",
            "1",
            "0",
            "select_account",
            "repo user:email nonsense,gist",
            "\\x00",
            "%00",
            "a" * 3000,
        ]
    ),
)
params = st.dictionaries(st.sampled_from(NAMES), values, max_size=10)
cookies = st.one_of(
    st.none(),
    st.sampled_from(
        [
            f"oauth_authz_session={EVENT_SESSION_ID}",
            f"oauth_authz_presession={EVENT_PRESESSION_ID}",
            "oauth_authz_session=",
            'oauth_authz_session="\\x"; x',
            "oauth_authz_session=" + "z" * 9000,
        ]
    ),
    st.text(max_size=80),
)
ALLOWED_LOCATIONS = ("/", EVENT_CALLBACK_URL)

Handlers = Callable[[str, dict[str, Any]], dict[str, Any]]


@pytest.fixture
def call(handlers: dict[str, ModuleType]) -> Handlers:
    def run(folder: str, event: dict[str, Any]) -> dict[str, Any]:
        if folder not in handlers:
            handlers[folder] = load_handler(folder)
        answer: dict[str, Any] = handlers[folder].lambda_handler(
            event, FakeLambdaContext(function_name=folder)
        )
        return answer

    return run


def _event(
    folder: str, cookie: str | None, query: dict[str, str] | None, body: str | None, b64: bool
) -> dict[str, Any]:
    event = load_event(folder)
    headers = {k: v for k, v in event["headers"].items() if k.lower() != "cookie"}
    if cookie is not None:
        headers["Cookie"] = cookie
    event["headers"] = headers
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    event["queryStringParameters"] = query or None
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    event["body"] = body
    event["isBase64Encoded"] = b64
    return event


def _assert_answer(answer: dict[str, Any]) -> None:
    status = int(answer["statusCode"])
    assert status < 500, answer
    headers = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
    headers.update({k.lower(): v[-1] for k, v in (answer.get("multiValueHeaders") or {}).items()})
    assert headers["x-frame-options"] == "DENY"
    location = headers.get("location")
    if location is not None:
        assert location.startswith(ALLOWED_LOCATIONS) and not location.startswith("//"), location


def _body(form: dict[str, str], shape: str, raw: str) -> tuple[str | None, bool]:
    if shape == "form":
        return urlencode(form), False
    if shape == "base64":
        return base64.b64encode(urlencode(form).encode()).decode(), True
    if shape == "bad-base64":
        return raw, True
    return raw, False


@FIXTURES_OK
@given(query=params, cookie=cookies)
def test_the_authorize_page_never_faults(
    call: Handlers,
    signed_in: User,
    callback_app: App,
    table: TableView,
    query: dict[str, str],
    cookie: str | None,
) -> None:
    _assert_answer(call("authorize_page", _event("authorize_page", cookie, query, None, False)))
    assert_table_invariants(table)


@FIXTURES_OK
@given(
    form=params,
    cookie=cookies,
    shape=st.sampled_from(["form", "base64", "bad-base64", "raw"]),
    raw=st.text(max_size=200),
    with_token=st.booleans(),
)
def test_the_consent_decision_never_faults(
    call: Handlers,
    signed_in: User,
    callback_app: App,
    table: TableView,
    form: dict[str, str],
    cookie: str | None,
    shape: str,
    raw: str,
    with_token: bool,
) -> None:
    """With the signed-in session's own CSRF token half the time, so the request gets past the check.
    Seen red (a 500) before `web.forms.form` caught a base64 body that is not ASCII (a ValueError)."""
    if with_token:
        form = {**form, "authenticity_token": csrf_token(EVENT_SESSION_ID)}
    body, b64 = _body(form, shape, raw)
    _assert_answer(call("authorize_decision", _event("authorize_decision", cookie, None, body, b64)))
    assert_table_invariants(table)


@FIXTURES_OK
@given(
    form=params,
    cookie=cookies,
    shape=st.sampled_from(["form", "base64", "bad-base64", "raw"]),
    raw=st.text(max_size=200),
    with_token=st.booleans(),
)
def test_the_sign_in_post_never_faults(
    call: Handlers,
    octocat: User,
    table: TableView,
    form: dict[str, str],
    cookie: str | None,
    shape: str,
    raw: str,
    with_token: bool,
) -> None:
    """With the pre-session's CSRF token half the time, so the login and password are checked."""
    if with_token:
        form = {
            **form,
            "authenticity_token": csrf_token(EVENT_PRESESSION_ID),
            "login": form.get("login", "octocat"),
        }
    body, b64 = _body(form, shape, raw)
    _assert_answer(call("create_session", _event("create_session", cookie, None, body, b64)))
    assert_table_invariants(table)
