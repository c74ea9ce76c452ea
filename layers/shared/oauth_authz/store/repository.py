"""The repository: the only code that knows keys, items and DynamoDB calls.

Every write that must hold together is one TransactWriteItems; a failed condition comes back as
`WriteConflict` naming the parts whose conditions failed (read from CancellationReasons, not guessed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from oauth_authz import clock
from oauth_authz.clock import iso
from oauth_authz.errors import StoreUnavailable
from oauth_authz.models.domain import App, Authorization, FailedLogins, Grant, GrantEntry, User
from oauth_authz.store import items, keys
from oauth_authz.store.client import dynamodb_client

_UNAVAILABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
}
# No answer at all once botocore's retries ran out (connection refused or reset, read timeout).
_UNREACHABLE = (HTTPClientError, BotocoreConnectionError)
NOTE = "note"
FINGERPRINT = "fingerprint"
AUTHORIZATION = "authorization"
GRANT = "grant"


class WriteConflict(Exception):
    """A transaction was cancelled; `parts` names the items whose condition failed (or that conflicted)."""

    def __init__(self, parts: set[str]) -> None:
        super().__init__(", ".join(sorted(parts)) or "transaction cancelled")
        self.parts = parts


class AlreadyExists(Exception):
    pass


@dataclass(frozen=True)
class AppContext:
    """What creating an app token needs, read in one BatchGetItem."""

    app: App | None
    existing_auth_id: int | None
    grant: Grant | None


@dataclass
class _Write:
    part: str
    action: dict[str, Any]


def _key(key: dict[str, str]) -> dict[str, dict[str, str]]:
    return {name: {"S": value} for name, value in key.items()}


class Repository:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    # low level -----------------------------------------------------------------------------------------

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, operation)(TableName=self.table, **kwargs)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _UNAVAILABLE:
                raise StoreUnavailable() from error
            raise
        except _UNREACHABLE as error:
            raise StoreUnavailable() from error

    def _get(self, key: dict[str, str]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._call("get_item", Key=_key(key), ConsistentRead=True).get("Item")
        return item

    def _batch_get(self, wanted: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
        """Several items by key in one BatchGetItem (more only for unprocessed keys), by the names given."""
        found: dict[str, dict[str, Any]] = {}
        request: dict[str, Any] = {
            self.table: {"Keys": [_key(k) for k in wanted.values()], "ConsistentRead": True}
        }
        while request:
            try:
                response = self.client.batch_get_item(RequestItems=request)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in _UNAVAILABLE:
                    raise StoreUnavailable() from error
                raise
            except _UNREACHABLE as error:
                raise StoreUnavailable() from error
            for item in response.get("Responses", {}).get(self.table, []):
                for name, key in wanted.items():
                    if item["PK"]["S"] == key["PK"] and item["SK"]["S"] == key["SK"]:
                        found[name] = item
            request = response.get("UnprocessedKeys") or {}
        return found

    def _query(self, partition: str, prefix: str | None, **kwargs: Any) -> Iterator[dict[str, Any]]:
        values = {":pk": {"S": partition}}
        condition = "PK = :pk"
        if prefix:
            condition += " AND begins_with(SK, :prefix)"
            values[":prefix"] = {"S": prefix}
        params: dict[str, Any] = {
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
            **kwargs,
        }
        if "extra_values" in params:
            params["ExpressionAttributeValues"].update(params.pop("extra_values"))
        while True:
            page = self._call("query", **params)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _transact(self, writes: list[_Write]) -> None:
        actions = []
        for write in writes:
            ((kind, body),) = write.action.items()
            actions.append({kind: {"TableName": self.table, **body}})
        try:
            self.client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code == "TransactionCanceledException":
                reasons = error.response.get("CancellationReasons") or []
                failed = {
                    writes[i].part
                    for i, reason in enumerate(reasons)
                    if i < len(writes) and reason.get("Code") not in (None, "None")
                }
                throttled = any(
                    r.get("Code") in {"ThrottlingError", "ProvisionedThroughputExceeded"} for r in reasons
                )
                if throttled:
                    raise StoreUnavailable() from error
                raise WriteConflict(failed) from error
            if code in _UNAVAILABLE:
                raise StoreUnavailable() from error
            raise
        except _UNREACHABLE as error:  # the write may or may not have happened: the client tries again
            raise StoreUnavailable() from error

    @staticmethod
    def _put(
        part: str, item: dict[str, Any], condition: str = "attribute_not_exists(PK)", **extra: Any
    ) -> _Write:
        return _Write(part, {"Put": {"Item": item, "ConditionExpression": condition, **extra}})

    @staticmethod
    def _delete(
        part: str, key: dict[str, str], condition: str | None = "attribute_exists(PK)", **extra: Any
    ) -> _Write:
        body: dict[str, Any] = {"Key": _key(key), **extra}
        if condition is not None:
            body["ConditionExpression"] = condition
        return _Write(part, {"Delete": body})

    # users ---------------------------------------------------------------------------------------------

    def get_user(self, login: str) -> User | None:
        item = self._get(keys.login_key(login))
        return None if item is None else items.user_from_item(item)

    def create_user(self, user: User) -> None:
        try:
            self._transact(
                [
                    self._put("user", items.user_item(user)),
                    self._put("user_id", items.user_id_guard_item(user)),
                ]
            )
        except WriteConflict as conflict:
            if "user" in conflict.parts:
                raise AlreadyExists(user.login) from conflict
            raise

    def login_state(self, login: str) -> tuple[User | None, FailedLogins]:
        """The user (if the login exists) and the login's failed attempts: one BatchGetItem."""
        found = self._batch_get({"user": keys.login_key(login), "failed": keys.failed_logins_key(login)})
        user = items.user_from_item(found["user"]) if "user" in found else None
        return user, items.failed_logins_from_item(found.get("failed"))

    def record_failed_login(self, login: str, seen: FailedLogins, now: int, window: int) -> None:
        """Count a failed attempt in the login's current window, or start a new window with it."""
        key = _key(keys.failed_logins_key(login))
        for _ in range(3):
            try:
                if seen.in_window(now, window):
                    self._call(
                        "update_item",
                        Key=key,
                        UpdateExpression="ADD #count :one",
                        ConditionExpression="window_start = :start",
                        ExpressionAttributeNames={"#count": "count"},
                        ExpressionAttributeValues={
                            ":one": {"N": "1"},
                            ":start": {"N": str(seen.window_start)},
                        },
                    )
                else:
                    self._call(
                        "put_item",
                        Item={
                            **key,
                            "Type": {"S": "FailedLogins"},
                            "count": {"N": "1"},
                            "window_start": {"N": str(now)},
                            "expires_ttl": {"N": str(now + 2 * window)},
                        },
                        ConditionExpression="attribute_not_exists(PK) OR window_start = :start",
                        ExpressionAttributeValues={":start": {"N": str(seen.window_start)}},
                    )
                return
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
                seen = items.failed_logins_from_item(self._get(keys.failed_logins_key(login)))

    def accept_totp_step(self, user: User, step: int) -> bool:
        """Mark a TOTP step used; False when it (or a later one) was used already: a replayed code."""
        try:
            self._call(
                "update_item",
                Key=_key(keys.login_key(user.login)),
                UpdateExpression="SET totp_last_step = :step",
                ConditionExpression="attribute_exists(totp_sealed) AND totp_last_step < :step",
                ExpressionAttributeValues={":step": {"N": str(step)}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def set_totp(self, user: User, sealed: str | None) -> None:
        """Enable (a sealed seed) or disable (None) two-factor authentication for a user."""
        if sealed is None:
            update, values = "REMOVE totp_sealed SET totp_last_step = :zero", {":zero": {"N": "0"}}
        else:
            update = "SET totp_sealed = :sealed, totp_last_step = :zero"
            values = {":sealed": {"S": sealed}, ":zero": {"N": "0"}}
        self._call(
            "update_item",
            Key=_key(keys.login_key(user.login)),
            UpdateExpression=update,
            ConditionExpression="attribute_exists(PK) AND id = :id",
            ExpressionAttributeValues={**values, ":id": {"N": str(user.id)}},
        )

    def list_users(self) -> list[User]:
        """Administration only (a Scan): never on a request path."""
        return sorted(
            (items.user_from_item(i) for i in self._scan_type("User")), key=lambda user: user.login.lower()
        )

    def delete_user(self, user: User) -> None:
        """Administration: the user, every authorization, token, claim and grant of theirs."""
        doomed: list[dict[str, str]] = []
        for item in self._query(keys.user_partition(user.id), None):
            doomed.append({"PK": item["PK"]["S"], "SK": item["SK"]["S"]})
            if item.get("Type", {}).get("S") == "Authorization":
                auth = items.authorization_from_item(item)
                doomed += [keys.token_key(auth.hashed_token), keys.authorization_id_key(auth.id)]
            if item.get("Type", {}).get("S") == "Grant":
                doomed.append(keys.grant_id_key(items.grant_from_item(item).id))
        doomed += [keys.login_key(user.login), keys.user_id_key(user.id)]
        self._batch_delete(doomed)

    def _batch_delete(self, doomed: list[dict[str, str]]) -> None:
        for start in range(0, len(doomed), 25):
            requests = [{"DeleteRequest": {"Key": _key(k)}} for k in doomed[start : start + 25]]
            pending: dict[str, Any] = {self.table: requests}
            while pending:
                pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

    def _scan_type(self, type_name: str, **filters: str) -> Iterator[dict[str, Any]]:
        expression = "#type = :type" + "".join(f" AND #{k} = :{k}" for k in filters)
        names = {"#type": "Type", **{f"#{k}": k for k in filters}}
        values = {":type": {"S": type_name}, **{f":{k}": {"S": v} for k, v in filters.items()}}
        params: dict[str, Any] = {
            "FilterExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        while True:
            page = self._call("scan", **params)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # apps ----------------------------------------------------------------------------------------------

    def get_app(self, client_id: str) -> App | None:
        item = self._get(keys.app_key(client_id))
        return None if item is None else items.app_from_item(item)

    def create_app(self, app: App) -> None:
        try:
            self._transact([self._put("app", items.app_item(app))])
        except WriteConflict as conflict:
            raise AlreadyExists(app.client_id) from conflict

    def list_apps(self) -> list[App]:
        """Administration only (a Scan)."""
        return sorted(
            (items.app_from_item(i) for i in self._scan_type("App")), key=lambda app: app.created_at
        )

    def delete_app(self, app: App) -> int:
        """Administration: the app and every token issued for it; returns how many tokens were revoked."""
        doomed: list[dict[str, str]] = []
        revoked = 0
        for item in self._scan_type("Authorization", client_id=app.client_id):
            auth = items.authorization_from_item(item)
            revoked += 1
            doomed += [
                keys.authorization_key(auth.user_id, auth.id),
                keys.token_key(auth.hashed_token),
                keys.authorization_id_key(auth.id),
                keys.fingerprint_key(auth.user_id, app.client_id, auth.fingerprint),
            ]
        for item in self._scan_type("Grant", client_id=app.client_id):
            grant = items.grant_from_item(item)
            doomed += [keys.grant_key(grant.user_id, grant.client_id), keys.grant_id_key(grant.id)]
        doomed.append(keys.app_key(app.client_id))
        self._batch_delete(doomed)
        return revoked

    # authorizations ------------------------------------------------------------------------------------

    def get_authorization(self, user_id: int, auth_id: int) -> Authorization | None:
        item = self._get(keys.authorization_key(user_id, auth_id))
        return None if item is None else items.authorization_from_item(item)

    def list_authorizations(self, user_id: int, client_id: str | None = None) -> list[Authorization]:
        """One Query (more only past 1 MB of items), oldest first."""
        kwargs: dict[str, Any] = {}
        if client_id is not None:
            kwargs = {
                "FilterExpression": "client_id = :client_id",
                "extra_values": {":client_id": {"S": client_id}},
            }
        found = self._query(keys.user_partition(user_id), keys.AUTH_PREFIX, **kwargs)
        return [items.authorization_from_item(item) for item in found]

    def list_personal_authorizations(self, user_id: int) -> list[Authorization]:
        found = self._query(
            keys.user_partition(user_id), keys.AUTH_PREFIX, FilterExpression="attribute_not_exists(client_id)"
        )
        return [items.authorization_from_item(item) for item in found]

    def app_context(self, user_id: int, client_id: str, fingerprint: str | None) -> AppContext:
        """The app, the authorization holding (user, app, fingerprint) if any, and the grant, in one read."""
        wanted = {
            "app": keys.app_key(client_id),
            "fingerprint": keys.fingerprint_key(user_id, client_id, fingerprint),
            "grant": keys.grant_key(user_id, client_id),
        }
        found = self._batch_get(wanted)
        claim = found.get("fingerprint")
        held_until = int(claim["expires_ttl"]["N"]) if claim and "expires_ttl" in claim else None
        if held_until is not None and held_until <= clock.now().timestamp():
            claim = None  # held by an expired token: free to take (see _claim)
        return AppContext(
            app=items.app_from_item(found["app"]) if "app" in found else None,
            existing_auth_id=int(claim["auth_id"]["N"]) if claim else None,
            grant=items.grant_from_item(found["grant"]) if "grant" in found else None,
        )

    def _claim(self, auth: Authorization) -> _Write:
        """Take the note (personal token) or (app, fingerprint) claim: free, or held by an expired token,
        whose items DynamoDB's TTL removes later (until then the user could neither reuse nor free it)."""
        if auth.client_id is None:
            assert auth.note is not None  # noqa: S101 - a personal token always has a note
            part, kind, key = NOTE, "NoteClaim", keys.note_key(auth.user_id, auth.note)
        else:
            part, kind = FINGERPRINT, "FingerprintClaim"
            key = keys.fingerprint_key(auth.user_id, auth.client_id, auth.fingerprint)
        return self._put(
            part,
            items.uniqueness_item(key, kind, auth),
            condition="attribute_not_exists(PK) OR expires_ttl <= :now",
            ExpressionAttributeValues={":now": {"N": str(int(auth.updated_at.timestamp()))}},
        )

    def _release(self, auth: Authorization) -> _Write:
        if auth.client_id is None:
            assert auth.note is not None  # noqa: S101
            key = keys.note_key(auth.user_id, auth.note)
        else:
            key = keys.fingerprint_key(auth.user_id, auth.client_id, auth.fingerprint)
        return self._delete(
            "release",
            key,
            condition="auth_id = :auth_id",
            ExpressionAttributeValues={":auth_id": {"N": str(auth.id)}},
        )

    def _grant_entry_set(self, auth: Authorization, moment: datetime) -> _Write:
        key = keys.grant_key(auth.user_id, auth.client_id or "")
        entry = items.grant_entry_value(GrantEntry(scopes=auth.scopes, expires_at=auth.expires_at))
        return _Write(
            GRANT,
            {
                "Update": {
                    "Key": _key(key),
                    "UpdateExpression": "SET #auths.#auth_id = :entry, updated_at = :now ADD version :one",
                    "ConditionExpression": "attribute_exists(PK)",
                    "ExpressionAttributeNames": {"#auths": "auths", "#auth_id": str(auth.id)},
                    "ExpressionAttributeValues": {
                        ":entry": entry,
                        ":now": {"S": iso(moment)},
                        ":one": {"N": "1"},
                    },
                }
            },
        )

    def _grant_entry_remove(self, auth: Authorization, moment: datetime) -> _Write:
        key = keys.grant_key(auth.user_id, auth.client_id or "")
        return _Write(
            GRANT,
            {
                "Update": {
                    "Key": _key(key),
                    "UpdateExpression": "REMOVE #auths.#auth_id SET updated_at = :now ADD version :one",
                    "ConditionExpression": "attribute_exists(PK)",
                    "ExpressionAttributeNames": {"#auths": "auths", "#auth_id": str(auth.id)},
                    "ExpressionAttributeValues": {":now": {"S": iso(moment)}, ":one": {"N": "1"}},
                }
            },
        )

    def create_authorization(
        self, auth: Authorization, new_grant: Grant | None = None, replaced_grant: Grant | None = None
    ) -> None:
        """Write an authorization, its token copy, id guard and claim; for an app token also its grant.

        `new_grant` starts a grant (none existed, or `replaced_grant` had no live token left);
        without it an app token joins the existing grant.
        """
        writes = [
            self._put(AUTHORIZATION, items.authorization_item(auth)),
            self._put("token", items.token_item(auth)),
            self._put("authorization_id", items.authorization_id_guard_item(auth)),
            self._claim(auth),
        ]
        if auth.client_id is not None:
            if new_grant is None:
                writes.append(self._grant_entry_set(auth, auth.created_at))
            else:
                writes.append(self._grant_put(new_grant, replaced_grant))
                writes.append(self._put("grant_id", items.grant_id_guard_item(new_grant)))
                if replaced_grant is not None:
                    writes.append(self._delete("old_grant_id", keys.grant_id_key(replaced_grant.id)))
        self._transact(writes)

    def _grant_put(self, grant: Grant, replaced: Grant | None) -> _Write:
        if replaced is None:
            return self._put(GRANT, items.grant_item(grant))
        return self._put(
            GRANT,
            items.grant_item(grant),
            condition="id = :old_id AND version = :old_version",
            ExpressionAttributeValues={
                ":old_id": {"N": str(replaced.id)},
                ":old_version": {"N": str(replaced.version)},
            },
        )

    def replace_authorization(self, old: Authorization, new: Authorization) -> None:
        """An update: both copies, a moved claim (note or fingerprint) and the grant's scopes, together."""
        versioned = "version = :version"
        version = {":version": {"N": str(old.version)}}
        writes = [
            self._put(
                AUTHORIZATION,
                items.authorization_item(new),
                condition=versioned,
                ExpressionAttributeValues=version,
            ),
            self._put("token", items.token_item(new), condition=versioned, ExpressionAttributeValues=version),
        ]
        if (old.note, old.fingerprint) != (new.note, new.fingerprint) and self._claim_key(
            old
        ) != self._claim_key(new):
            writes += [self._release(old), self._claim(new)]
        if new.client_id is not None and old.scopes != new.scopes:
            writes.append(self._grant_entry_set(new, new.updated_at))
        self._transact(writes)

    @staticmethod
    def _claim_key(auth: Authorization) -> dict[str, str]:
        if auth.client_id is None:
            return keys.note_key(auth.user_id, auth.note or "")
        return keys.fingerprint_key(auth.user_id, auth.client_id, auth.fingerprint)

    def delete_authorization(self, auth: Authorization, moment: datetime) -> None:
        version = {":version": {"N": str(auth.version)}}
        writes = [
            self._delete(
                AUTHORIZATION,
                keys.authorization_key(auth.user_id, auth.id),
                condition="version = :version",
                ExpressionAttributeValues=version,
            ),
            self._delete("token", keys.token_key(auth.hashed_token)),
            self._release(auth),
        ]
        if auth.client_id is not None:
            writes.append(self._grant_entry_remove(auth, moment))
        self._transact(writes)

    # tokens, by their hash ---------------------------------------------------------------------------------

    def get_by_token(self, hashed_token: str) -> Authorization | None:
        """The authorization a token belongs to, from the token's own item: one GetItem."""
        item = self._get(keys.token_key(hashed_token))
        return None if item is None else items.authorization_from_item(item)

    def replace_token(self, old: Authorization, new: Authorization) -> None:
        """A reset: the new token's item appears and the old one's goes in the same transaction."""
        version = {":version": {"N": str(old.version)}}
        self._transact(
            [
                self._put(
                    AUTHORIZATION,
                    items.authorization_item(new),
                    condition="version = :version",
                    ExpressionAttributeValues=version,
                ),
                self._delete(
                    "old_token",
                    keys.token_key(old.hashed_token),
                    condition="version = :version",
                    ExpressionAttributeValues=version,
                ),
                self._put("token", items.token_item(new)),
            ]
        )

    # grants --------------------------------------------------------------------------------------------

    def list_grants(self, user_id: int, client_id: str | None = None) -> list[Grant]:
        prefix = keys.GRANT_PREFIX + (client_id or "")
        found = self._query(keys.user_partition(user_id), prefix)
        return [
            items.grant_from_item(item) for item in found if client_id is None or item["SK"]["S"] == prefix
        ]

    def app_authorizations_and_grants(self, user_id: int) -> tuple[list[Authorization], list[Grant]]:
        """Every app authorization and every grant of a user, in one Query of their partition."""
        authorizations: list[Authorization] = []
        grants: list[Grant] = []
        found = self._query(
            keys.user_partition(user_id), None, FilterExpression="attribute_exists(client_id)"
        )
        for item in found:
            kind = item.get("Type", {}).get("S")
            if kind == "Authorization":
                authorizations.append(items.authorization_from_item(item))
            elif kind == "Grant":
                grants.append(items.grant_from_item(item))
        return authorizations, grants

    # Three deletes per authorization (its item, its token copy, its claim; the id guard stays until its TTL)
    # and the grant's update, or in the last part the grant and its id guard: at most 92 of 100 actions.
    GRANT_PART = 30

    def revoke_grant_part(
        self, grant: Grant, doomed: list[Authorization], moment: datetime, last: bool = False
    ) -> None:
        """Delete some of a grant's authorizations in one transaction, provided the grant has not changed
        since `grant.version` was read: their entries leave the grant, or with the `last` part the grant
        itself goes."""
        writes: list[_Write] = []
        for auth in doomed:
            writes += [
                self._delete(AUTHORIZATION, keys.authorization_key(auth.user_id, auth.id)),
                self._delete("token", keys.token_key(auth.hashed_token)),
                self._release(auth),
            ]
        if last:
            writes += self._grant_deletes(grant)
            self._transact(writes)
            return
        names = {f"#a{i}": str(auth.id) for i, auth in enumerate(doomed)}
        writes.append(
            _Write(
                GRANT,
                {
                    "Update": {
                        "Key": _key(keys.grant_key(grant.user_id, grant.client_id)),
                        "UpdateExpression": "REMOVE "
                        + ", ".join(f"#auths.{name}" for name in names)
                        + " SET updated_at = :now ADD version :one",
                        "ConditionExpression": "version = :version",
                        "ExpressionAttributeNames": {"#auths": "auths", **names},
                        "ExpressionAttributeValues": {
                            ":now": {"S": iso(moment)},
                            ":one": {"N": "1"},
                            ":version": {"N": str(grant.version)},
                        },
                    }
                },
            )
        )
        self._transact(writes)

    def _grant_deletes(self, grant: Grant) -> list[_Write]:
        """The grant item (provided nothing joined it since `grant.version`) and its id guard."""
        return [
            self._delete(
                GRANT,
                keys.grant_key(grant.user_id, grant.client_id),
                condition="version = :version",
                ExpressionAttributeValues={":version": {"N": str(grant.version)}},
            ),
            self._delete("grant_id", keys.grant_id_key(grant.id), condition=None),
        ]
