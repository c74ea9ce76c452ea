"""Expiring tokens and refresh tokens (SPEC section 10).

An app with expiring tokens (`apps create --expiring-tokens`), or a request with the `offline_access` scope,
gets tokens that live 8 hours and come with a refresh token (`ghr_`, 6 months, stored only as its SHA-256).
`grant_type=refresh_token` trades a refresh token for a new pair with the same scopes: the old refresh token
is spent and the old access token revoked in the same transaction (`RefreshTokens.rotate`).

Race or replay. A refresh token is good once. Presented again it answers `bad_refresh_token`, and then:
- within `RACE_WINDOW` of its spending, it is a race: the same client sent it twice at about the same time
  (two tabs, a retry after a timeout, parallel requests each seeing an expired token). Nothing more happens:
  the pair the winner got stays good;
- later, it is a replay: someone kept a refresh token that was already used, so one of the two holders is not
  the client it was issued to. The whole family goes (the access token and refresh token that descend from
  it), as the OAuth 2.0 Security BCP (4.14.2) asks: the legitimate client signs in again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

from oauth_authz import clock, ids, tokens
from oauth_authz.app_secrets import app_secret_matches
from oauth_authz.errors import StoreUnavailable
from oauth_authz.models.domain import App, Authorization, Grant, IssuedToken, Principal, RefreshToken
from oauth_authz.service.authorizations import AuthorizationService
from oauth_authz.service.retries import ATTEMPTS, backoff
from oauth_authz.settings import Settings, get_settings
from oauth_authz.store.refresh_tokens import OLD_AUTHORIZATION, REFRESH, RefreshTokens
from oauth_authz.store.repository import Repository
from oauth_authz.store.table import WriteConflict
from oauth_authz.token_answers import (
    BAD_REFRESH_TOKEN,
    INCORRECT_CLIENT_CREDENTIALS,
    TokenError,
    TokenResponse,
)

OFFLINE_ACCESS = "offline_access"  # asks for an expiring token and a refresh token; never stored as a scope
REFRESH_TOKEN_LIFETIME = timedelta(seconds=15897600)  # GitHub's: 184 days
RACE_WINDOW = timedelta(seconds=10)


def asks_offline(scope_parameter: str) -> bool:
    """Whether a `scope` parameter (space- or comma-separated) has `offline_access`."""
    return OFFLINE_ACCESS in scope_parameter.replace(",", " ").split()


@dataclass(frozen=True)
class NewPair:
    """An expiring access token and its refresh token, not yet written."""

    issued: IssuedToken
    fresh_grant: Grant | None
    refresh: RefreshToken
    refresh_plaintext: str

    @property
    def authorization(self) -> Authorization:
        return self.issued.authorization

    def answer(self) -> TokenResponse:
        auth = self.authorization
        assert auth.expires_at is not None  # noqa: S101 - an expiring token by construction
        return TokenResponse(
            access_token=self.issued.token,
            scope=",".join(auth.scopes),
            expires_in=int((auth.expires_at - auth.created_at).total_seconds()),
            refresh_token=self.refresh_plaintext,
            refresh_token_expires_in=int(REFRESH_TOKEN_LIFETIME.total_seconds()),
        )


def new_refresh_token(
    auth: Authorization, family: str, from_device: bool, moment: datetime
) -> tuple[RefreshToken, str]:
    plaintext = tokens.new_token(tokens.TokenKind.REFRESH)
    token = RefreshToken(
        hashed_token=tokens.hash_token(plaintext),
        family=family,
        user_id=auth.user_id,
        login=auth.login,
        client_id=auth.client_id or "",
        scopes=list(auth.scopes),
        auth_id=auth.id,
        auth_hashed_token=auth.hashed_token,
        from_device=from_device,
        created_at=moment,
        expires_at=moment + REFRESH_TOKEN_LIFETIME,
    )
    return token, plaintext


def new_pair(
    authorizations: AuthorizationService,
    user: Principal,
    app: App,
    grant: Grant | None,
    scopes: list[str],
    from_device: bool,
    family: str | None = None,
) -> NewPair:
    """A new expiring token for `user` and `app` with its refresh token (of a new family unless given)."""
    family = family or str(ids.new_id())
    issued, fresh = authorizations.new_app_token(user, app, grant, scopes, web_flow=True, family=family)
    refresh, plaintext = new_refresh_token(
        issued.authorization, family, from_device, issued.authorization.created_at
    )
    return NewPair(issued, fresh, refresh, plaintext)


class Refresher:
    def __init__(
        self, repository: Repository, settings: Settings, authorizations: AuthorizationService
    ) -> None:
        self.repository = repository
        self.store = RefreshTokens(repository.table)
        self.settings = settings
        self.authorizations = authorizations

    def refresh(self, params: Mapping[str, str], basic: tuple[str, str] | None) -> TokenResponse | TokenError:
        """`grant_type=refresh_token`: `refresh_token`, `client_id`, and `client_secret` unless the token came
        from the device flow (credentials also as Basic auth)."""
        client_id, client_secret = params.get("client_id") or "", params.get("client_secret") or ""
        if basic is not None and not client_id:
            client_id, client_secret = basic
        if not client_id or len(client_id) > 64:
            return INCORRECT_CLIENT_CREDENTIALS
        presented = params.get("refresh_token") or ""
        if not tokens.is_well_formed(presented, tokens.TokenKind.REFRESH):
            app = self.repository.get_app(client_id)
            if app is None or (client_secret and not app_secret_matches(app, client_secret)):
                return INCORRECT_CLIENT_CREDENTIALS
            return BAD_REFRESH_TOKEN
        hashed = tokens.hash_token(presented)
        hashed_override: str | None = None
        for round_ in range(ATTEMPTS):
            context = self.store.context(hashed, client_id)
            app, old = context.app, context.token
            if old is not None and hashed_override is not None:
                old = replace(old, auth_hashed_token=hashed_override)
            if app is None:
                return INCORRECT_CLIENT_CREDENTIALS
            needs_secret = (old is not None and not old.from_device) or bool(client_secret)
            if needs_secret and not app_secret_matches(app, client_secret):
                return INCORRECT_CLIENT_CREDENTIALS
            if old is None or old.client_id != client_id:
                return BAD_REFRESH_TOKEN
            moment = clock.now()
            if old.spent_at is not None:
                if moment - old.spent_at >= RACE_WINDOW:
                    self._end_family(old)
                return BAD_REFRESH_TOKEN
            if old.is_expired(moment):
                return BAD_REFRESH_TOKEN
            user = Principal(kind="user", user_id=old.user_id, login=old.login)
            # the family's grant holds it: the new token joins that grant (no grant read needed)
            issued, _ = self.authorizations.new_app_token(
                user, app, None, list(old.scopes), web_flow=True, family=old.family
            )
            auth = issued.authorization
            refresh, plaintext = new_refresh_token(auth, old.family, old.from_device, auth.created_at)
            try:
                self.store.rotate(old, auth, refresh, moment)
            except WriteConflict as conflict:
                if REFRESH in conflict.parts:
                    backoff(round_)  # spent meanwhile: read again, a race or a replay then
                    continue
                if "grant" in conflict.parts:
                    return BAD_REFRESH_TOKEN  # the family was ended (revoked grant or token, or a replay)
                if OLD_AUTHORIZATION in conflict.parts:
                    reset = self.repository.get_authorization(old.user_id, old.auth_id)
                    if reset is not None:  # its access token was reset: delete it by its new hash
                        hashed_override = reset.hashed_token
                backoff(round_)
                continue
            return NewPair(IssuedToken(auth, issued.token), None, refresh, plaintext).answer()
        raise StoreUnavailable()

    def _end_family(self, spent: RefreshToken) -> None:
        """A replay: every token descended from `spent` goes (its family's live end)."""
        for round_ in range(ATTEMPTS):
            grant = self.repository.get_grant(spent.user_id, spent.client_id)
            live_end = None if grant is None else grant.families.get(spent.family)
            if live_end is None:
                return  # ended already
            try:
                self.store.end_family(spent.user_id, spent.client_id, spent.family, live_end)
                return
            except WriteConflict:
                backoff(round_)


@lru_cache(maxsize=1)
def refresher() -> Refresher:
    settings = get_settings()
    repository = Repository(settings.table_name)
    return Refresher(repository, settings, AuthorizationService(repository, settings))
