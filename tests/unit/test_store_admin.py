"""`oauth_authz.store.admin`: the admin CLI's scans and bulk deletes, on the moto table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from oauth_authz import clock
from oauth_authz.errors import StoreUnavailable
from oauth_authz.models.domain import App, Authorization, ClientSecret, Grant, GrantEntry, User, WebSession
from oauth_authz.store import keys
from oauth_authz.store.admin import Admin
from oauth_authz.store.repository import Repository
from oauth_authz.store.session_store import SessionStore
from oauth_authz.store.table import Table
from tests.support.tables import TableView

NOW = clock.now()


def user(user_id: int, login: str) -> User:
    return User(id=user_id, login=login, created_at=NOW, password_hash="h")


def app(client_id: str, app_id: int, minutes: int = 0) -> App:
    return App(
        client_id=client_id,
        id=app_id,
        name=f"App {client_id}",
        url="https://app.example.com",
        created_at=NOW + timedelta(minutes=minutes),
        secrets=(ClientSecret(1, "s", None, NOW),),
    )


def authorization(owner: User, auth_id: int, client_id: str | None = None) -> Authorization:
    return Authorization(
        id=auth_id,
        user_id=owner.id,
        login=owner.login,
        client_id=client_id,
        app_name="n",
        app_url="https://x.example",
        scopes=["repo"],
        hashed_token=f"{auth_id:064x}",
        token_last_eight="12345678",
        note=None if client_id else f"note {auth_id}",
        note_url=None,
        fingerprint=None,
        created_at=NOW,
        updated_at=NOW,
    )


def with_grant(repository: Repository, auth: Authorization, grant_id: int) -> None:
    assert auth.client_id is not None
    grant = Grant(
        id=grant_id,
        user_id=auth.user_id,
        client_id=auth.client_id,
        app_name="n",
        app_url="https://x.example",
        created_at=NOW,
        updated_at=NOW,
        entries={auth.id: GrantEntry(scopes=auth.scopes)},
    )
    repository.create_authorization(auth, new_grant=grant)


@pytest.fixture
def admin(repository: Repository) -> Admin:
    return Admin(repository.table)


@pytest.fixture
def two_users_and_an_app(repository: Repository) -> tuple[User, User, App]:
    """mona (a personal token and a token of app `a1` in its grant) and bob (the same), app `a1`."""
    mona, bob = user(1, "mona"), user(2, "bob")
    a1 = app("a1", 10)
    for who in (mona, bob):
        repository.create_user(who)
    repository.create_app(a1)
    repository.create_authorization(authorization(mona, 100))
    with_grant(repository, authorization(mona, 101, "a1"), 1000)
    repository.create_authorization(authorization(bob, 200))
    with_grant(repository, authorization(bob, 201, "a1"), 2000)
    return mona, bob, a1


def test_users_are_listed_by_login_whatever_the_case(repository: Repository, admin: Admin) -> None:
    for user_id, login in [(1, "carol"), (2, "Alice"), (3, "bob")]:
        repository.create_user(user(user_id, login))

    assert [u.login for u in admin.list_users()] == ["Alice", "bob", "carol"]


def test_apps_are_listed_oldest_first(repository: Repository, admin: Admin) -> None:
    for made in (app("later", 2, minutes=5), app("first", 1), app("middle", 3, minutes=1)):
        repository.create_app(made)

    assert [a.client_id for a in admin.list_apps()] == ["first", "middle", "later"]


def test_deleting_a_user_leaves_nothing_of_theirs_and_everything_of_others(
    admin: Admin, table: TableView, two_users_and_an_app: tuple[User, User, App]
) -> None:
    mona, bob, _ = two_users_and_an_app
    sessions = SessionStore(table.name)
    expires = NOW + timedelta(hours=8)
    sessions.start("a" * 64, WebSession(mona.id, mona.login, expires))
    sessions.start("b" * 64, WebSession(bob.id, bob.login, expires))
    before = table.keys()

    admin.delete_user(mona)

    after = table.keys()
    assert before - after == {
        ("LOGIN#mona", "USER"),
        ("USERID#1", "USERID"),
        *{(key["PK"], key["SK"]) for key in _keys_of(mona, [100, 101], grant_id=1000)},
        ("SESSION#" + "a" * 64, "SESSION"),  # her sessions end with her
        ("USER#1", "SESSION#" + "a" * 64),
    }
    assert ("LOGIN#bob", "USER") in after and ("SESSION#" + "b" * 64, "SESSION") in after


def test_a_throttled_bulk_delete_is_store_unavailable(repository: Repository, admin: Admin) -> None:
    class Throttled:
        def __getattr__(self, operation: str) -> object:
            def call(**_: object) -> object:
                raise ClientError({"Error": {"Code": "ThrottlingException"}}, operation)

            return call

    mona = user(1, "mona")

    with pytest.raises(StoreUnavailable):
        Admin(Table(repository.table.name, Throttled())).delete_user(mona)


def _keys_of(owner: User, auth_ids: list[int], grant_id: int) -> list[dict[str, str]]:
    """Every key a user's partition and their tokens hold (authorizations, copies, claims, grant, guards)."""
    found = []
    for auth_id in auth_ids:
        client_id = "a1" if auth_id % 2 else None
        auth = authorization(owner, auth_id, client_id)
        found += [
            keys.authorization_key(owner.id, auth_id),
            keys.token_key(auth.hashed_token),
            keys.authorization_id_key(auth_id),
            keys.claim_key(auth),
        ]
    found += [keys.grant_key(owner.id, "a1"), keys.grant_id_key(grant_id)]
    return found
