"""The request path's web-flow codes: stored (hashed), read with what exchanging one needs, and spent in the
transaction that issues the token (`Repository.exchange_code`, with the authorization's writes). Part of the
repository (`Repository` inherits these methods), in a module of
its own because it is a job of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from oauth_authz.models.domain import App, AuthorizationCode, Grant
from oauth_authz.store import app_items, items, keys
from oauth_authz.store.table import Table, put

CODE = "code"


@dataclass(frozen=True)
class ExchangeContext:
    """What exchanging a code needs, read in one BatchGetItem."""

    code: AuthorizationCode | None
    app: App | None
    grant: Grant | None


class CodeRecords:
    table: Table

    def create_code(self, code: AuthorizationCode) -> None:
        self.table.transact([put(CODE, items.code_item(code))])

    def exchange_context(self, hashed_code: str, client_id: str, user_id: int) -> ExchangeContext:
        """The code, the app and the user's grant for the app: one BatchGetItem."""
        found = self.table.batch_get(
            {
                "code": keys.code_key(hashed_code),
                "app": keys.app_key(client_id),
                "grant": keys.grant_key(user_id, client_id),
            }
        )
        return ExchangeContext(
            code=items.code_from_item(found["code"]) if "code" in found else None,
            app=app_items.app_from_item(found["app"]) if "app" in found else None,
            grant=items.grant_from_item(found["grant"]) if "grant" in found else None,
        )
