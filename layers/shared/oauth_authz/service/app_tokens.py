"""What an OAuth app may do with its own tokens: check, reset, revoke, and revoke the whole grant.

The app is the authenticated principal and must be the client_id it names; a token of another app, a
personal token, an unknown, revoked or expired token all answer 404, and a malformed one is refused
before any read of the table.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from oauth_authz import clock, tokens
from oauth_authz.errors import NotFound
from oauth_authz.models.domain import Authorization, IssuedToken, Principal
from oauth_authz.service.grants import GrantService
from oauth_authz.service.retries import with_retries
from oauth_authz.settings import get_settings
from oauth_authz.store.repository import Repository


class AppTokenService:
    def __init__(self, repository: Repository, grants: GrantService) -> None:
        self.repository = repository
        self.grants = grants

    def find(self, app: Principal, client_id: str, token: str) -> Authorization:
        if client_id != app.client_id or not tokens.is_well_formed(token, tokens.TokenKind.OAUTH):
            raise NotFound()
        auth = self.repository.get_by_token(tokens.hash_token(token))
        if auth is None or auth.client_id != client_id or auth.is_expired(clock.now()):
            raise NotFound()
        return auth

    def check(self, app: Principal, client_id: str, token: str) -> Authorization:
        return self.find(app, client_id, token)

    def reset(self, app: Principal, client_id: str, token: str) -> IssuedToken:
        """A new token for the same authorization; the old one stops working in the same transaction."""

        def attempt() -> IssuedToken:
            old = self.find(app, client_id, token)
            fresh = tokens.new_token(tokens.TokenKind.OAUTH)
            new = replace(
                old,
                hashed_token=tokens.hash_token(fresh),
                token_last_eight=tokens.last_eight(fresh),
                updated_at=clock.now(),
                version=old.version + 1,
            )
            self.repository.replace_token(old, new)
            return IssuedToken(new, fresh)

        return with_retries(attempt)

    def revoke(self, app: Principal, client_id: str, token: str) -> None:
        def attempt() -> None:
            self.repository.delete_authorization(self.find(app, client_id, token), clock.now())

        with_retries(attempt)

    def revoke_grant(self, app: Principal, client_id: str, token: str) -> None:
        """Every token of this app for the token's owner, and their grant."""
        owner = self.find(app, client_id, token)
        self.grants.revoke_for_app(owner.user_id, client_id)


@lru_cache(maxsize=1)
def app_token_service() -> AppTokenService:
    repository = Repository(get_settings().table_name)
    return AppTokenService(repository, GrantService(repository))
