"""The request path's sign-in records: each login's failed attempts (the lockout's counter, reserved before a
password or code is verified) and the last TOTP step a user has used. Part of the repository
(`Repository` inherits these methods), in a module of its own because it is a job of its own.
"""

from __future__ import annotations

from contextlib import suppress

from oauth_authz.errors import StoreUnavailable
from oauth_authz.models.domain import FailedLogins, User
from oauth_authz.store import items, keys
from oauth_authz.store.table import ConditionFailed, Table, Write, WriteConflict, update


class SignInRecords:
    table: Table

    def login_state(self, login: str) -> tuple[User | None, FailedLogins]:
        """The user (if the login exists) and the login's failed attempts: one BatchGetItem."""
        found = self.table.batch_get({"user": keys.login_key(login), "failed": keys.failed_logins_key(login)})
        user = items.user_from_item(found["user"]) if "user" in found else None
        return user, items.failed_logins_from_item(found.get("failed"))

    def reserve_attempt(
        self, login: str, seen: FailedLogins, now: int, threshold: int, window: int
    ) -> int | None:
        """Take one attempt of the login's window before it is verified, in one conditional write: the
        attempt counts as a failure from now on (a success gives it back, `release_attempt`). None when
        the window is full (the login is locked out); else the window's start, to give the attempt back.

        Check and count are one step, so a burst of parallel attempts verifies at most `threshold` of them
        (reading the count, verifying, then counting let 17 of 40 through a threshold of 10)."""
        for _ in range(3):
            try:
                if seen.in_window(now, window):
                    self.table.call(
                        "update_item",
                        Key=items.key_attributes(keys.failed_logins_key(login)),
                        UpdateExpression="ADD #count :one",
                        ConditionExpression="window_start = :start AND #count < :threshold",
                        ExpressionAttributeNames={"#count": "count"},
                        ExpressionAttributeValues={
                            ":one": items.number(1),
                            ":start": items.number(seen.window_start),
                            ":threshold": items.number(threshold),
                        },
                    )
                    return seen.window_start
                self.table.call(
                    "put_item",
                    Item=items.failed_logins_item(login, now, window),
                    ConditionExpression="attribute_not_exists(PK) OR window_start = :start",
                    ExpressionAttributeValues={":start": items.number(seen.window_start)},
                )
                return now
            except ConditionFailed:
                seen = items.failed_logins_from_item(self.table.get(keys.failed_logins_key(login)))
                if seen.locked(now, threshold, window):
                    return None
        raise StoreUnavailable()  # the window kept changing under us: the client tries again

    def _give_back(self, login: str, window_start: int) -> Write:
        """Give back an attempt reserved in the window that began at `window_start` (not one of a later)."""
        return update(
            "attempt",
            keys.failed_logins_key(login),
            UpdateExpression="ADD #count :minus_one",
            ConditionExpression="window_start = :start AND #count > :zero",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={
                ":minus_one": items.number(-1),
                ":start": items.number(window_start),
                ":zero": items.number(0),
            },
        )

    def release_attempt(self, login: str, window_start: int) -> None:
        """A verified attempt gives its reservation back: a success is not a failure (nor does it reset
        the count). Nothing to give back once the window has been replaced by a new one."""
        with suppress(ConditionFailed):
            self.table.call("update_item", **self._give_back(login, window_start).action["Update"])

    def attempt_open(self, login: str, now: int, threshold: int, window: int) -> bool:
        """Whether the login may be tried now, checked in the same order as the reservations (a
        ConditionCheck, which writes nothing): for a password a warm authorizer verified lately, which
        costs no argon2 and need not hold a reservation, but must not be tried past a lockout either."""
        try:
            self.table.transact(
                [
                    Write(
                        "attempt",
                        {
                            "ConditionCheck": {
                                "Key": items.key_attributes(keys.failed_logins_key(login)),
                                "ConditionExpression": "attribute_not_exists(PK)"
                                " OR window_start <= :expired OR #count < :threshold",
                                "ExpressionAttributeNames": {"#count": "count"},
                                "ExpressionAttributeValues": {
                                    ":expired": items.number(now - window),
                                    ":threshold": items.number(threshold),
                                },
                            }
                        },
                    )
                ]
            )
        except WriteConflict:
            return False
        return True

    def accept_totp_step(self, user: User, step: int, reserved: int | None = None) -> bool:
        """Mark a TOTP step used; False when it (or a later one) was used already: a replayed code. With
        `reserved` (the window of the attempt reserved for this sign-in), the attempt is given back in the
        same transaction."""
        totp_update = {
            "UpdateExpression": "SET totp_last_step = :step",
            "ConditionExpression": "attribute_exists(totp_sealed) AND totp_last_step < :step",
            "ExpressionAttributeValues": {":step": items.number(step)},
        }
        if reserved is None:
            try:
                self.table.call(
                    "update_item", Key=items.key_attributes(keys.login_key(user.login)), **totp_update
                )
            except ConditionFailed:
                return False
            return True
        try:
            self.table.transact(
                [
                    update("totp", keys.login_key(user.login), **totp_update),
                    self._give_back(user.login, reserved),
                ]
            )
        except WriteConflict as conflict:
            if "totp" in conflict.parts:
                return False
            return self.accept_totp_step(user, step)  # the window was replaced: nothing to give back
        return True
