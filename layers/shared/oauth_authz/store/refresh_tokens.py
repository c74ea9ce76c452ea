"""The request path's refresh tokens (SPEC section 10): stored by their SHA-256 with a TTL, each the link of a
family (a chain of rotations) whose live end the user's grant holds (`Grant.families`).

A rotation is one transaction: the refresh token presented spent, the family's live end moved on (provided
it is still at the token presented: the grant's condition), the old access token's items gone, the new
access token and refresh token made. Revoking the grant, or the family's access token, ends the family.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from oauth_authz.clock import iso
from oauth_authz.models.domain import App, Authorization, GrantEntry, RefreshFamily, RefreshToken
from oauth_authz.store import app_items, items, keys
from oauth_authz.store.repository import GRANT, creation_writes
from oauth_authz.store.table import Table, Write, delete, put, update

REFRESH = "refresh"
OLD_AUTHORIZATION = "old_authorization"


@dataclass(frozen=True)
class RefreshContext:
    """What a refresh needs, read in one BatchGetItem: the refresh token presented and the app named."""

    token: RefreshToken | None
    app: App | None


def refresh_put(token: RefreshToken) -> Write:
    return put("new_refresh", items.refresh_item(token))


def family_of(token: RefreshToken, auth: Authorization) -> RefreshFamily:
    """The live end of `token`'s family once `auth` (issued with it) is its access token."""
    return RefreshFamily(
        auth_id=auth.id,
        refresh_hash=token.hashed_token,
        scopes=list(auth.scopes),
        expires_at=token.expires_at,
    )


class RefreshTokens:
    def __init__(self, table: Table) -> None:
        self.table = table

    def context(self, hashed_token: str, client_id: str) -> RefreshContext:
        found = self.table.batch_get(
            {"token": keys.refresh_key(hashed_token), "app": keys.app_key(client_id)}
        )
        return RefreshContext(
            token=items.refresh_from_item(found["token"]) if "token" in found else None,
            app=app_items.app_from_item(found["app"]) if "app" in found else None,
        )

    def get(self, hashed_token: str) -> RefreshToken | None:
        item = self.table.get(keys.refresh_key(hashed_token))
        return None if item is None else items.refresh_from_item(item)

    def rotate(self, old: RefreshToken, auth: Authorization, new: RefreshToken, moment: datetime) -> None:
        """One transaction (`WriteConflict` naming `refresh` when `old` was spent meanwhile, `grant` when its
        family is no longer at `old`: revoked, or moved on by a rotation that won; `old_authorization` when
        its access token was reset since, and has another hash than `old` knows)."""
        family = items.family_attribute(old.family)
        spend = update(
            REFRESH,
            keys.refresh_key(old.hashed_token),
            UpdateExpression="SET spent_at = :now",
            ConditionExpression="attribute_exists(PK) AND attribute_not_exists(spent_at)",
            ExpressionAttributeValues={":now": items.string(iso(moment))},
        )
        entry = items.grant_entry_value(GrantEntry(scopes=auth.scopes, expires_at=auth.expires_at))
        move = update(
            GRANT,
            keys.grant_key(old.user_id, old.client_id),
            UpdateExpression="SET #auths.#new = :entry, #family = :family, updated_at = :now "
            "REMOVE #auths.#old ADD version :one",
            ConditionExpression="#family.refresh_hash = :old_hash",
            ExpressionAttributeNames={
                "#auths": "auths",
                "#new": str(auth.id),
                "#old": str(old.auth_id),
                "#family": family,
            },
            ExpressionAttributeValues={
                ":entry": entry,
                ":family": items.family_value(family_of(new, auth)),
                ":now": items.string(iso(moment)),
                ":one": items.number(1),
                ":old_hash": items.string(old.hashed_token),
            },
        )
        writes = [
            spend,
            move,
            *_access_token_deletes(old.user_id, old.client_id, old.auth_id, old.auth_hashed_token),
        ]
        # The new token's own items; its grant entry is `move`'s (no grant write of creation_writes').
        writes += [w for w in creation_writes(auth, None, None) if w.part != GRANT]
        writes.append(refresh_put(new))
        self.table.transact(writes)

    def end_family(self, user_id: int, client_id: str, family: str, live_end: RefreshFamily) -> None:
        """A spent refresh token presented again: the family's access token and refresh token go, and the
        family leaves the grant (`WriteConflict` when the family moved meanwhile: read again)."""
        found = self.table.get(keys.authorization_key(user_id, live_end.auth_id))
        hashed = "" if found is None else items.authorization_from_item(found).hashed_token
        self.table.transact(
            [
                update(
                    GRANT,
                    keys.grant_key(user_id, client_id),
                    UpdateExpression="REMOVE #auths.#old, #family ADD version :one",
                    ConditionExpression="#family.refresh_hash = :hash",
                    ExpressionAttributeNames={
                        "#auths": "auths",
                        "#old": str(live_end.auth_id),
                        "#family": items.family_attribute(family),
                    },
                    ExpressionAttributeValues={
                        ":one": items.number(1),
                        ":hash": items.string(live_end.refresh_hash),
                    },
                ),
                delete("live_refresh", keys.refresh_key(live_end.refresh_hash), condition=None),
                *_access_token_deletes(user_id, client_id, live_end.auth_id, hashed),
            ]
        )


def _access_token_deletes(user_id: int, client_id: str, auth_id: int, hashed_token: str) -> list[Write]:
    """An access token's items (gone already if it expired and TTL took them): its authorization, its claim
    and (when its hash is known) its token copy."""
    writes = [
        # (a reset gave the access token a new hash since: `WriteConflict` naming `old_authorization`)
        delete(
            OLD_AUTHORIZATION,
            keys.authorization_key(user_id, auth_id),
            condition="attribute_not_exists(PK) OR hashed_token = :hashed",
            ExpressionAttributeValues={":hashed": items.string(hashed_token)},
        )
        if hashed_token
        else delete(OLD_AUTHORIZATION, keys.authorization_key(user_id, auth_id), condition=None),
        delete(
            "old_claim",
            keys.web_flow_key(user_id, client_id, auth_id),
            condition="attribute_not_exists(PK) OR auth_id = :auth_id",
            ExpressionAttributeValues={":auth_id": items.number(auth_id)},
        ),
    ]
    if hashed_token:
        writes.append(delete("old_token", keys.token_key(hashed_token), condition=None))
    return writes
