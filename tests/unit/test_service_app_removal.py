"""`oauth_authz.service.app_removal`: an app's deletion through the `ByClientId` index, without a Scan."""

from __future__ import annotations

from typing import Any

import pytest

from oauth_authz import clock
from oauth_authz.models.domain import App, AuthorizationCode, User
from oauth_authz.service.app_removal import AppRemoval, remove_app
from oauth_authz.service.grants import GrantService
from oauth_authz.store.repository import Repository
from oauth_authz.store.table import WriteConflict
from tests.support.tables import TableView
from tests.unit.test_store_admin import app, authorization, user, with_grant

NOW = clock.now()


@pytest.fixture
def two_users_and_an_app(repository: Repository) -> tuple[User, User, App]:
    """mona (a personal token and a token of app `a1` in its grant) and bob (the same), app `a1` (mona's),
    a web flow code of `a1` not yet exchanged, and app `a2` with a token of bob's."""
    mona, bob = user(1, "mona"), user(2, "bob")
    a1 = App(**{**app("a1", 10).__dict__, "owner_id": mona.id})
    for who in (mona, bob):
        repository.create_user(who)
    repository.create_app(a1)
    repository.create_app(app("a2", 11))
    repository.create_authorization(authorization(mona, 100))
    with_grant(repository, authorization(mona, 101, "a1"), 1000)
    repository.create_authorization(authorization(bob, 200))
    with_grant(repository, authorization(bob, 201, "a1"), 2000)
    with_grant(repository, authorization(bob, 202, "a2"), 3000)
    code = AuthorizationCode("c" * 64, "a1", bob.id, "bob", None, ["repo"], None, NOW, NOW)
    repository.create_code(code)
    return mona, bob, a1


def test_deleting_an_app_revokes_its_tokens_for_every_user_and_keeps_the_rest(
    repository: Repository, table: TableView, two_users_and_an_app: tuple[User, User, App]
) -> None:
    _, _, a1 = two_users_and_an_app
    before = table.keys()

    revoked = remove_app(repository, a1, owner_id=1)

    assert revoked == 2
    after = table.keys()
    gone = before - after
    assert {("APP#a1", "APP"), ("USER#1", "OWNEDAPP#a1"), ("CODE#" + "c" * 64, "CODE")} <= gone
    assert not any(item.get("client_id") == "a1" for item in table.items())
    assert ("USER#1", "AUTH#0000000000000100") in after  # mona's personal token stays
    assert ("USER#2", "GRANT#a2") in after and ("APP#a2", "APP") in after  # another app's stay
    assert ("GRANTID#1000", "GRANTID") in gone and ("GRANTID#2000", "GRANTID") in gone


def test_the_request_path_never_scans(
    repository: Repository, two_users_and_an_app: tuple[User, User, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen red with `items_of_app` reading the table with a Scan filtered on client_id."""
    _, _, a1 = two_users_and_an_app
    calls: list[str] = []
    original = repository.table.call

    def recorded(operation: str, **kwargs: Any) -> Any:
        calls.append(operation)
        return original(operation, **kwargs)

    monkeypatch.setattr(repository.table, "call", recorded)
    remove_app(repository, a1, owner_id=1)

    assert "scan" not in calls


def test_another_owner_cannot_delete_it_and_a_failure_midway_is_finished_by_a_retry(
    repository: Repository, table: TableView, two_users_and_an_app: tuple[User, User, App]
) -> None:
    """The app item goes last: a failure before leaves the app (fewer tokens), and deleting again
    finishes. Seen red with the app deleted first (the second call found no app to delete)."""
    _, bob, a1 = two_users_and_an_app
    with pytest.raises(WriteConflict):
        remove_app(repository, a1, owner_id=bob.id)  # not bob's: the app stays
    assert repository.get_app("a1") is not None

    class Failing(AppRemoval):
        def _delete_leftovers(self, found: list[Any]) -> None:
            raise RuntimeError("the network went")

    with pytest.raises(RuntimeError):
        Failing(repository, GrantService(repository)).remove(a1, 1)
    assert repository.get_app("a1") is not None  # still there, on its owner's page
    assert repository.get_grant(bob.id, "a1") is None  # its grants went first

    remove_app(repository, a1, owner_id=1)
    assert repository.get_app("a1") is None
    assert not any(item.get("client_id") == "a1" for item in table.items())
    assert table.get("USER#1", "OWNEDAPP#a1") is None
