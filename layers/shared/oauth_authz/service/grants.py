"""Grants: one per OAuth app holding tokens of the user; revoking one removes every token of that app.

A grant with many tokens is revoked in parts (`Repository.revoke_grant`), each checking the grant's version:
a token created meanwhile makes the revocation start over from a fresh read, so nothing created before the
revocation answered survives it. DynamoDB calls: one Query, then one transaction per 30 tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from oauth_authz import clock
from oauth_authz.errors import NotFound, StoreUnavailable
from oauth_authz.models.domain import Grant, Principal
from oauth_authz.service.retries import backoff
from oauth_authz.settings import get_settings
from oauth_authz.store.repository import Repository
from oauth_authz.store.table import WriteConflict

ROUNDS = 8


class GrantService:
    def __init__(self, repository: Repository) -> None:
        self.repository = repository

    def list_grants(self, user: Principal, client_id: str | None = None) -> list[Grant]:
        moment = clock.now()
        grants = self.repository.list_grants(user.user_id, client_id)
        return sorted((g for g in grants if g.is_held(moment)), key=lambda grant: grant.id)

    def get_grant(self, user: Principal, grant_id: int) -> Grant:
        for grant in self.list_grants(user):
            if grant.id == grant_id:
                return grant
        raise NotFound()

    def delete_grant(self, user: Principal, grant_id: int) -> None:
        self.revoke(user.user_id, lambda grants: next((g for g in grants if g.id == grant_id), None))

    def revoke_for_app(self, user_id: int, client_id: str) -> None:
        self.revoke(user_id, lambda grants: next((g for g in grants if g.client_id == client_id), None))

    def revoke(self, user_id: int, pick: Callable[[list[Grant]], Grant | None]) -> None:
        """Delete the picked grant and every authorization of its app for the user; 404 if there is none."""
        for round_ in range(ROUNDS):
            moment = clock.now()
            authorizations, grants = self.repository.app_authorizations_and_grants(user_id)
            grant = pick(grants)
            if grant is None or (round_ == 0 and not grant.is_held(moment)):
                if round_ == 0:
                    raise NotFound()
                return  # a concurrent revocation finished the work
            doomed = [auth for auth in authorizations if auth.client_id == grant.client_id]
            try:
                self.repository.revoke_grant(grant, doomed, moment)
                return
            except WriteConflict:
                backoff(round_)
        raise StoreUnavailable()


@lru_cache(maxsize=1)
def grant_service() -> GrantService:
    return GrantService(Repository(get_settings().table_name))
