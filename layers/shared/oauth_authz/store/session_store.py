"""Web sessions in the table: one item per session, keyed by the SHA-256 of its id, removed by TTL.

Reads check `expires_at` too (DynamoDB's TTL is lazy). A new session replacing an old one (a sign-in, the
two-factor step) is one transaction: the old one cannot outlive the new.

Each session has a reference in its user's partition (`keys.session_ref_key`: USER#<id> / SESSION#<hash>),
written in the same transaction and with the same TTL, so that "sign out every session" can find them all
with one Query. A session ended otherwise (sign-out, replaced at sign-in) leaves its reference behind: it
points at nothing, is harmless (ending it again deletes nothing), and goes with its TTL as the session would
have. Sessions started before references existed have none: they are not reached by `end_all` and end
within their own 8 hours (README, upgrade notes).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from oauth_authz.clock import iso, parse_iso
from oauth_authz.models.domain import App, WebSession
from oauth_authz.store import app_items, items, keys
from oauth_authz.store.table import Table, Write, delete, put


def session_item(hashed_id: str, session: WebSession) -> items.Item:
    return {
        **items.key_attributes(keys.session_key(hashed_id)),
        "Type": items.string("Session"),
        "user_id": items.number(session.user_id),
        "login": items.string(session.login),
        "pending_two_factor": {"BOOL": session.pending_two_factor},
        "expires_at": items.string(iso(session.expires_at)),
        "expires_ttl": items.number(int(session.expires_at.timestamp())),
    }


def session_ref_item(hashed_id: str, session: WebSession) -> items.Item:
    """The user's reference to the session: its hash is in the key, nothing else of it is kept."""
    return {
        **items.key_attributes(keys.session_ref_key(session.user_id, hashed_id)),
        "Type": items.string("SessionRef"),
        "expires_ttl": items.number(int(session.expires_at.timestamp())),
    }


def session_from_item(item: items.Item) -> WebSession:
    return WebSession(
        user_id=int(item["user_id"]["N"]),
        login=item["login"]["S"],
        expires_at=parse_iso(item["expires_at"]["S"]),
        pending_two_factor=bool(item.get("pending_two_factor", {}).get("BOOL", False)),
    )


END_PART = 50  # sessions per transaction: a session and its reference each, TransactWriteItems' 100 at most


class SessionStore:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self.table = Table(table_name, client)

    def get(self, hashed_id: str, now: datetime) -> WebSession | None:
        item = self.table.get(keys.session_key(hashed_id))
        if item is None or items.item_type(item) != "Session":
            return None
        session = session_from_item(item)
        return session if session.expires_at > now else None

    def get_with_app(
        self, hashed_id: str | None, client_id: str | None, now: datetime
    ) -> tuple[WebSession | None, App | None]:
        """The session (live) and the app, in one BatchGetItem: the authorize page's first read. None for
        either not asked (None) or not found; no call when neither is asked."""
        wanted = {}
        if hashed_id is not None:
            wanted["session"] = keys.session_key(hashed_id)
        if client_id is not None:
            wanted["app"] = keys.app_key(client_id)
        found = self.table.batch_get(wanted) if wanted else {}
        session_item = found.get("session")
        session = None
        if session_item is not None and items.item_type(session_item) == "Session":
            session = session_from_item(session_item)
            session = session if session.expires_at > now else None
        app = app_items.app_from_item(found["app"]) if "app" in found else None
        return session, app

    def start(self, hashed_id: str, session: WebSession, replacing: str | None = None) -> None:
        """Store a new session; `replacing`: the hashed id of the browser's previous one, ended with it."""
        writes: list[Write] = [
            put("session", session_item(hashed_id, session)),
            put("ref", session_ref_item(hashed_id, session)),
        ]
        if replacing is not None and replacing != hashed_id:
            writes.append(delete("old", keys.session_key(replacing), condition=None))
        self.table.transact(writes)

    def end(self, hashed_id: str) -> None:
        self.table.call("delete_item", Key=items.key_attributes(keys.session_key(hashed_id)))

    def end_all(self, user_id: int) -> int:
        """End every session of the user that has a reference (the caller's own included): one Query of the
        references (every page of it), then transactions of `END_PART` sessions, each deleting sessions and
        their references (already gone is fine: no conditions). Returns how many references there were."""
        found = self.table.query(
            keys.user_partition(user_id),
            keys.SESSION_REF_PREFIX,
            ProjectionExpression="SK",
        )
        hashed_ids = [item["SK"]["S"].removeprefix(keys.SESSION_REF_PREFIX) for item in found]
        for start in range(0, len(hashed_ids), END_PART):
            writes: list[Write] = []
            for n, hashed_id in enumerate(hashed_ids[start : start + END_PART], start):
                writes.append(delete(f"session {n}", keys.session_key(hashed_id), condition=None))
                writes.append(delete(f"ref {n}", keys.session_ref_key(user_id, hashed_id), condition=None))
            self.table.transact(writes)
        return len(hashed_ids)
