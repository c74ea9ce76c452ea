"""Administration (`oauth_authz.service.accounts.Accounts`, the admin CLI's use cases) on the moto table."""

from __future__ import annotations

import re
from typing import Any

import pytest

from oauth_authz.passwords import verify_password
from oauth_authz.service.accounts import AccountError, Accounts
from tests.support.api import Api
from tests.support.events import authorizer_event, basic
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.tables import TableView


def test_create_a_user_who_can_then_sign_in(accounts: Accounts, authorize: Any, table: TableView) -> None:
    user = accounts.create_user("mona", "a strong password")

    assert 0 < user.id < 2**53
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "a strong password")
    answer = authorize(authorizer_event(basic("mona", "a strong password")))
    assert answer["context"] == {"principal_type": "user", "user_id": user.id, "login": "mona"}
    assert_table_invariants(table)
    assert_no_secrets(table, ["a strong password"])


@pytest.mark.parametrize(
    "login", ["", "-mona", "mona-", "mo--na", "mona lisa", "mona_lisa", "m" * 40, "mönä", "mona\x00"]
)
def test_logins_follow_githubs_rule(accounts: Accounts, table: TableView, login: str) -> None:
    with pytest.raises(AccountError):
        accounts.create_user(login, "a strong password")
    assert table.items() == []


@pytest.mark.parametrize("password", ["short", "x" * 1025, "with a \x00 NUL"])
def test_passwords_have_limits(accounts: Accounts, table: TableView, password: str) -> None:
    with pytest.raises(AccountError):
        accounts.create_user("mona", password)
    assert table.items() == []


def test_logins_are_unique_whatever_the_case(accounts: Accounts, octocat: Any) -> None:
    with pytest.raises(AccountError, match="taken"):
        accounts.create_user("OctoCat", "another password")


def test_list_users(accounts: Accounts, octocat: Any, hubot: Any) -> None:
    assert [user.login for user in accounts.list_users()] == ["hubot", "octocat"]


def test_delete_a_user_with_everything_of_theirs(
    accounts: Accounts, api: Api, octocat: Any, hubot: Any, oauth_app: Any, table: TableView
) -> None:
    api.create({"note": "personal"})
    api.get_or_create(oauth_app.client_id, {"client_secret": oauth_app.client_secret}, "laptop")
    kept = api.as_user(hubot).create({"note": "hubot's"}).json

    accounts.delete_user("octocat")

    keys = table.keys()
    assert not any(pk.startswith("USER#1") or pk in ("LOGIN#octocat", "USERID#1") for pk, _ in keys)
    assert api.as_user(hubot).get(kept["id"]).status == 200
    assert_table_invariants(table)
    with pytest.raises(AccountError):
        accounts.delete_user("octocat")


def test_deleting_a_user_deletes_the_apps_they_own_and_the_list_names_owners(
    accounts: Accounts, api: Api, octocat: Any, hubot: Any, table: TableView
) -> None:
    """An owner's apps go with them (with every token of theirs, hubot's too): an app whose owner is gone
    could never be changed or deleted from a page. Seen red with `delete_user` leaving the apps (the app was
    still there, owned by nobody)."""
    owned = accounts.create_app("Octo's App", "https://octo.example.com", owner="octocat")
    cli_app = accounts.create_app("CLI App", "https://cli.example.com")
    api.as_user(hubot).get_or_create(owned.app.client_id, {"client_secret": owned.client_secret}, "laptop")
    assert accounts.owner_logins(accounts.list_apps()) == {octocat.id: "octocat"}
    with pytest.raises(AccountError, match="No user 'nobody'"):
        accounts.create_app("Nobody's", "https://x.example.com", owner="nobody")

    accounts.delete_user("octocat")

    assert accounts.repository.get_app(owned.app.client_id) is None
    assert [app.client_id for app in accounts.list_apps()] == [cli_app.app.client_id]
    assert not any(item.get("client_id") == owned.app.client_id for item in table.items())
    assert accounts.owner_logins(accounts.list_apps()) == {}
    assert_table_invariants(table)


def test_create_an_app(accounts: Accounts, table: TableView) -> None:
    created = accounts.create_app("  My App ", "https://my-app.example.com")

    assert re.fullmatch(r"[0-9a-f]{20}", created.app.client_id)
    assert re.fullmatch(r"[0-9a-f]{40}", created.client_secret)
    assert created.app.name == "My App"
    assert created.client_secret not in repr(created)
    assert [app.client_id for app in accounts.list_apps()] == [created.app.client_id]
    assert_no_secrets(table, [created.client_secret])
    assert_table_invariants(table)


@pytest.mark.parametrize(
    ("name", "url"), [("", "https://x.example"), ("n" * 256, "https://x.example"), ("App", "ftp://x")]
)
def test_apps_need_a_name_and_an_http_url(accounts: Accounts, name: str, url: str) -> None:
    with pytest.raises(AccountError):
        accounts.create_app(name, url)


def test_delete_an_app_revokes_its_tokens(
    accounts: Accounts, api: Api, octocat: Any, hubot: Any, make_app: Any, table: TableView
) -> None:
    app = make_app()
    secret = {"client_secret": app.client_secret}
    mine = api.get_or_create(app.client_id, secret).json
    theirs = api.as_user(hubot).get_or_create(app.client_id, secret, "fp").json
    personal = api.create({"note": "kept"}).json

    deleted, revoked = accounts.delete_app(app.client_id)

    assert (deleted.client_id, revoked) == (app.client_id, 2)
    assert api.get(mine["id"]).status == 404
    assert api.as_user(hubot).get(theirs["id"]).status == 404
    assert api.get(personal["id"]).status == 200
    assert not any(item.get("client_id") == app.client_id for item in table.items())
    assert_table_invariants(table)
    with pytest.raises(AccountError):
        accounts.delete_app(app.client_id)


def test_an_app_gets_a_callback_url_and_can_change_it(accounts: Accounts, table: TableView) -> None:
    created = accounts.create_app("Web App", "https://web.example.com", "https://web.example.com/cb")
    assert created.app.callback_url == "https://web.example.com/cb"
    assert accounts.repository.get_app(created.app.client_id) == created.app

    updated = accounts.update_app(created.app.client_id, callback_url="http://127.0.0.1/cb")
    assert (updated.name, updated.url, updated.callback_url) == (
        "Web App",
        "https://web.example.com",
        "http://127.0.0.1/cb",
    )
    renamed = accounts.update_app(created.app.client_id, name="Renamed", url="https://new.example.com")
    assert (renamed.name, renamed.url, renamed.callback_url) == (
        "Renamed",
        "https://new.example.com",
        "http://127.0.0.1/cb",
    )
    assert accounts.repository.get_app(created.app.client_id) == renamed
    assert renamed.secrets == created.app.secrets and renamed.revision == 2  # two changes
    assert_table_invariants(table)


def test_apps_made_before_callbacks_read_back_without_one(accounts: Accounts) -> None:
    created = accounts.create_app("Old App", "https://old.example.com")
    assert accounts.repository.get_app(created.app.client_id).callback_url is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "callback",
    ["ftp://x.example/cb", "https://user@x.example/cb", "https://x.example/a/../cb", "https://x.example/#f"],
)
def test_callback_urls_follow_the_redirect_rule(accounts: Accounts, table: TableView, callback: str) -> None:
    with pytest.raises(AccountError, match="callback URL"):
        accounts.create_app("Web App", "https://web.example.com", callback)
    created = accounts.create_app("Web App", "https://web.example.com", "https://web.example.com/cb")
    with pytest.raises(AccountError, match="callback URL"):
        accounts.update_app(created.app.client_id, callback_url=callback)
    assert accounts.repository.get_app(created.app.client_id) == created.app


def test_updating_an_unknown_app_is_refused(accounts: Accounts) -> None:
    with pytest.raises(AccountError, match="No app with client_id 'nope'."):
        accounts.update_app("nope", name="x")
