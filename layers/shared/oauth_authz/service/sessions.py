"""Web sessions: signing in on the sign-in page (and its two-factor step), the signed-in user, signing out.

A session id is 256 random bits, sent only in the browser's cookie and stored only as its SHA-256, with an
expiry (a TTL on the item, and checked on every read). Every sign-in starts a new id and ends the browser's
previous one (no session fixation); between a two-factor user's password and code the browser holds a
short, pending session that signs nobody in. "Sign out every session" ends all of a user's sessions, found
through their references in the user's partition (`store/session_store.py`). The checks of login, password,
lockout and code are the authorizer's own (`service/authentication.py`), so the page answers exactly as the
API does.

CSRF tokens are bound to a cookie's secret value: `csrf_token(value)` is a SHA-256 of it under a label, so a
form's token can be checked against the cookie the browser sent without a read, and no other site can make
one (it cannot read the cookie).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from oauth_authz import clock
from oauth_authz.errors import AuthFailure
from oauth_authz.models.domain import App, Principal, WebSession
from oauth_authz.service.authentication import Authenticator, authenticator
from oauth_authz.service.oauth_web_flow import readable_client_id
from oauth_authz.settings import get_settings
from oauth_authz.store.session_store import SessionStore

SESSION_SECONDS = 8 * 3600
PENDING_SECONDS = 300
MAX_SECRET = 64  # longer than any id we make: refused before hashing
MAX_FIELD = 1024


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hashed(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def csrf_token(cookie_value: str) -> str:
    digest = hashlib.sha256(b"oauth-authz csrf\x00" + cookie_value.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def csrf_matches(cookie_value: str | None, token: str | None) -> bool:
    """The form's token is the one bound to the cookie the browser sent (constant-time)."""
    if not cookie_value or not token or len(cookie_value) > MAX_SECRET or len(token) > MAX_SECRET:
        return False
    return hmac.compare_digest(csrf_token(cookie_value).encode("ascii"), token.encode("utf-8", "replace"))


@dataclass(frozen=True)
class Started:
    """A new session: `session_id` goes into the cookie; `pending`: the two-factor code is still due."""

    session_id: str
    session: WebSession

    @property
    def pending(self) -> bool:
        return self.session.pending_two_factor


def principal(session: WebSession) -> Principal:
    """The signed-in user of a session, as the services that act for a user take them."""
    return Principal(kind="user", user_id=session.user_id, login=session.login)


class SignInRequired(Exception):
    """A page for signed-in users only, asked for without a signed-in session: the sign-in page is next."""


@dataclass(frozen=True)
class Refused:
    failure: AuthFailure


class Sessions:
    def __init__(self, store: SessionStore, auth: Authenticator) -> None:
        self.store = store
        self.auth = auth

    def _lookup(self, session_id: str | None) -> WebSession | None:
        if not session_id or len(session_id) > MAX_SECRET:
            return None
        return self.store.get(hashed(session_id), clock.now())

    def current(self, session_id: str | None) -> WebSession | None:
        """The signed-in user's session, or None (no cookie, unknown, expired, or still pending)."""
        found = self._lookup(session_id)
        return None if found is None or found.pending_two_factor else found

    def signed_in(self, session_id: str | None) -> WebSession:
        """`current(session_id)`, or SignInRequired: what every settings page checks first."""
        found = self.current(session_id)
        if found is None:
            raise SignInRequired()
        return found

    def current_and_app(self, session_id: str | None, client_id: str) -> tuple[WebSession | None, App | None]:
        """`current(session_id)` and the app of `client_id` (None: no such app), in one read."""
        readable = session_id if session_id and len(session_id) <= MAX_SECRET else None
        session, app = self.store.get_with_app(
            hashed(readable) if readable else None,
            client_id if readable_client_id(client_id) else None,
            clock.now(),
        )
        return (None if session is None or session.pending_two_factor else session), app

    def pending(self, session_id: str | None) -> WebSession | None:
        """The session waiting for its two-factor code, or None."""
        found = self._lookup(session_id)
        return found if found is not None and found.pending_two_factor else None

    def sign_in(self, login: str, password: str, previous: str | None) -> Started | Refused:
        if len(login) > MAX_FIELD or len(password) > MAX_FIELD:
            return Refused(AuthFailure.BAD_CREDENTIALS)
        outcome = self.auth.sign_in(login, password)
        if outcome.failure is AuthFailure.OTP_REQUIRED:
            user = self.auth.repository.get_user(login)
            if user is None:  # deleted between the two reads
                return Refused(AuthFailure.BAD_CREDENTIALS)
            return self._start(user.id, user.login, previous, pending=True)
        if outcome.principal is None or outcome.principal.user_id is None:
            return Refused(outcome.failure or AuthFailure.BAD_CREDENTIALS)
        return self._start(outcome.principal.user_id, outcome.principal.login or login, previous)

    def two_factor(self, session_id: str | None, otp: str) -> Started | Refused | None:
        """The code for a pending session: a new, signed-in session; None when there is no pending one."""
        waiting = self.pending(session_id)
        if waiting is None or session_id is None:
            return None
        if len(otp) > MAX_FIELD:
            return Refused(AuthFailure.OTP_REQUIRED)
        outcome = self.auth.second_factor(waiting.login, otp)
        if outcome.principal is None or outcome.principal.user_id is None:
            return Refused(outcome.failure or AuthFailure.OTP_REQUIRED)
        return self._start(outcome.principal.user_id, waiting.login, session_id)

    def sign_out(self, session_id: str | None) -> None:
        if session_id and len(session_id) <= MAX_SECRET:
            self.store.end(hashed(session_id))

    def sign_out_everywhere(self, session_id: str | None) -> int:
        """End every session of the signed-in user, this one included (SignInRequired without one);
        returns how many were ended (sessions started before the upgrade that added references are not)."""
        session = self.signed_in(session_id)
        return self.store.end_all(session.user_id)

    def _start(self, user_id: int, login: str, previous: str | None, pending: bool = False) -> Started:
        seconds = PENDING_SECONDS if pending else SESSION_SECONDS
        expires_at: datetime = clock.now() + timedelta(seconds=seconds)
        session = WebSession(user_id=user_id, login=login, expires_at=expires_at, pending_two_factor=pending)
        session_id = new_secret()
        replacing = hashed(previous) if previous and len(previous) <= MAX_SECRET else None
        self.store.start(hashed(session_id), session, replacing=replacing)
        return Started(session_id, session)


@lru_cache(maxsize=1)
def sessions() -> Sessions:
    settings = get_settings()
    return Sessions(SessionStore(settings.table_name), authenticator())
