"""The personal access tokens settings page (SPEC 11): the signed-in user's tokens, Generate, Delete.

The session is checked here (`Sessions.signed_in`), and tokens are made and deleted by the Authorizations
API's own service, with its rules (note required and unique, known scopes, the operator's lifetime cap).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from oauth_authz import clock
from oauth_authz.errors import ErrorCode, FieldError, NotFound, ValidationFailed
from oauth_authz.models.domain import PERSONAL_CLIENT_ID, Authorization, IssuedToken, Principal, WebSession
from oauth_authz.service.authorizations import AuthorizationService, authorization_service
from oauth_authz.service.retries import with_retries
from oauth_authz.service.sessions import Sessions, principal, sessions
from oauth_authz.settings import Settings, get_settings

PER_PAGE = 30
EXPIRY_DAYS = (7, 30, 60, 90)
CUSTOM = "custom"
NEVER = "none"
MAX_CUSTOM_DAYS = 366


@dataclass(frozen=True)
class TokenRow:
    token: Authorization
    last_used_at: datetime | None


@dataclass(frozen=True)
class TokenList:
    session: WebSession
    rows: list[TokenRow]
    page: int
    has_next: bool


def expiry(choice: str, custom: str, moment: datetime, never_allowed: bool) -> datetime | None:
    """When a token made at `moment` expires for the form's choice: 7, 30, 60 or 90 days, the end of a date
    (UTC) after today and within a year, or never (where the operator allows it)."""
    if choice in {str(days) for days in EXPIRY_DAYS}:
        return moment + timedelta(days=int(choice))
    if choice == NEVER and never_allowed:
        return None
    if choice == CUSTOM:
        try:
            day = date.fromisoformat(custom)
        except ValueError:
            raise ValidationFailed(FieldError("expiration_date", ErrorCode.INVALID)) from None
        today = moment.astimezone(UTC).date()
        if not today < day <= today + timedelta(days=MAX_CUSTOM_DAYS):
            raise ValidationFailed(FieldError("expiration_date", ErrorCode.INVALID))
        return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
    raise ValidationFailed(FieldError("expiration", ErrorCode.INVALID))


class PersonalTokens:
    def __init__(self, sessions: Sessions, authorizations: AuthorizationService, settings: Settings) -> None:
        self.sessions = sessions
        self.authorizations = authorizations
        self.settings = settings

    def listing(self, session_id: str | None, page: int = 1) -> TokenList:
        """A page of the user's live personal tokens, newest first, with when each was last used."""
        return self._listing(self.sessions.signed_in(session_id), page)

    def _listing(self, session: WebSession, page: int) -> TokenList:
        tokens = self.authorizations.list_authorizations(principal(session), PERSONAL_CLIENT_ID)
        tokens.sort(key=lambda auth: auth.id, reverse=True)
        start = (page - 1) * PER_PAGE
        shown = tokens[start : start + PER_PAGE]
        uses = self.authorizations.repository.last_uses([auth.hashed_token for auth in shown])
        rows = [TokenRow(auth, uses.get(auth.hashed_token)) for auth in shown]
        return TokenList(session, rows, page, len(tokens) > start + PER_PAGE)

    def generate(
        self, session_id: str | None, note: str, scopes: list[str], choice: str, custom: str
    ) -> tuple[IssuedToken, TokenList]:
        """The new token, and the first page of the list that now holds it."""
        session = self.sessions.signed_in(session_id)
        moment = clock.now()
        expires_at = expiry(choice, custom, moment, self.settings.allow_tokens_without_expiry)
        issued = self.authorizations.create_personal(principal(session), note.strip(), scopes, expires_at)
        return issued, self._listing(session, 1)

    def get(self, session_id: str | None, token_id: int) -> Authorization:
        """One of the user's personal tokens; another user's, or an app's token: NotFound."""
        return self._personal(principal(self.sessions.signed_in(session_id)), token_id)

    def _personal(self, user: Principal, token_id: int) -> Authorization:
        found = self.authorizations.get(user, token_id)
        if not found.is_personal:
            raise NotFound()
        return found

    def delete(self, session_id: str | None, token_id: int) -> None:
        """The token and its items, in one transaction (as `DELETE /authorizations/{id}` deletes them)."""
        user = principal(self.sessions.signed_in(session_id))

        def attempt() -> None:
            self.authorizations.repository.delete_authorization(self._personal(user, token_id), clock.now())

        with_retries(attempt)


@lru_cache(maxsize=1)
def personal_tokens() -> PersonalTokens:
    return PersonalTokens(sessions(), authorization_service(), get_settings())
