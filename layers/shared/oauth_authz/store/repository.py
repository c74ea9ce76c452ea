"""The repository: what the request path reads and writes, by key (GetItem, BatchGetItem, a Query of one
partition, TransactWriteItems). No Scan is reachable from here: the admin CLI's scans are in `admin.py`.

Every write that must hold together is one TransactWriteItems; a failed condition comes back as
`WriteConflict` naming the parts whose conditions failed (`table.py` reads them from CancellationReasons).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from oauth_authz import clock
from oauth_authz.clock import iso
from oauth_authz.models.domain import (
    App,
    Authorization,
    AuthorizationCode,
    Grant,
    GrantEntry,
    RefreshFamily,
    User,
)
from oauth_authz.store import app_items, items, keys
from oauth_authz.store.app_records import AppRecords
from oauth_authz.store.codes import CODE, CodeRecords
from oauth_authz.store.sign_ins import SignInRecords
from oauth_authz.store.table import Table, Write, WriteConflict, delete, put, update
from oauth_authz.store.user_records import UserRecords

NOTE = "note"
FINGERPRINT = "fingerprint"
AUTHORIZATION = "authorization"
GRANT = "grant"


class AlreadyExists(Exception):
    pass


@dataclass(frozen=True)
class AppContext:
    """What creating an app token needs, read in one BatchGetItem."""

    app: App | None
    existing_auth_id: int | None
    grant: Grant | None


def _versioned(version: int) -> dict[str, Any]:
    """The condition that an item is still at the version read, for `put`, `delete` and `update`."""
    return {
        "condition": "version = :version",
        "ExpressionAttributeValues": {":version": items.number(version)},
    }


class Repository(SignInRecords, CodeRecords, UserRecords, AppRecords):
    # Three deletes per authorization (its item, its token copy, its claim; the id guard stays until its TTL)
    # and the grant's update, or in the last part the grant and its id guard: at most 92 of 100 actions.
    GRANT_PART = 30

    def __init__(self, table_name: str, client: Any = None) -> None:
        self.table = Table(table_name, client)

    # users ---------------------------------------------------------------------------------------------

    def get_user(self, login: str) -> User | None:
        item = self.table.get(keys.login_key(login))
        return None if item is None else items.user_from_item(item)

    def create_user(self, user: User) -> None:
        try:
            self.table.transact(
                [put("user", items.user_item(user)), put("user_id", items.user_id_guard_item(user))]
            )
        except WriteConflict as conflict:
            if "user" in conflict.parts:
                raise AlreadyExists(user.login) from conflict
            raise

    # apps ----------------------------------------------------------------------------------------------

    def get_app(self, client_id: str) -> App | None:
        item = self.table.get(keys.app_key(client_id))
        return None if item is None else app_items.app_from_item(item)

    def create_app(self, app: App) -> None:
        """Register an app (and its owner's reference to it, `AppRecords`), in one transaction."""
        try:
            self.table.transact(self.create_app_with_owner(app))
        except WriteConflict as conflict:
            raise AlreadyExists(app.client_id) from conflict

    # authorizations ------------------------------------------------------------------------------------

    def get_authorization(self, user_id: int, auth_id: int) -> Authorization | None:
        item = self.table.get(keys.authorization_key(user_id, auth_id))
        return None if item is None else items.authorization_from_item(item)

    def list_authorizations(self, user_id: int, client_id: str | None = None) -> list[Authorization]:
        """One Query (more only past 1 MB of items), oldest first."""
        kwargs: dict[str, Any] = {}
        if client_id is not None:
            kwargs = {
                "FilterExpression": "client_id = :client_id",
                "extra_values": {":client_id": items.string(client_id)},
            }
        found = self.table.query(keys.user_partition(user_id), keys.AUTH_PREFIX, **kwargs)
        return [items.authorization_from_item(item) for item in found]

    def list_personal_authorizations(self, user_id: int) -> list[Authorization]:
        found = self.table.query(
            keys.user_partition(user_id), keys.AUTH_PREFIX, FilterExpression="attribute_not_exists(client_id)"
        )
        return [items.authorization_from_item(item) for item in found]

    def last_uses(self, hashed_tokens: list[str]) -> dict[str, datetime]:
        """When each token was last used (tokens never used, or gone, are left out): one BatchGetItem of the
        tokens' own items, where the last use is kept (at most 100 tokens)."""
        if not hashed_tokens:
            return {}
        found = self.table.batch_get({hashed: keys.token_key(hashed) for hashed in hashed_tokens[:100]})
        uses = {hashed: items.authorization_from_item(item).last_used_at for hashed, item in found.items()}
        return {hashed: moment for hashed, moment in uses.items() if moment is not None}

    def app_context(self, user_id: int, client_id: str, fingerprint: str | None) -> AppContext:
        """The app, the authorization holding (user, app, fingerprint) if any, and the grant, in one read."""
        found = self.table.batch_get(
            {
                "app": keys.app_key(client_id),
                "fingerprint": keys.fingerprint_key(user_id, client_id, fingerprint),
                "grant": keys.grant_key(user_id, client_id),
            }
        )
        return AppContext(
            app=app_items.app_from_item(found["app"]) if "app" in found else None,
            # a claim held by an expired token is free to take (see _claim)
            existing_auth_id=items.claim_holder(found.get("fingerprint"), clock.now()),
            grant=items.grant_from_item(found["grant"]) if "grant" in found else None,
        )

    def create_authorization(
        self, auth: Authorization, new_grant: Grant | None = None, replaced_grant: Grant | None = None
    ) -> None:
        """Write an authorization, its token copy, id guard and claim; for an app token also its grant.

        `new_grant` starts a grant (none existed, or `replaced_grant` had no live token left);
        without it an app token joins the existing grant.
        """
        self.table.transact(creation_writes(auth, new_grant, replaced_grant))

    def replace_authorization(self, old: Authorization, new: Authorization) -> None:
        """An update: both copies, a moved claim (note or fingerprint) and the grant's scopes, together."""
        writes = [
            put(AUTHORIZATION, items.authorization_item(new), **_versioned(old.version)),
            put("token", items.token_item(new), **_versioned(old.version)),
        ]
        if keys.claim_key(old) != keys.claim_key(new):  # a new note or fingerprint: the claim moves
            writes += [_release(old), _claim(new)]
        if new.client_id is not None and old.scopes != new.scopes:
            writes.append(_grant_entry_set(new, new.updated_at))
        self.table.transact(writes)

    def delete_authorization(self, auth: Authorization, moment: datetime) -> None:
        writes = [
            delete(AUTHORIZATION, keys.authorization_key(auth.user_id, auth.id), **_versioned(auth.version)),
            delete("token", keys.token_key(auth.hashed_token)),
            _release(auth),
        ]
        if auth.client_id is not None:
            writes.append(_grant_entry_remove(auth, moment))
        self.table.transact(writes)

    def login_of(self, user_id: int) -> str:
        return str(self.table.get(keys.user_id_key(user_id))["login"]["S"])  # type: ignore[index]

    def get_grant(self, user_id: int, client_id: str) -> Grant | None:
        item = self.table.get(keys.grant_key(user_id, client_id))
        return None if item is None else items.grant_from_item(item)

    def exchange_code(
        self,
        code: AuthorizationCode,
        auth: Authorization,
        new_grant: Grant | None = None,
        replaced_grant: Grant | None = None,
        revoked: Authorization | None = None,
        family: RefreshFamily | None = None,
        more: Sequence[Write] = (),
    ) -> None:
        """One transaction: the code spent (`WriteConflict` naming `CODE` if it was), the authorization made
        as `create_authorization` does, and `revoked` (the oldest of ten with these scopes) gone; `family`
        and `more` (its refresh token) for an expiring token."""
        spend = update(
            CODE,
            keys.code_key(code.hashed_code),
            UpdateExpression="SET issued_auth_id = :auth_id",
            ConditionExpression="attribute_exists(PK) AND attribute_not_exists(issued_auth_id)",
            ExpressionAttributeValues={":auth_id": items.number(auth.id)},
        )
        self.table.transact([spend, *issue_writes(auth, new_grant, replaced_grant, revoked, family), *more])

    # tokens, by their hash ---------------------------------------------------------------------------------

    def get_by_token(self, hashed_token: str) -> Authorization | None:
        """The authorization a token belongs to, from the token's own item: one GetItem."""
        item = self.table.get(keys.token_key(hashed_token))
        return None if item is None else items.authorization_from_item(item)

    def record_token_use(self, hashed_token: str, moment: datetime, unless_since: datetime) -> None:
        """Stamp the token's item with its last use, unless it was stamped at or after `unless_since`
        (a ConditionFailed then: another request stamped it first) or the token is gone."""
        self.table.call(
            "update_item",
            Key=items.key_attributes(keys.token_key(hashed_token)),
            UpdateExpression="SET last_used_at = :now",
            ConditionExpression=(
                "attribute_exists(PK) AND (attribute_not_exists(last_used_at) OR last_used_at < :since)"
            ),
            ExpressionAttributeValues={
                ":now": items.string(iso(moment)),
                ":since": items.string(iso(unless_since)),
            },
        )

    def replace_token(self, old: Authorization, new: Authorization) -> None:
        """A reset: the new token's item appears and the old one's goes in the same transaction."""
        self.table.transact(
            [
                put(AUTHORIZATION, items.authorization_item(new), **_versioned(old.version)),
                delete("old_token", keys.token_key(old.hashed_token), **_versioned(old.version)),
                put("token", items.token_item(new)),
            ]
        )

    # grants --------------------------------------------------------------------------------------------

    def list_grants(self, user_id: int, client_id: str | None = None) -> list[Grant]:
        prefix = keys.GRANT_PREFIX + (client_id or "")
        found = self.table.query(keys.user_partition(user_id), prefix)
        return [
            items.grant_from_item(item) for item in found if client_id is None or item["SK"]["S"] == prefix
        ]

    def app_authorizations_and_grants(self, user_id: int) -> tuple[list[Authorization], list[Grant]]:
        """Every app authorization and every grant of a user, in one Query of their partition."""
        authorizations: list[Authorization] = []
        grants: list[Grant] = []
        found = self.table.query(
            keys.user_partition(user_id), None, FilterExpression="attribute_exists(client_id)"
        )
        for item in found:
            kind = items.item_type(item)
            if kind == "Authorization":
                authorizations.append(items.authorization_from_item(item))
            elif kind == "Grant":
                grants.append(items.grant_from_item(item))
        return authorizations, grants

    def revoke_grant(self, grant: Grant, doomed: list[Authorization], moment: datetime) -> None:
        """Delete a grant and the authorizations given, provided the grant has not changed since
        `grant.version` was read.

        A grant with many tokens cannot go in one transaction (100 actions at most): the authorizations go
        in parts of `GRANT_PART`, each a transaction that deletes some of them with their items and their
        entries in the grant, checks the grant's version and moves it on; the last part deletes the grant
        itself. A token created meanwhile makes a part fail with `WriteConflict` (the caller starts over
        from a fresh read); no part ever leaves a token without its grant entry.
        """
        size = self.GRANT_PART
        parts = [doomed[start : start + size] for start in range(0, len(doomed), size)] or [[]]
        version = grant.version
        for index, part in enumerate(parts):
            writes = [write for auth in part for write in _authorization_deletes(auth)]
            if index == len(parts) - 1:
                writes += _grant_deletes(grant, version)
            else:
                writes.append(_grant_entries_remove(grant, part, version, moment))
            self.table.transact(writes)
            version += 1


# The writes the repository's transactions are made of -------------------------------------------------------


def issue_writes(
    auth: Authorization,
    new_grant: Grant | None,
    replaced_grant: Grant | None,
    revoked: Authorization | None,
    family: RefreshFamily | None,
) -> list[Write]:
    """A flow's new token (`creation_writes`), and `revoked` (the oldest of ten with its scopes) gone."""
    writes = creation_writes(auth, new_grant, replaced_grant, revoked, family)
    if revoked is not None:
        writes += [
            delete(
                "revoked", keys.authorization_key(revoked.user_id, revoked.id), **_versioned(revoked.version)
            ),
            delete("revoked_token", keys.token_key(revoked.hashed_token)),
            _release(revoked),
        ]
    return writes


def creation_writes(
    auth: Authorization,
    new_grant: Grant | None,
    replaced_grant: Grant | None,
    revoked: Authorization | None = None,
    family: RefreshFamily | None = None,
) -> list[Write]:
    """A new authorization's items; for an app token also its grant entry (see `create_authorization`),
    and for an expiring token its refresh family's live end (`auth.family`)."""
    writes = [
        put(AUTHORIZATION, items.authorization_item(auth)),
        put("token", items.token_item(auth)),
        put("authorization_id", items.authorization_id_guard_item(auth)),
        _claim(auth),
    ]
    if auth.client_id is not None:
        if new_grant is None:
            writes.append(_grant_entry_set(auth, auth.created_at, revoked, family))
        else:
            if family is not None and auth.family is not None:
                new_grant = replace(new_grant, families={**new_grant.families, auth.family: family})
            writes.append(_grant_put(new_grant, replaced_grant))
            writes.append(put("grant_id", items.grant_id_guard_item(new_grant)))
            if replaced_grant is not None:
                writes.append(delete("old_grant_id", keys.grant_id_key(replaced_grant.id)))
    return writes


def _claim(auth: Authorization) -> Write:
    """Take the note (personal token) or (app, fingerprint) claim: free, or held by an expired token,
    whose items DynamoDB's TTL removes later (until then the user could neither reuse nor free it)."""
    return put(
        NOTE if auth.client_id is None else FINGERPRINT,
        items.claim_item(auth),
        condition="attribute_not_exists(PK) OR expires_ttl <= :now",
        ExpressionAttributeValues={":now": items.number(int(auth.updated_at.timestamp()))},
    )


def _release(auth: Authorization) -> Write:
    return delete(
        "release",
        keys.claim_key(auth),
        condition="auth_id = :auth_id",
        ExpressionAttributeValues={":auth_id": items.number(auth.id)},
    )


def _authorization_deletes(auth: Authorization) -> list[Write]:
    """An authorization, its token copy and its claim (the id guard stays until its TTL)."""
    return [
        delete(AUTHORIZATION, keys.authorization_key(auth.user_id, auth.id)),
        delete("token", keys.token_key(auth.hashed_token)),
        _release(auth),
    ]


def _grant_put(grant: Grant, replaced: Grant | None) -> Write:
    if replaced is None:
        return put(GRANT, items.grant_item(grant))
    return put(
        GRANT,
        items.grant_item(grant),
        condition="id = :old_id AND version = :old_version",
        ExpressionAttributeValues={
            ":old_id": items.number(replaced.id),
            ":old_version": items.number(replaced.version),
        },
    )


def _grant_entry_set(
    auth: Authorization,
    moment: datetime,
    revoked: Authorization | None = None,
    family: RefreshFamily | None = None,
) -> Write:
    """An authorization's entry joins (or changes in) its grant; `revoked`'s leaves in the same update
    (with its refresh family); `family` is the new token's refresh family."""
    entry = items.grant_entry_value(GrantEntry(scopes=auth.scopes, expires_at=auth.expires_at))
    names = {"#auths": "auths", "#auth_id": str(auth.id)}
    values: dict[str, Any] = {":entry": entry, ":now": items.string(iso(moment)), ":one": items.number(1)}
    expression = "SET #auths.#auth_id = :entry, updated_at = :now"
    if family is not None and auth.family is not None:
        names["#family"] = items.family_attribute(auth.family)
        values[":family"] = items.family_value(family)
        expression += ", #family = :family"
    expression += " ADD version :one"
    if revoked is not None:
        names["#revoked_id"] = str(revoked.id)
        expression += " REMOVE #auths.#revoked_id"
        if revoked.family is not None:
            names["#revoked_family"] = items.family_attribute(revoked.family)
            expression += ", #revoked_family"
    return update(
        GRANT,
        keys.grant_key(auth.user_id, auth.client_id or ""),
        UpdateExpression=expression,
        ConditionExpression="attribute_exists(PK)",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def _grant_entry_remove(auth: Authorization, moment: datetime) -> Write:
    """An authorization leaves its grant; an expiring token's refresh family ends with it (a revoked token's
    refresh token must not bring it back)."""
    names = {"#auths": "auths", "#auth_id": str(auth.id)}
    removed = "#auths.#auth_id"
    if auth.family is not None:
        names["#family"] = items.family_attribute(auth.family)
        removed += ", #family"
    return update(
        GRANT,
        keys.grant_key(auth.user_id, auth.client_id or ""),
        UpdateExpression=f"REMOVE {removed} SET updated_at = :now ADD version :one",
        ConditionExpression="attribute_exists(PK)",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={":now": items.string(iso(moment)), ":one": items.number(1)},
    )


def _grant_entries_remove(grant: Grant, doomed: list[Authorization], version: int, moment: datetime) -> Write:
    """Some authorizations' entries leave the grant, provided it is still at `version`."""
    names = {f"#a{i}": str(auth.id) for i, auth in enumerate(doomed)}
    return update(
        GRANT,
        keys.grant_key(grant.user_id, grant.client_id),
        UpdateExpression="REMOVE "
        + ", ".join(f"#auths.{name}" for name in names)
        + " SET updated_at = :now ADD version :one",
        ConditionExpression="version = :version",
        ExpressionAttributeNames={"#auths": "auths", **names},
        ExpressionAttributeValues={
            ":now": items.string(iso(moment)),
            ":one": items.number(1),
            ":version": items.number(version),
        },
    )


def _grant_deletes(grant: Grant, version: int) -> list[Write]:
    """The grant item (provided nothing joined it since `version`) and its id guard."""
    return [
        delete(GRANT, keys.grant_key(grant.user_id, grant.client_id), **_versioned(version)),
        delete("grant_id", keys.grant_id_key(grant.id), condition=None),
    ]
