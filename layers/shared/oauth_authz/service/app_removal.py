"""Deleting an OAuth app with everything that hangs on it (SPEC 4: its tokens go with it), without a Scan:
the `ByClientId` index lists the items that name the app.

The order, and why:
1. each grant of the app with its tokens, one user at a time, through the grant revocation
   (`GrantService.revoke_for_app`): a user's grant and tokens change together in one transaction (in parts of
   30 tokens, each checking the grant's version), so no user is ever left with a token outside its grant;
2. what is left that names the app (codes, refresh tokens, device requests and user codes, and any token
   without a grant): each can only be used with the app, which still exists, so deleting them one by one
   leaves nothing inconsistent;
3. the app item and its owner's reference, in one transaction conditional on the app as read (its revision
   and owner): last, so that a failure at any step leaves the app in place, still on its owner's page, with
   fewer tokens, and deleting it again finishes the work.
The index is eventually consistent: step 2 reads it again after step 1, and a token issued while the app is
being deleted (between the last read and step 3) outlives it, unusable with the app (no refresh, no check by
the app's credentials) until the user revokes it or it expires: as the admin CLI's deletion before it.
"""

from __future__ import annotations

from contextlib import suppress

from oauth_authz.errors import NotFound
from oauth_authz.models.domain import App
from oauth_authz.service.grants import GrantService
from oauth_authz.store import items, keys
from oauth_authz.store.repository import Repository
from oauth_authz.store.table import delete

TOKEN_TYPES = {"Authorization", "Token"}
TRANSACTION_SIZE = 100  # TransactWriteItems' limit


def _key(item: items.Item) -> dict[str, str]:
    return {"PK": item["PK"]["S"], "SK": item["SK"]["S"]}


class AppRemoval:
    def __init__(self, repository: Repository, grants: GrantService) -> None:
        self.repository = repository
        self.grants = grants

    def remove(self, app: App, owner_id: int | None) -> int:
        """Delete the app and what hangs on it, in the order above; how many tokens it had. `WriteConflict`
        when the app changed (or went) since it was read."""
        found = list(self.repository.items_of_app(app.client_id))
        tokens = {items.authorization_from_item(i).id for i in found if items.item_type(i) in TOKEN_TYPES}
        self._revoke_grants(app, found)
        leftovers = list(self.repository.items_of_app(app.client_id))
        self._revoke_grants(app, leftovers)
        self._delete_leftovers(leftovers)
        self.repository.remove_app(app, owner_id)
        return len(tokens)

    def _revoke_grants(self, app: App, found: list[items.Item]) -> None:
        users = {items.grant_from_item(i).user_id for i in found if items.item_type(i) == "Grant"}
        for user_id in sorted(users):
            with suppress(NotFound):  # revoked meanwhile (or expired): nothing of it left to delete
                self.grants.revoke_for_app(user_id, app.client_id)

    def _delete_leftovers(self, found: list[items.Item]) -> None:
        """Tokens without a grant (with their claims), codes, refresh tokens, device requests, user codes."""
        doomed: list[dict[str, str]] = []
        for item in found:
            kind = items.item_type(item)
            if kind in {"App", "Grant"}:
                continue
            if kind in TOKEN_TYPES:
                auth = items.authorization_from_item(item)
                doomed += [
                    keys.authorization_key(auth.user_id, auth.id),
                    keys.token_key(auth.hashed_token),
                    keys.claim_key(auth),
                ]
            else:
                doomed.append(_key(item))
        unique = list({(key["PK"], key["SK"]): key for key in doomed}.values())
        for start in range(0, len(unique), TRANSACTION_SIZE):  # DeleteItem rights only, no BatchWriteItem
            part = unique[start : start + TRANSACTION_SIZE]
            self.repository.table.transact([delete("leftover", key, None) for key in part])


def remove_app(repository: Repository, app: App, owner_id: int | None) -> int:
    """`AppRemoval.remove` with the repository's own grant service."""
    return AppRemoval(repository, GrantService(repository)).remove(app, owner_id)
