"""The /settings/developers page functions, each run on its own `events/<page>.json` unchanged (as
`sam local invoke -e` would): octocat is signed in and owns the events' app (`EVENT_CLIENT_ID`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType

import pytest

from oauth_authz import clock
from oauth_authz.app_secrets import hash_secret
from oauth_authz.models.domain import App, ClientSecret, User, WebSession
from oauth_authz.service.sessions import hashed
from oauth_authz.store.repository import Repository
from oauth_authz.store.session_store import SessionStore
from oauth_authz.web.rendering import security_headers
from tests.support.data import EVENT_CLIENT_ID, EVENT_CLIENT_SECRET, EVENT_SESSION_ID
from tests.support.events import load_event
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.lambdas import FakeLambdaContext, HttpResult, load_handler, to_result
from tests.support.tables import TableView

HTML = "text/html; charset=utf-8"
SITE_ROOT = "/v1"
SECOND_SECRET = "f" * 40

RunPage = Callable[[str], HttpResult]


@pytest.fixture
def run_page(handlers: dict[str, ModuleType]) -> RunPage:
    def run(folder: str) -> HttpResult:
        if folder not in handlers:
            handlers[folder] = load_handler(folder)
        raw = handlers[folder].lambda_handler(load_event(folder), FakeLambdaContext(function_name=folder))
        result = to_result(raw)
        for name in ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control"):
            assert result.header(name) == security_headers()[name], name
        return result

    return run


@pytest.fixture
def signed_in(table: TableView, octocat: User) -> User:
    expires = clock.now() + timedelta(minutes=5)
    SessionStore(table.name).start(hashed(EVENT_SESSION_ID), WebSession(octocat.id, octocat.login, expires))
    return octocat


@pytest.fixture
def owned_app(repository: Repository, signed_in: User) -> App:
    """The events' app, octocat's, with two secrets (the event deletes the first)."""
    moment = clock.now()
    app = App(
        client_id=EVENT_CLIENT_ID,
        id=1,
        name="Octo Deploy",
        url="https://deploy.example.com",
        created_at=moment,
        secrets=(
            ClientSecret(1, hash_secret(EVENT_CLIENT_SECRET), EVENT_CLIENT_SECRET[-8:], moment),
            ClientSecret(2, hash_secret(SECOND_SECRET), SECOND_SECRET[-8:], moment),
        ),
        callback_url="https://deploy.example.com/callback",
        owner_id=signed_in.id,
    )
    repository.create_app(app)
    return app


def test_settings_developers_page_event(run_page: RunPage, owned_app: App) -> None:
    result = run_page("settings_developers_page")

    assert (result.status, result.header("Content-Type")) == (200, HTML)
    assert f'<a href="/v1/settings/developers/{EVENT_CLIENT_ID}">Octo Deploy</a>' in result.body
    link = '<a class="button" href="/v1/settings/developers/new">Register a new application</a>'
    assert link in result.body
    assert 'href="/v1/settings/developers" aria-current="page">Developer settings</a>' in result.body


def test_new_developer_app_page_event(run_page: RunPage, signed_in: User) -> None:
    result = run_page("new_developer_app_page")

    assert result.status == 200
    assert '<form method="post" action="/v1/settings/developers" novalidate>' in result.body
    for field in ('name="name"', 'name="url"', 'name="callback_url"', 'name="device_flow"'):
        assert field in result.body


def test_register_developer_app_event(run_page: RunPage, signed_in: User, repository: Repository,
                                      table: TableView) -> None:  # fmt: skip
    result = run_page("register_developer_app")

    assert result.status == 200
    (app,) = repository.owned_apps(signed_in.id)
    assert (app.name, app.url, app.callback_url, app.device_flow) == (
        "Octo Deploy", "https://deploy.example.com", "https://deploy.example.com/callback", True,
    )  # fmt: skip
    shown = re.search(r'id="new-client-secret" value="([0-9a-f]{40})" readonly', result.body)
    assert shown is not None and app.secrets[0].last_eight == shown.group(1)[-8:]
    assert f'value="{app.client_id}" readonly' in result.body
    assert_no_secrets(table, [shown.group(1), EVENT_SESSION_ID])
    assert_table_invariants(table)


def test_developer_app_page_event(run_page: RunPage, owned_app: App) -> None:
    result = run_page("developer_app_page")

    assert result.status == 200
    assert f"<code>*****{EVENT_CLIENT_SECRET[-8:]}</code>" in result.body
    assert f"<code>*****{SECOND_SECRET[-8:]}</code>" in result.body
    assert EVENT_CLIENT_SECRET not in result.body


def test_update_developer_app_event(run_page: RunPage, owned_app: App, repository: Repository) -> None:
    result = run_page("update_developer_app")

    assert result.status == 200
    changed = repository.get_app(EVENT_CLIENT_ID)
    assert changed is not None and changed.device_flow and changed.revision == owned_app.revision + 1
    assert changed.secrets == owned_app.secrets


def test_generate_client_secret_event_refused_at_two(run_page: RunPage, owned_app: App,
                                                     repository: Repository) -> None:  # fmt: skip
    result = run_page("generate_client_secret")

    assert result.status == 422
    assert "You can&#39;t have more than 2 client secrets." in result.body
    assert repository.get_app(EVENT_CLIENT_ID) == owned_app


def test_delete_client_secret_event(run_page: RunPage, owned_app: App, repository: Repository) -> None:
    result = run_page("delete_client_secret")

    assert result.status == 303
    assert result.header("Location") == f"{SITE_ROOT}/settings/developers/{EVENT_CLIENT_ID}"
    app = repository.get_app(EVENT_CLIENT_ID)
    assert app is not None and [s.id for s in app.secrets] == [2]


def test_generate_client_secret_event(run_page: RunPage, owned_app: App, repository: Repository,
                                      table: TableView) -> None:  # fmt: skip
    run_page("delete_client_secret")

    result = run_page("generate_client_secret")

    assert result.status == 200
    shown = re.search(r'id="new-client-secret" value="([0-9a-f]{40})" readonly', result.body)
    assert shown is not None
    app = repository.get_app(EVENT_CLIENT_ID)
    assert app is not None and [s.id for s in app.secrets] == [2, 3]
    assert_no_secrets(table, [shown.group(1)])


def test_delete_developer_app_event(run_page: RunPage, owned_app: App, repository: Repository,
                                    table: TableView) -> None:  # fmt: skip
    result = run_page("delete_developer_app")

    assert result.status == 303
    assert result.header("Location") == f"{SITE_ROOT}/settings/developers"
    assert repository.get_app(EVENT_CLIENT_ID) is None
    assert repository.owned_apps(owned_app.owner_id or 0) == []
    assert_table_invariants(table)
