"""The admin CLI's operations on the table: listing users and apps, deleting a user with all that hangs on
it (an app is deleted as its owner's page deletes it, `service/app_removal.py`, through the `ByClientId`
index). They Scan (paginated), and the deletes are batches, not transactions: administration only, never
reachable from a request path (STYLE: "never Scan on a request path"; the request path's store is
`repository.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oauth_authz.models.domain import App, User
from oauth_authz.store import app_items, items, keys
from oauth_authz.store.table import Table


class Admin:
    def __init__(self, table: Table) -> None:
        self.table = table

    def list_users(self) -> list[User]:
        return sorted(
            (items.user_from_item(i) for i in self._scan_type("User")), key=lambda user: user.login.lower()
        )

    def delete_user(self, user: User) -> None:
        """The user, every authorization, token, claim, grant and session of theirs."""
        doomed: list[dict[str, str]] = []
        for item in self.table.query(keys.user_partition(user.id), None):
            doomed.append({"PK": item["PK"]["S"], "SK": item["SK"]["S"]})
            kind = items.item_type(item)
            if kind == "Authorization":
                auth = items.authorization_from_item(item)
                doomed += [keys.token_key(auth.hashed_token), keys.authorization_id_key(auth.id)]
            if kind == "Grant":
                doomed.append(keys.grant_id_key(items.grant_from_item(item).id))
            if kind == "SessionRef":
                doomed.append(keys.session_key(item["SK"]["S"].removeprefix(keys.SESSION_REF_PREFIX)))
        doomed += [keys.login_key(user.login), keys.user_id_key(user.id)]
        self.table.batch_delete(doomed)

    def list_apps(self) -> list[App]:
        return sorted(
            (app_items.app_from_item(i) for i in self._scan_type("App")), key=lambda app: app.created_at
        )

    def _scan_type(self, type_name: str, **filters: str) -> Iterator[items.Item]:
        """Every item of a type (and with the given string attributes), the whole table scanned."""
        expression = "#type = :type" + "".join(f" AND #{k} = :{k}" for k in filters)
        params: dict[str, Any] = {
            "FilterExpression": expression,
            "ExpressionAttributeNames": {"#type": "Type", **{f"#{k}": k for k in filters}},
            "ExpressionAttributeValues": {
                ":type": items.string(type_name),
                **{f":{k}": items.string(v) for k, v in filters.items()},
            },
        }
        yield from self.table.pages("scan", params)
