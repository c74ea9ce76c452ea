"""The authorized OAuth apps settings page (SPEC 11): a row per grant of the signed-in user (the app, its
scopes, when granted, when last used), and Revoke, which deletes the grant and every token of the app in
the Grants API's own way (`GrantService`, SPEC 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from oauth_authz import clock
from oauth_authz.models.domain import Grant, WebSession
from oauth_authz.service.grants import GrantService, grant_service
from oauth_authz.service.sessions import Sessions, principal, sessions

PER_PAGE = 30


@dataclass(frozen=True)
class AppRow:
    grant: Grant
    scopes: list[str]
    last_used_at: datetime | None


@dataclass(frozen=True)
class AppList:
    session: WebSession
    rows: list[AppRow]
    page: int
    has_next: bool


class ConnectedApps:
    def __init__(self, sessions: Sessions, grants: GrantService) -> None:
        self.sessions = sessions
        self.grants = grants

    def listing(self, session_id: str | None, page: int = 1) -> AppList:
        """A page of the user's live grants, most recently granted first; a grant's last use is its tokens'
        latest. One Query of the user's partition, one BatchGetItem of the shown grants' tokens (100 at
        most: the tokens past those are not read)."""
        session = self.sessions.signed_in(session_id)
        moment = clock.now()
        repository = self.grants.repository
        authorizations, grants = repository.app_authorizations_and_grants(session.user_id)
        live = sorted((g for g in grants if g.live_entries(moment)), key=lambda g: g.id, reverse=True)
        start = (page - 1) * PER_PAGE
        shown = live[start : start + PER_PAGE]
        wanted = {grant.client_id for grant in shown}
        tokens = [auth for auth in authorizations if auth.client_id in wanted and not auth.is_expired(moment)]
        uses = repository.last_uses([auth.hashed_token for auth in tokens])
        latest: dict[str, datetime] = {}
        for auth in tokens:
            used = uses.get(auth.hashed_token)
            if used is not None and auth.client_id is not None:
                latest[auth.client_id] = max(used, latest.get(auth.client_id, used))
        rows = [AppRow(grant, grant.scopes(moment), latest.get(grant.client_id)) for grant in shown]
        return AppList(session, rows, page, len(live) > start + PER_PAGE)

    def get(self, session_id: str | None, grant_id: int) -> tuple[WebSession, Grant]:
        """One of the user's live grants; another user's grant id is not found."""
        session = self.sessions.signed_in(session_id)
        return session, self.grants.get_grant(principal(session), grant_id)

    def revoke(self, session_id: str | None, grant_id: int) -> None:
        session = self.sessions.signed_in(session_id)
        self.grants.delete_grant(principal(session), grant_id)


@lru_cache(maxsize=1)
def connected_apps() -> ConnectedApps:
    return ConnectedApps(sessions(), grant_service())
