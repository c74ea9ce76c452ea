"""`oauth_authz.store.session_store`: a session and its reference in the user's partition, written together
with one TTL; ending every session of a user (the references queried, the deletes in transactions of at most
100 items); on the moto table."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from oauth_authz import clock
from oauth_authz.models.domain import User, WebSession
from oauth_authz.service.sessions import hashed
from oauth_authz.store import session_store
from oauth_authz.store.session_store import END_PART, SessionStore
from tests.support.invariants import assert_table_invariants
from tests.support.tables import TableView


def web_session(user: User, hours: int = 8, pending: bool = False) -> WebSession:
    expires = clock.now().replace(microsecond=0) + timedelta(hours=hours)
    return WebSession(user_id=user.id, login=user.login, expires_at=expires, pending_two_factor=pending)


class Calls:
    """The store's DynamoDB calls, by operation (the real client underneath)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.made: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, operation: str) -> Any:
        def call(**kwargs: Any) -> Any:
            self.made.append((operation, kwargs))
            return getattr(self.client, operation)(**kwargs)

        return call

    def count(self, operation: str) -> int:
        return sum(1 for name, _ in self.made if name == operation)


@pytest.fixture
def store(table: TableView) -> SessionStore:
    return SessionStore(table.name)


@pytest.mark.parametrize("pending", [False, True])
def test_a_session_and_its_reference_are_one_write_with_one_ttl(
    store: SessionStore, table: TableView, octocat: User, pending: bool
) -> None:
    """Seen red with the reference left out of `start`'s transaction."""
    calls = Calls(store.table.client)
    store.table.client = calls
    session = web_session(octocat, pending=pending)

    store.start(hashed("one"), session)

    assert calls.count("transact_write_items") == 1 and len(calls.made) == 1
    ref = table.get(f"USER#{octocat.id}", f"SESSION#{hashed('one')}")
    stored = table.get(f"SESSION#{hashed('one')}", "SESSION")
    assert ref is not None and stored is not None
    assert ref == {
        "PK": f"USER#{octocat.id}",
        "SK": f"SESSION#{hashed('one')}",
        "Type": "SessionRef",
        "expires_ttl": int(session.expires_at.timestamp()),
    }
    assert ref["expires_ttl"] == stored["expires_ttl"]
    assert_table_invariants(table)


def test_end_all_ends_every_session_of_the_user_and_no_one_elses(
    store: SessionStore, table: TableView, octocat: User, hubot: User
) -> None:
    for name in ("laptop", "phone"):
        store.start(hashed(name), web_session(octocat))
    store.start(hashed("pending"), web_session(octocat, pending=True))
    store.start(hashed("hubot's"), web_session(hubot))

    assert store.end_all(octocat.id) == 3

    now = clock.now()
    assert [store.get(hashed(n), now) for n in ("laptop", "phone", "pending")] == [None, None, None]
    assert store.get(hashed("hubot's"), now) is not None
    assert not [
        i for i in table.items() if i["PK"] == f"USER#{octocat.id}" and i["SK"].startswith("SESSION#")
    ]
    assert table.get(f"USER#{hubot.id}", f"SESSION#{hashed('hubot' + chr(39) + 's')}") is not None
    assert_table_invariants(table)
    assert store.end_all(octocat.id) == 0  # nothing left: no write


def test_a_dangling_reference_is_harmless(store: SessionStore, table: TableView, octocat: User) -> None:
    """A session ended by sign-out, or replaced at sign-in, leaves its reference: ending it again deletes
    nothing and fails nothing (no conditions)."""
    store.start(hashed("old"), web_session(octocat))
    store.end(hashed("old"))
    store.start(hashed("new"), web_session(octocat), replacing=hashed("old"))
    store.start(hashed("newer"), web_session(octocat), replacing=hashed("new"))
    assert table.get(f"USER#{octocat.id}", f"SESSION#{hashed('old')}") is not None  # until its TTL
    assert_table_invariants(table)

    assert store.end_all(octocat.id) == 3

    assert store.get(hashed("newer"), clock.now()) is None
    assert not [i for i in table.items() if i["SK"].startswith("SESSION")]


def test_many_sessions_go_in_transactions_of_at_most_100_items(
    store: SessionStore, table: TableView, octocat: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen red with END_PART at 51 (102 actions: DynamoDB refuses the transaction)."""
    count = 2 * END_PART + 1
    for n in range(count):
        store.start(hashed(f"s{n}"), web_session(octocat))
    calls = Calls(store.table.client)
    store.table.client = calls

    assert store.end_all(octocat.id) == count

    sizes = [len(kwargs["TransactItems"]) for name, kwargs in calls.made if name == "transact_write_items"]
    assert sizes == [100, 100, 2]
    assert not [i for i in table.items() if i["SK"].startswith("SESSION")]


def test_the_references_are_read_on_every_page(
    store: SessionStore, table: TableView, octocat: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Query answers 1 MB at most: every page of references is read (seen red reading the first only)."""
    for n in range(5):
        store.start(hashed(f"s{n}"), web_session(octocat))
    calls = Calls(store.table.client)
    store.table.client = calls
    real_query = session_store.Table.query

    def two_per_page(self: Any, partition: str, prefix: str | None, **kwargs: Any) -> Any:
        return real_query(self, partition, prefix, Limit=2, **kwargs)

    monkeypatch.setattr(session_store.Table, "query", two_per_page)

    assert store.end_all(octocat.id) == 5

    assert calls.count("query") == 3
    assert not [i for i in table.items() if i["SK"].startswith("SESSION")]


def test_the_query_is_of_the_users_session_references_only(store: SessionStore, octocat: User) -> None:
    calls = Calls(store.table.client)
    store.table.client = calls
    store.end_all(octocat.id)
    ((operation, kwargs),) = calls.made
    assert operation == "query"
    assert kwargs["KeyConditionExpression"] == "PK = :pk AND begins_with(SK, :prefix)"
    assert kwargs["ExpressionAttributeValues"] == {
        ":pk": {"S": f"USER#{octocat.id}"},
        ":prefix": {"S": "SESSION#"},
    }
