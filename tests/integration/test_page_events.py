"""Every page function run on its own `events/<page>.json`, unchanged, as `sam local invoke -e` would run
it: the state each event names (octocat, the events' app with its callback, the browser's sessions) is
written first, and the answer is read as the browser would read it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType, SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from oauth_authz import clock
from oauth_authz.app_secrets import hash_secret
from oauth_authz.models.domain import App, ClientSecret, User, WebSession
from oauth_authz.secretbox import new_local_key, seal
from oauth_authz.service import authentication
from oauth_authz.service.sessions import hashed
from oauth_authz.store.repository import Repository
from oauth_authz.store.session_store import SessionStore
from oauth_authz.web import rendering
from oauth_authz.web.rendering import security_headers
from tests.support.data import (
    EVENT_APP_NAME,
    EVENT_APP_URL,
    EVENT_CALLBACK_URL,
    EVENT_CLIENT_ID,
    EVENT_CLIENT_SECRET,
    EVENT_MOMENT,
    EVENT_PENDING_SESSION_ID,
    EVENT_SESSION_ID,
    EVENT_TOTP_SEED,
    OCTOCAT_PASSWORD,
)
from tests.support.events import EVENTS_DIR, load_event
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.lambdas import FakeLambdaContext, HttpResult, load_handler, to_result
from tests.support.page_events import RETURN_TO, page_events, render
from tests.support.tables import TableView

HTML = "text/html; charset=utf-8"
SITE = "https://abc123.execute-api.us-east-1.amazonaws.com"

RunPage = Callable[[str], HttpResult]


@pytest.fixture
def run_page(handlers: dict[str, ModuleType]) -> RunPage:
    """`run_page(folder)`: `functions/<folder>/app.lambda_handler` on `events/<folder>.json`; every answer
    carries the pages' security headers, each once as API Gateway merges `headers` and `multiValueHeaders`
    (seen red before `page_resolver.handle` looked in both: the consent page sent two CSPs, the second
    without the callback's origin in `form-action`)."""

    def run(folder: str) -> HttpResult:
        if folder not in handlers:
            handlers[folder] = load_handler(folder)
        raw = handlers[folder].lambda_handler(load_event(folder), FakeLambdaContext(function_name=folder))
        result = to_result(raw)
        for name in ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
            assert result.header(name) == security_headers()[name], name
        assert "frame-ancestors 'none'" in (result.header("Content-Security-Policy") or "")
        return result

    return run


@pytest.fixture
def callback_app(repository: Repository) -> App:
    app = App(
        client_id=EVENT_CLIENT_ID,
        id=1,
        name=EVENT_APP_NAME,
        url=EVENT_APP_URL,
        created_at=clock.now(),
        secrets=(ClientSecret(1, hash_secret(EVENT_CLIENT_SECRET), None, clock.now()),),
        callback_url=EVENT_CALLBACK_URL,
    )
    repository.create_app(app)
    return app


def _session(table: TableView, session_id: str, user: User, pending: bool = False) -> None:
    expires = clock.now() + timedelta(minutes=5)
    SessionStore(table.name).start(hashed(session_id), WebSession(user.id, user.login, expires, pending))


@pytest.fixture
def signed_in(table: TableView, octocat: User) -> User:
    _session(table, EVENT_SESSION_ID, octocat)
    return octocat


def set_cookies(result: HttpResult) -> dict[str, str]:
    return {value.split("=", 1)[0]: value for value in result.headers.get("set-cookie", [])}


def test_the_committed_page_events_are_what_the_generator_writes() -> None:
    for name, event in page_events().items():
        assert (EVENTS_DIR / f"{name}.json").read_text(encoding="utf-8") == render(event), name


def test_login_page_event(run_page: RunPage) -> None:
    result = run_page("login_page")

    assert result.status == 200
    assert result.header("Content-Type") == HTML
    assert '<form method="post" action="/v1/session"' in result.body
    assert f'name="return_to" value="{RETURN_TO.replace("&", "&amp;")}"' in result.body
    cookie = set_cookies(result)["oauth_authz_presession"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_create_session_event(run_page: RunPage, octocat: User, table: TableView) -> None:
    result = run_page("create_session")

    assert result.status == 303
    assert result.header("Location") == RETURN_TO
    cookie = set_cookies(result)["oauth_authz_session"]
    session_id = cookie.split(";", 1)[0].split("=", 1)[1]
    stored = table.get(f"SESSION#{hashed(session_id)}", "SESSION")
    assert stored is not None and stored["login"] == "octocat"
    assert_no_secrets(table, [session_id, OCTOCAT_PASSWORD])
    assert_table_invariants(table)


def test_two_factor_page_event(run_page: RunPage, table: TableView, octocat: User) -> None:
    _session(table, EVENT_PENDING_SESSION_ID, octocat, pending=True)

    result = run_page("two_factor_page")

    assert result.status == 200
    assert '<input type="text" name="app_otp" id="app_totp"' in result.body


def test_verify_two_factor_event(
    run_page: RunPage,
    table: TableView,
    octocat: User,
    repository: Repository,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The event's code is the one of `EVENT_TOTP_SEED` at the event's moment: the authenticator's clock."""
    monkeypatch.setenv("TOTP_LOCAL_KEY", new_local_key())
    monkeypatch.setattr(authentication, "time", SimpleNamespace(time=lambda: float(EVENT_MOMENT)))
    repository.set_totp(octocat, seal(EVENT_TOTP_SEED, octocat.login))
    _session(table, EVENT_PENDING_SESSION_ID, octocat, pending=True)

    result = run_page("verify_two_factor")

    assert result.status == 303
    assert result.header("Location") == RETURN_TO
    new_id = set_cookies(result)["oauth_authz_session"].split(";", 1)[0].split("=", 1)[1]
    assert new_id != EVENT_PENDING_SESSION_ID
    assert table.get(f"SESSION#{hashed(EVENT_PENDING_SESSION_ID)}", "SESSION") is None  # ended with it
    assert table.get(f"SESSION#{hashed(new_id)}", "SESSION") is not None
    again = run_page("verify_two_factor")  # the pending session is gone: back to the sign-in page
    assert (again.status, again.header("Location")) == (303, "/v1/login")


def test_logout_page_event(run_page: RunPage, signed_in: User) -> None:
    result = run_page("logout_page")

    assert result.status == 200
    assert "Signed in as <strong>octocat</strong>." in result.body
    assert '<form method="post" action="/v1/logout"' in result.body


def test_sign_out_event(run_page: RunPage, signed_in: User, table: TableView) -> None:
    result = run_page("sign_out")

    assert result.status in (302, 303)
    assert table.get(f"SESSION#{hashed(EVENT_SESSION_ID)}", "SESSION") is None
    assert "Max-Age=0" in set_cookies(result)["oauth_authz_session"]


def test_authorize_page_event(run_page: RunPage, signed_in: User, callback_app: App) -> None:
    result = run_page("authorize_page")

    assert result.status == 200
    assert f'<a href="{EVENT_APP_URL}" rel="noopener noreferrer">{EVENT_APP_NAME}</a>' in result.body
    assert "form-action 'self' https://octo-app.example.com;" in (
        result.header("Content-Security-Policy") or ""
    )
    assert 'name="authorize" value="1"' in result.body


def test_authorize_decision_event(
    run_page: RunPage, signed_in: User, callback_app: App, table: TableView
) -> None:
    result = run_page("authorize_decision")

    assert result.status == 302
    location = result.header("Location") or ""
    assert location.startswith(EVENT_CALLBACK_URL + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["af0ifjsldkj"] and len(query["code"]) == 1
    assert_no_secrets(table, [query["code"][0], EVENT_SESSION_ID])
    assert_table_invariants(table)


def test_page_stylesheet_event(run_page: RunPage) -> None:
    result = run_page("page_stylesheet")

    assert result.status == 200
    assert result.header("Content-Type") == "text/css; charset=utf-8"
    assert "body" in result.body


def test_page_script_event(run_page: RunPage) -> None:
    """The copy buttons' script: JavaScript (nosniff: a browser runs it only as such), cached as the
    stylesheet is, the pages' headers otherwise."""
    result = run_page("page_script")

    assert result.status == 200
    assert result.header("Content-Type") == "text/javascript; charset=utf-8"
    assert result.header("X-Content-Type-Options") == "nosniff"
    assert result.header("Cache-Control") == "public, max-age=300"
    assert result.body == (rendering.STATIC / "copy.js").read_text(encoding="utf-8")
    assert "navigator.clipboard.writeText" in result.body and "input[data-copy]" in result.body


def test_every_function_has_an_event() -> None:
    functions = {
        path.name for path in (EVENTS_DIR.parent / "functions").iterdir() if (path / "app.py").exists()
    }
    events = {path.stem for path in EVENTS_DIR.glob("*.json")}
    assert functions <= events, functions - events
    assert json.loads((EVENTS_DIR / "page_stylesheet.json").read_text())["httpMethod"] == "GET"


def test_sign_out_everywhere_event(run_page: RunPage, signed_in: User, table: TableView) -> None:
    result = run_page("sign_out_everywhere")

    assert result.status == 303 and result.header("Location") == "/v1/login"
    assert table.get(f"SESSION#{hashed(EVENT_SESSION_ID)}", "SESSION") is None
    assert table.get(f"USER#{signed_in.id}", f"SESSION#{hashed(EVENT_SESSION_ID)}") is None
    assert "Max-Age=0" in set_cookies(result)["oauth_authz_session"]
