"""Who is calling: Basic auth as a user (login:password) or as an app (client_id:client_secret), or, on the
token routes (`GET /user`...), a user's token (`Authorization: token T` or `Bearer T`).

The outcome is either a principal or the reason for refusing it. The authorizer turns both into an Allow
whose context carries them, and the function answers a refusal with GitHub's exact status, body and headers
(see docs/design.md: API Gateway cannot vary the status or headers of a Deny). Nothing here logs or keeps a
credential (the verified-password cache keeps keyed digests only).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from oauth_authz import clock, tokens, totp
from oauth_authz.app_secrets import app_secret_matches
from oauth_authz.errors import AuthFailure, StoreUnavailable
from oauth_authz.models.domain import LOGIN_PATTERN, Authorization, Principal, TokenGrant, User
from oauth_authz.passwords import burn_verify, verify_password
from oauth_authz.secretbox import open_sealed
from oauth_authz.settings import Settings, get_settings
from oauth_authz.store.repository import Repository
from oauth_authz.store.table import ConditionFailed

MAX_HEADER = 4096
# The standard library's logger: the authorizer's Powertools logger formats it; importing
# `oauth_authz.observability` here would load Powertools into every preloaded worker.
logger = logging.getLogger(__name__)
# The routes a user's token may call (SPEC section 8): the token-authenticated user API. Every other user
# route is the Authorizations API's, where a token stays a 403 (section 5).
TOKEN_ROUTES = frozenset({"/user", "/user/emails"})
# A token's last use is written at most once in this long (one conditional write, see `_record_use`).
LAST_USE_RESOLUTION = timedelta(hours=1)


@dataclass(frozen=True)
class Outcome:
    principal: Principal | None = None
    failure: AuthFailure | None = None


@dataclass(frozen=True)
class BasicCredentials:
    username: str
    password: str

    def __repr__(self) -> str:  # never show a password, even in a traceback
        return "BasicCredentials(<redacted>)"


def parse_authorization(header: str | None) -> BasicCredentials | AuthFailure:
    """Basic credentials, or why the header cannot be used."""
    if header is None or header.strip() == "":
        return AuthFailure.REQUIRES_AUTHENTICATION
    if len(header) > MAX_HEADER:
        return AuthFailure.BAD_CREDENTIALS
    scheme, _, value = header.strip().partition(" ")
    scheme = scheme.lower()
    if scheme in {"token", "bearer"}:
        return AuthFailure.TOKEN_NOT_PASSWORD
    if scheme != "basic":
        return AuthFailure.REQUIRES_AUTHENTICATION
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return AuthFailure.BAD_CREDENTIALS
    username, colon, password = decoded.partition(":")
    if not colon or not username:
        return AuthFailure.BAD_CREDENTIALS
    return BasicCredentials(username, password)


def presented_token(header: str | None) -> str | None:
    """The token of `Authorization: token T` or `Bearer T` (the scheme in any case), else None."""
    if header is None or len(header) > MAX_HEADER:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() not in {"token", "bearer"}:
        return None
    return value.strip()


class VerifiedPasswords:
    """Passwords a warm authorizer verified lately, so that repeated requests do not pay argon2 each time.

    An entry is the user's id -> an HMAC, under a random key of this process, of the user's stored password
    hash and the password that matched it, and until when it holds: never the password itself, nor anything
    it could be tested against outside this process. A changed password changes the stored hash, so the next
    request misses (and is verified, and refused, with argon2). The lockout is checked before the cache is
    consulted, and a second factor after it, on every request.
    """

    MAX_ENTRIES = 1024

    def __init__(self, seconds: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._entries: OrderedDict[int, tuple[bytes, float]] = OrderedDict()

    def _digest(self, user: User, password: str) -> bytes:
        message = user.password_hash.encode("utf-8") + b"\x00" + password.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def holds(self, user: User, password: str) -> bool:
        entry = self._entries.get(user.id)
        if entry is None:
            return False
        digest, until = entry
        if self._clock() >= until:
            del self._entries[user.id]
            return False
        return hmac.compare_digest(digest, self._digest(user, password))

    def remember(self, user: User, password: str) -> None:
        if self.seconds <= 0:
            return
        self._entries[user.id] = (self._digest(user, password), self._clock() + self.seconds)
        self._entries.move_to_end(user.id)
        while len(self._entries) > self.MAX_ENTRIES:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def is_app_route(resource: str) -> bool:
    """`/applications/{client_id}/...` is called by apps; every other route by users."""
    return resource.startswith("/applications/{client_id}")


def is_token_route(resource: str) -> bool:
    """A route a user may call with a token as well as with a password."""
    return resource in TOKEN_ROUTES


class Authenticator:
    def __init__(self, repository: Repository, settings: Settings) -> None:
        self.repository = repository
        self.settings = settings
        self.verified = VerifiedPasswords(settings.auth_cache_seconds)

    def authenticate(
        self, header: str | None, app_route: bool, otp: str | None = None, token_route: bool = False
    ) -> Outcome:
        """`token_route`: the route also takes a user's token (`token T`, `Bearer T`, or as the Basic
        password), checked with one read and no password hash."""
        token = presented_token(header) if token_route else None
        credentials = parse_authorization(header)
        if token is None and isinstance(credentials, AuthFailure):
            if app_route and credentials is AuthFailure.TOKEN_NOT_PASSWORD:
                return Outcome(failure=AuthFailure.BAD_CREDENTIALS)
            return Outcome(failure=credentials)
        basic_token = isinstance(credentials, BasicCredentials) and tokens.is_well_formed(
            credentials.password
        )
        if token is None and token_route and basic_token:  # GitHub takes a token as the Basic password
            assert isinstance(credentials, BasicCredentials)  # noqa: S101 - checked just above
            token = credentials.password
        try:
            if token is not None:
                return self._token(token)
            assert isinstance(credentials, BasicCredentials)  # noqa: S101 - failures returned above
            if app_route:
                return self._app(credentials)
            return self.sign_in(credentials.username, credentials.password, otp)
        except StoreUnavailable:  # the function answers 503 with Retry-After (an authorizer crash is a 500)
            return Outcome(failure=AuthFailure.STORE_UNAVAILABLE)

    def _token(self, token: str) -> Outcome:
        """One GetItem (the token's own item, by its SHA-256); a malformed token none at all."""
        if not tokens.is_well_formed(token):
            return Outcome(failure=AuthFailure.BAD_CREDENTIALS)
        auth = self.repository.get_by_token(tokens.hash_token(token))
        now = clock.now()
        if auth is None or auth.is_expired(now):
            return Outcome(failure=AuthFailure.BAD_CREDENTIALS)
        self._record_use(auth, now)
        grant = TokenGrant(scopes=tuple(auth.scopes), client_id=auth.client_id)
        return Outcome(principal=Principal(kind="user", user_id=auth.user_id, login=auth.login, token=grant))

    def _record_use(self, auth: Authorization, now: datetime) -> None:
        """At most one write per token and `LAST_USE_RESOLUTION`; its failure never fails the request."""
        if auth.last_used_at is not None and now - auth.last_used_at < LAST_USE_RESOLUTION:
            return
        try:
            self.repository.record_token_use(auth.hashed_token, now, now - LAST_USE_RESOLUTION)
        except ConditionFailed:  # stamped by a parallel request meanwhile, or the token just went
            return
        except Exception:  # noqa: BLE001 - a lost last-use stamp is not worth refusing the caller
            logger.warning("token last use not recorded", extra={"authorization_id": auth.id})

    def sign_in(self, login: str, password: str, otp: str | None = None) -> Outcome:
        """A user's sign-in, for the authorizer (Basic auth) and a sign-in form alike: the lockout, the
        password, then the second factor.

        The attempt is reserved (counted as a failure, in one conditional write) before anything is
        verified, and refused when the login's window is full; a success gives it back. So a burst of
        parallel guesses has at most `LockoutThreshold` of them verified, and a success does not reset the
        count. A password this warm instance verified lately skips argon2 and the reservation, but is
        still checked against the count in the same order as the reservations (`attempt_open`).
        """
        if tokens.is_well_formed(password):
            return Outcome(failure=AuthFailure.TOKEN_NOT_PASSWORD)
        if not LOGIN_PATTERN.fullmatch(login):
            # Nobody's (the account grammar: ASCII, at most 39): refused before any look-up, at an unknown
            # login's cost, without a key to count it under. A login that only lower-cases to one (the Kelvin
            # sign U+212A to `k`) would otherwise have signed in as that account.
            burn_verify(password)
            return Outcome(failure=AuthFailure.BAD_CREDENTIALS)
        now = int(time.time())
        threshold, window = self.settings.lockout_threshold, self.settings.lockout_window_seconds
        user, failures = self.repository.login_state(login)
        if failures.locked(now, threshold, window):
            return Outcome(failure=AuthFailure.LOCKED_OUT)
        if user is not None and not user.has_two_factor and self.verified.holds(user, password):
            if not self.repository.attempt_open(login, now, threshold, window):
                return Outcome(failure=AuthFailure.LOCKED_OUT)
            return Outcome(principal=Principal(kind="user", user_id=user.id, login=user.login))
        reserved = self.repository.reserve_attempt(login, failures, now, threshold, window)
        if reserved is None:
            return Outcome(failure=AuthFailure.LOCKED_OUT)
        if user is None:
            burn_verify(password)
            return Outcome(failure=AuthFailure.BAD_CREDENTIALS)  # the reserved attempt stays counted
        if not self._password_matches(user, password):
            return Outcome(failure=AuthFailure.BAD_CREDENTIALS)
        if user.has_two_factor:
            return self._second_factor(user, otp, reserved, now)
        self.repository.release_attempt(login, reserved)
        return Outcome(principal=Principal(kind="user", user_id=user.id, login=user.login))

    def second_factor(self, login: str, otp: str) -> Outcome:
        """The code of a two-factor sign-in whose password was verified already (the sign-in page's pending
        session): the lockout, then the code, under an attempt reserved as `sign_in` reserves it. So a burst
        of parallel codes has at most `LockoutThreshold` of them verified, a code is accepted once (its step
        is spent in the transaction that gives the attempt back), and a wrong code stays a failed attempt.
        """
        now = int(time.time())
        threshold, window = self.settings.lockout_threshold, self.settings.lockout_window_seconds
        user, failures = self.repository.login_state(login)
        if failures.locked(now, threshold, window):
            return Outcome(failure=AuthFailure.LOCKED_OUT)
        if (
            user is None or not user.has_two_factor
        ):  # deleted, or its second factor removed, since the password
            return Outcome(failure=AuthFailure.BAD_CREDENTIALS)
        reserved = self.repository.reserve_attempt(login, failures, now, threshold, window)
        if reserved is None:
            return Outcome(failure=AuthFailure.LOCKED_OUT)
        return self._second_factor(user, otp, reserved, now)

    def _password_matches(self, user: User, password: str) -> bool:
        if self.verified.holds(user, password):
            return True
        if not verify_password(user.password_hash, password):
            return False
        self.verified.remember(user, password)
        return True

    def _second_factor(self, user: User, otp: str | None, reserved: int, now: int) -> Outcome:
        """Under the attempt reserved for the password. A missing code is the challenge clients expect,
        not a failure (the attempt is given back); a wrong one keeps it: a failed attempt. A code already
        used (a replay) is refused like a missing one but not counted: clients such as octokit resend
        their last code until they see the challenge, and must not lock their user out."""
        if otp is None or otp.strip() == "":
            self.repository.release_attempt(user.login, reserved)
            return Outcome(failure=AuthFailure.OTP_REQUIRED)
        assert user.totp_sealed is not None  # noqa: S101 - has_two_factor
        steps = totp.matching_steps(open_sealed(user.totp_sealed, user.login), otp, now)
        if not steps:
            return Outcome(failure=AuthFailure.OTP_REQUIRED)
        fresh = [step for step in steps if step > user.totp_last_step]
        if not fresh or not self.repository.accept_totp_step(user, fresh[0], reserved):
            self.repository.release_attempt(user.login, reserved)
            return Outcome(failure=AuthFailure.OTP_REQUIRED)
        return Outcome(principal=Principal(kind="user", user_id=user.id, login=user.login))

    def _app(self, credentials: BasicCredentials) -> Outcome:
        app = self.repository.get_app(credentials.username) if len(credentials.username) <= 20 else None
        if app is None or not app_secret_matches(app, credentials.password):
            return Outcome(failure=AuthFailure.BAD_CREDENTIALS)
        return Outcome(principal=Principal(kind="app", client_id=app.client_id))


@lru_cache(maxsize=1)
def authenticator() -> Authenticator:
    settings = get_settings()
    return Authenticator(Repository(settings.table_name), settings)
