"""Apps on the request path, beyond reading one (`Repository.get_app`): an owner's apps, a change to an app
conditional on its revision, the items that name an app (the `ByClientId` index) and an app's removal.

An owner's apps are found without a Scan: the owner's partition holds a reference to each
(`USER#<id>` / `OWNEDAPP#<client_id>`), written in the transaction that creates the app and deleted in the one
that deletes it; the list is one Query of the references and one BatchGetItem of the apps.

Every change to the app item is conditional on the `revision` read (absent on items written before revisions:
0), and moves it on: of two concurrent changes (two secret generations, say) one fails with `WriteConflict`
instead of leaving three secrets or losing one.

The `ByClientId` global secondary index (partition key `client_id`, sort key `SK`, all attributes) lists every
item that names an app (the app, its grants, authorizations and their token copies, codes, refresh tokens,
device requests and user codes): deleting an app from its page finds what hangs on it without a Scan. A
global index is eventually consistent (no ConsistentRead): a caller that must see everything reads again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oauth_authz.models.domain import App
from oauth_authz.store import app_items, items, keys
from oauth_authz.store.table import Table, Write, delete, put

CLIENT_ID_INDEX = "ByClientId"
BATCH_GET_SIZE = 100  # BatchGetItem's limit


def _revision_condition(app: App, owner_id: int | None) -> tuple[str, dict[str, Any]]:
    """The condition that the stored app is still at `app.revision` (and owned by `owner_id` when given)."""
    values: dict[str, Any] = {":revision": items.number(app.revision)}
    condition = "attribute_exists(PK) AND revision = :revision"
    if app.revision == 0:
        condition = "attribute_exists(PK) AND (attribute_not_exists(revision) OR revision = :revision)"
    if owner_id is not None:
        condition = f"({condition}) AND owner_id = :owner"
        values[":owner"] = items.number(owner_id)
    return condition, values


class AppRecords:
    table: Table

    def owned_apps(self, owner_id: int) -> list[App]:
        """The apps `owner_id` registered (one Query of their references, a BatchGetItem per 100 apps)."""
        refs = self.table.query(keys.user_partition(owner_id), keys.OWNED_APP_PREFIX)
        client_ids = [ref["owned_client_id"]["S"] for ref in refs]
        apps: list[App] = []
        for start in range(0, len(client_ids), BATCH_GET_SIZE):
            wanted = {cid: keys.app_key(cid) for cid in client_ids[start : start + BATCH_GET_SIZE]}
            found = self.table.batch_get(wanted)
            apps += [app_items.app_from_item(found[cid]) for cid in wanted if cid in found]
        return [app for app in apps if app.owner_id == owner_id]

    def create_app_with_owner(self, app: App) -> list[Write]:
        """The writes that register an app: the app, and its owner's reference when it has one."""
        writes = [put("app", app_items.app_item(app))]
        if app.owner_id is not None:
            ref = app_items.owned_app_ref_item(app.owner_id, app.client_id)
            writes.append(put("owned_app", ref))
        return writes

    def change_app(self, read: App, changed: App, owner_id: int | None = None) -> App:
        """Write `changed` over the app as it was read (`read.revision`; the owner's when `owner_id` is
        given), its revision moved on; `WriteConflict` when the app changed or went meanwhile."""
        condition, values = _revision_condition(read, owner_id)
        stored = app_items.with_revision(changed, read.revision + 1)
        self.table.transact(
            [put("app", app_items.app_item(stored), condition=condition, ExpressionAttributeValues=values)]
        )
        return stored

    def remove_app(self, app: App, owner_id: int | None) -> None:
        """Delete the app (as read: same revision, same owner) and its owner's reference, in one
        transaction; `WriteConflict` when it changed meanwhile."""
        condition, values = _revision_condition(app, owner_id)
        writes = [delete("app", keys.app_key(app.client_id), condition, ExpressionAttributeValues=values)]
        if app.owner_id is not None:
            writes.append(delete("owned_app", keys.owned_app_key(app.owner_id, app.client_id), None))
        self.table.transact(writes)

    def items_of_app(self, client_id: str) -> Iterator[items.Item]:
        """Every item that names the app, from the `ByClientId` index (eventually consistent)."""
        params: dict[str, Any] = {
            "IndexName": CLIENT_ID_INDEX,
            "KeyConditionExpression": "client_id = :client_id",
            "ExpressionAttributeValues": {":client_id": items.string(client_id)},
        }
        yield from self.table.pages("query", params)
