"""The request path's changes to a user's own item: the profile (name, email) and two-factor authentication.
Part of the repository (`Repository` inherits these methods), in a module of its own so that the repository
stays one job per module; creating a user and reading one stay in the repository.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from oauth_authz.clock import iso
from oauth_authz.models.domain import User
from oauth_authz.store import items, keys
from oauth_authz.store.table import Table


class UserRecords:
    table: Table

    def set_profile(self, user: User, name: str | None, email: str | None, moment: datetime) -> None:
        """A user's name and email (None removes one), on the user's item."""
        sets, removes = ["updated_at = :now"], []
        values: dict[str, Any] = {":now": items.string(iso(moment)), ":id": items.number(user.id)}
        for attribute, value in (("name", name), ("email", email)):
            if value is None:
                removes.append(f"#{attribute}")
            else:
                sets.append(f"#{attribute} = :{attribute}")
                values[f":{attribute}"] = items.string(value)
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        self.table.call(
            "update_item",
            Key=items.key_attributes(keys.login_key(user.login)),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(PK) AND id = :id",
            ExpressionAttributeNames={"#name": "name", "#email": "email"},
            ExpressionAttributeValues=values,
        )

    def set_totp(self, user: User, sealed: str | None, last_step: int = 0) -> None:
        """Enable (a sealed seed) or disable (None) two-factor authentication for a user; `last_step`: the
        step of a code already used (the settings page's confirming code), which sign-in will not take."""
        if sealed is None:
            update_expression, values = "REMOVE totp_sealed SET totp_last_step = :step", {}
        else:
            update_expression = "SET totp_sealed = :sealed, totp_last_step = :step"
            values = {":sealed": items.string(sealed)}
        self.table.call(
            "update_item",
            Key=items.key_attributes(keys.login_key(user.login)),
            UpdateExpression=update_expression,
            ConditionExpression="attribute_exists(PK) AND id = :id",
            ExpressionAttributeValues={
                **values,
                ":step": items.number(last_step),
                ":id": items.number(user.id),
            },
        )
