"""`oauth_authz.store.app_records` on the moto table: an owner's apps without a Scan, changes conditional
on the revision, the ByClientId index."""

from __future__ import annotations

from dataclasses import replace

import pytest

from oauth_authz import clock
from oauth_authz.models.domain import App, ClientSecret
from oauth_authz.store.repository import Repository
from oauth_authz.store.table import WriteConflict
from tests.support.tables import TableView

NOW = clock.now()


def app(client_id: str, owner_id: int | None) -> App:
    return App(client_id, 1, f"App {client_id}", "https://a.example", NOW, (ClientSecret(1, "h", None, NOW),),
               owner_id=owner_id)  # fmt: skip


def test_an_owners_apps_are_their_references_apps(repository: Repository, table: TableView) -> None:
    for made in (app("a1", 1), app("a2", 1), app("b1", 2), app("cli", None)):
        repository.create_app(made)

    assert sorted(a.client_id for a in repository.owned_apps(1)) == ["a1", "a2"]
    assert [a.client_id for a in repository.owned_apps(2)] == ["b1"]
    assert repository.owned_apps(3) == []
    assert table.get("USER#1", "OWNEDAPP#a1") is not None and table.get("USER#0", "OWNEDAPP#cli") is None


def test_a_change_moves_the_revision_on_and_a_stale_one_conflicts(repository: Repository) -> None:
    first = app("a1", 1)
    repository.create_app(first)

    changed = repository.change_app(first, replace(first, name="Renamed"))

    assert changed.revision == 1 and repository.get_app("a1") == changed
    with pytest.raises(WriteConflict):
        repository.change_app(first, replace(first, name="Stale"))  # read at revision 0
    with pytest.raises(WriteConflict):
        repository.change_app(changed, replace(changed, name="Not yours"), owner_id=2)
    assert repository.get_app("a1") == changed


def test_an_app_of_an_earlier_version_without_a_revision_changes_once(
    repository: Repository, table: TableView
) -> None:
    old = app("old", None)
    repository.create_app(old)
    table.client.update_item(TableName=table.name, Key={"PK": {"S": "APP#old"}, "SK": {"S": "APP"}},
                             UpdateExpression="REMOVE revision")  # fmt: skip

    assert repository.change_app(old, replace(old, name="New")).revision == 1
    with pytest.raises(WriteConflict):
        repository.change_app(old, replace(old, name="Again"))


def test_removing_an_app_takes_its_reference_and_checks_the_owner(repository: Repository) -> None:
    made = app("a1", 1)
    repository.create_app(made)

    with pytest.raises(WriteConflict):
        repository.remove_app(made, owner_id=2)
    repository.remove_app(made, owner_id=1)

    assert repository.get_app("a1") is None and repository.owned_apps(1) == []


def test_the_index_lists_the_items_that_name_an_app(repository: Repository) -> None:
    repository.create_app(app("a1", 1))
    repository.create_app(app("a2", 1))

    found = list(repository.items_of_app("a1"))

    assert [(i["PK"]["S"], i["SK"]["S"]) for i in found] == [("APP#a1", "APP")]
