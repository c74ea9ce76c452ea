"""The request path's device flow requests (SPEC section 10): a request by the SHA-256 of its device code,
its user code by the SHA-256 of the code (normalised), both gone with DynamoDB's TTL when they expire; and
each signed-in user's wrong user codes in the current window.

A poll is one conditional UpdateItem that records it and returns the request: a poll that comes before the
request's `next_poll` fails the condition (the client is too fast: `slow_down`). The token is issued in one
transaction that spends the request, so a device code gives at most one token.
"""

from __future__ import annotations

from typing import Any

from oauth_authz.models.domain import Authorization, DeviceRequest, Grant, RefreshFamily, RefreshToken
from oauth_authz.store import items, keys
from oauth_authz.store.refresh_tokens import refresh_put
from oauth_authz.store.repository import issue_writes
from oauth_authz.store.table import ConditionFailed, Table, Write, WriteConflict, put, update

DEVICE = "device"
USER_CODE = "user_code"
APP = "app"


class DeviceCodes:
    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, request: DeviceRequest) -> None:
        """The request and its user code, together (`WriteConflict` naming `user_code` when that code is
        taken by a live request: draw another)."""
        self.table.transact(
            [
                put(DEVICE, items.device_item(request)),
                put(
                    USER_CODE,
                    items.user_code_item(request),
                    condition="attribute_not_exists(PK) OR expires_ttl <= :now",
                    ExpressionAttributeValues={":now": items.number(int(request.created_at.timestamp()))},
                ),
            ]
        )

    def get(self, hashed_device_code: str) -> DeviceRequest | None:
        item = self.table.get(keys.device_key(hashed_device_code))
        return None if item is None else items.device_from_item(item)

    def by_user_code(self, hashed_user_code: str) -> DeviceRequest | None:
        pointer = self.table.get(keys.user_code_key(hashed_user_code))
        if pointer is None:
            return None
        return self.get(pointer["device_code_hash"]["S"])

    def poll(self, hashed_device_code: str, client_id: str, now: int, slack: int) -> DeviceRequest | None:
        """Record a poll of `client_id` at `now` and return the request; None when there is no such request
        of that app, or the poll came before the request's `next_poll` (then `slow_down` tells which)."""
        return self._update(
            hashed_device_code,
            UpdateExpression="SET last_poll = :now, next_poll = #interval + :base",
            ConditionExpression="attribute_exists(PK) AND client_id = :client_id"
            " AND (attribute_not_exists(next_poll) OR next_poll <= :now)",
            ExpressionAttributeNames={"#interval": "interval"},
            ExpressionAttributeValues={
                ":now": items.number(now),
                ":base": items.number(now - slack),
                ":client_id": items.string(client_id),
            },
        )

    def slow_down(
        self, hashed_device_code: str, client_id: str, now: int, slack: int, step: int
    ) -> DeviceRequest | None:
        """A poll that came too soon: the request's interval grows by `step` (RFC 8628 section 3.5)."""
        return self._update(
            hashed_device_code,
            UpdateExpression="SET last_poll = :now, #interval = #interval + :step,"
            " next_poll = #interval + :base",
            ConditionExpression="attribute_exists(PK) AND client_id = :client_id",
            ExpressionAttributeNames={"#interval": "interval"},
            ExpressionAttributeValues={
                ":now": items.number(now),
                ":step": items.number(step),
                ":base": items.number(now - slack + step),
                ":client_id": items.string(client_id),
            },
        )

    def _update(self, hashed_device_code: str, **body: Any) -> DeviceRequest | None:
        try:
            answer = self.table.call(
                "update_item",
                Key=items.key_attributes(keys.device_key(hashed_device_code)),
                ReturnValues="ALL_NEW",
                **body,
            )
        except ConditionFailed:
            return None
        return items.device_from_item(answer["Attributes"])

    def decide(
        self, request: DeviceRequest, status: str, user_id: int, login: str, grant: Grant | None, now: int
    ) -> bool:
        """The user's answer to a pending request (False when it was answered, or expired, meanwhile). An
        approval keeps the user's grant as it is now: the poll that issues the token writes against it."""
        values: dict[str, Any] = {
            ":status": items.string(status),
            ":pending": items.string("pending"),
            ":user_id": items.number(user_id),
            ":login": items.string(login),
            ":now": items.number(now),
        }
        expression = "SET #status = :status, user_id = :user_id, login = :login"
        if grant is not None:
            expression += ", #grant = :grant"
            values[":grant"] = {"M": items.grant_item(grant)}
        try:
            self.table.call(
                "update_item",
                Key=items.key_attributes(keys.device_key(request.hashed_device_code)),
                UpdateExpression=expression,
                ConditionExpression="#status = :pending AND expires_ttl > :now",
                ExpressionAttributeNames={"#status": "status", **({"#grant": "grant"} if grant else {})},
                ExpressionAttributeValues=values,
            )
        except ConditionFailed:
            return False
        return True

    def issue(
        self,
        request: DeviceRequest,
        auth: Authorization,
        new_grant: Grant | None,
        revoked: Authorization | None,
        family: RefreshFamily | None,
        refresh: RefreshToken | None,
    ) -> None:
        """One transaction: the request spent (`WriteConflict` naming `device` if it was), the app still
        there (`app`), the token made against the grant kept at approval (`grant` when it changed)."""
        spend = update(
            DEVICE,
            keys.device_key(request.hashed_device_code),
            UpdateExpression="SET issued_auth_id = :auth_id",
            ConditionExpression="#status = :approved AND attribute_not_exists(issued_auth_id)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":auth_id": items.number(auth.id),
                ":approved": items.string("approved"),
            },
        )
        app_there = Write(
            APP,
            {
                "ConditionCheck": {
                    "Key": items.key_attributes(keys.app_key(request.client_id)),
                    "ConditionExpression": "attribute_exists(PK)",
                }
            },
        )
        writes = [spend, app_there, *issue_writes(auth, new_grant, request.grant, revoked, family)]
        if refresh is not None:
            writes.append(refresh_put(refresh))
        self.table.transact(writes)

    # wrong user codes ------------------------------------------------------------------------------------

    def reserve_attempt(self, user_id: int, now: int, threshold: int, window: int) -> int | None:
        """Take one of the user's attempts at a user code before looking it up, in one conditional write
        (a right code gives it back: `release_attempt`). None when the window is full; else its start."""
        key = keys.user_code_attempts_key(user_id)
        for _ in range(3):
            found = self.table.get(key)
            start = 0 if found is None else int(found["window_start"]["N"])
            try:
                if start and now < start + window:
                    self.table.call(
                        "update_item",
                        Key=items.key_attributes(key),
                        UpdateExpression="ADD #count :one",
                        ConditionExpression="window_start = :start AND #count < :threshold",
                        ExpressionAttributeNames={"#count": "count"},
                        ExpressionAttributeValues={
                            ":one": items.number(1),
                            ":start": items.number(start),
                            ":threshold": items.number(threshold),
                        },
                    )
                    return start
                self.table.call(
                    "put_item",
                    Item={
                        **items.key_attributes(key),
                        "Type": items.string("UserCodeAttempts"),
                        "count": items.number(1),
                        "window_start": items.number(now),
                        "expires_ttl": items.number(now + 2 * window),
                    },
                    ConditionExpression="attribute_not_exists(PK) OR window_start = :start",
                    ExpressionAttributeValues={":start": items.number(start)},
                )
                return now
            except ConditionFailed:
                again = self.table.get(key)
                in_window = again is not None and int(again["window_start"]["N"]) + window > now
                if in_window and again is not None and int(again["count"]["N"]) >= threshold:
                    return None
        raise WriteConflict({"attempts"})

    def release_attempt(self, user_id: int, window_start: int) -> None:
        try:
            self.table.call(
                "update_item",
                Key=items.key_attributes(keys.user_code_attempts_key(user_id)),
                UpdateExpression="ADD #count :minus_one",
                ConditionExpression="window_start = :start AND #count > :zero",
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues={
                    ":minus_one": items.number(-1),
                    ":start": items.number(window_start),
                    ":zero": items.number(0),
                },
            )
        except ConditionFailed:
            return
