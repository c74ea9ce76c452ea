"""The device flow (SPEC section 10, RFC 8628 as GitHub runs it).

1. The device asks `POST /login/device/code` (`request_codes`): a device code (40 hex characters, kept by
   the device), a user code (four letters, a hyphen, four letters: shown to the user), the verification
   URI, 900 s, interval 5 s.
2. The user signs in at `/login/device`, types the user code (`lookup`), and approves or denies (`approve`,
   `deny`): the pages call these.
3. The device polls `POST /login/oauth/access_token` with `grant_type=urn:ietf:params:oauth:grant-type:
   device_code` (`poll`): `authorization_pending` until the user answers, then the token (once) or
   `access_denied`; `expired_token` after 15 minutes.

Polling too fast. A poll is "clearly faster than the interval" when it comes less than `interval - SLACK`
seconds after the one before (3 s for the interval of 5): a client that waits the interval it was given
never sees `slow_down`, whatever the network's jitter up to 2 s; one that polls faster gets `slow_down` with
the new interval (5 s more, RFC 8628 section 3.5), which holds for the rest of the request.

Wrong user codes. An unknown code names no app, so the limit is on who types them: each signed-in user has
`USER_CODE_ATTEMPTS` wrong codes an hour (GitHub's figure for its per-app limit, 50 an hour); a right code
costs nothing. A user code has 20^8 (2.6e10) values: 50 guesses an hour find a live one with a chance
below 1e-8 even with hundreds of requests pending.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import lru_cache

from oauth_authz import clock
from oauth_authz.errors import StoreUnavailable
from oauth_authz.models.domain import App, DeviceRequest, Grant, Principal
from oauth_authz.scopes import normalise
from oauth_authz.service import refresh
from oauth_authz.service.authorizations import AuthorizationService
from oauth_authz.service.retries import ATTEMPTS, backoff
from oauth_authz.settings import Settings, get_settings
from oauth_authz.store.device_codes import DEVICE, USER_CODE, DeviceCodes
from oauth_authz.store.refresh_tokens import family_of
from oauth_authz.store.repository import Repository
from oauth_authz.store.table import WriteConflict
from oauth_authz.token_answers import (
    ACCESS_DENIED,
    AUTHORIZATION_PENDING,
    DEVICE_FLOW_DISABLED,
    EXPIRED_TOKEN,
    INCORRECT_CLIENT_CREDENTIALS,
    INCORRECT_DEVICE_CODE,
    DeviceCodeResponse,
    TokenError,
    TokenResponse,
    slow_down,
)

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CODES_LIFETIME = timedelta(seconds=900)
INTERVAL = 5
SLOW_DOWN_STEP = 5
SLACK = 2  # seconds of jitter a poll may come early by and still be on time
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 6.1: no vowels, no look-alikes (0/O, 1/I/L, 5/S ...)
USER_CODE_LENGTH = 8
USER_CODE_ATTEMPTS = 50
USER_CODE_WINDOW = 3600
_DEVICE_CODE_LENGTH = 40


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalised_user_code(typed: str) -> str | None:
    """A user code as typed (any case, with or without the hyphen, spaces around it) in its stored form,
    or None when it cannot be one."""
    code = typed.strip().replace("-", "").replace(" ", "").upper()
    if len(code) != USER_CODE_LENGTH or any(char not in USER_CODE_ALPHABET for char in code):
        return None
    return code


def _new_user_code() -> str:
    return "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))


class DeviceFlowDisabled(Exception):
    """The app has not turned the device flow on."""


@dataclass(frozen=True)
class PendingRequest:
    """What the device page shows for a user code: the app and the scopes it asks for."""

    user_code: str  # as shown: four letters, a hyphen, four letters (WDJB-MJHT)
    client_id: str
    app_name: str
    app_url: str
    scopes: list[str]


class UserCodeRefused(Exception):
    """The user code is unknown, expired or already answered (`locked`: too many wrong codes)."""

    def __init__(self, locked: bool = False) -> None:
        super().__init__("locked" if locked else "unknown")
        self.locked = locked


class DeviceFlow:
    def __init__(
        self, repository: Repository, settings: Settings, authorizations: AuthorizationService
    ) -> None:
        self.repository = repository
        self.store = DeviceCodes(repository.table)
        self.settings = settings
        self.authorizations = authorizations

    # 1. the device asks for codes ---------------------------------------------------------------------------

    def request_codes(
        self, params: Mapping[str, str], verification_uri: str
    ) -> DeviceCodeResponse | TokenError:
        client_id = params.get("client_id") or ""
        app = self.repository.get_app(client_id) if 0 < len(client_id) <= 64 else None
        if app is None:
            return INCORRECT_CLIENT_CREDENTIALS
        if not app.device_flow:
            return DEVICE_FLOW_DISABLED
        scope = params.get("scope") or ""
        for _ in range(ATTEMPTS):
            device_code = secrets.token_hex(_DEVICE_CODE_LENGTH // 2)
            user_code = _new_user_code()
            moment = clock.now()
            request = DeviceRequest(
                hashed_device_code=_hash(device_code),
                hashed_user_code=_hash(user_code),
                client_id=app.client_id,
                app_name=app.name,
                app_url=app.url,
                scopes=normalise(scope, self.settings.allowed_scopes),
                offline=app.expiring_tokens or refresh.asks_offline(scope),
                created_at=moment,
                expires_at=moment + CODES_LIFETIME,
                interval=INTERVAL,
            )
            try:
                self.store.create(request)
            except WriteConflict as conflict:
                if USER_CODE in conflict.parts:
                    continue  # that user code is live: draw another
                raise
            return DeviceCodeResponse(
                device_code=device_code,
                user_code=f"{user_code[:4]}-{user_code[4:]}",
                verification_uri=verification_uri,
                expires_in=int(CODES_LIFETIME.total_seconds()),
                interval=INTERVAL,
            )
        raise StoreUnavailable()

    # 2. the user answers (the device page) ---------------------------------------------------------------

    def lookup(self, user_code: str, user_id: int) -> PendingRequest:
        """The pending request a user code belongs to; `UserCodeRefused` otherwise (a wrong code counts
        against the user's `USER_CODE_ATTEMPTS` an hour)."""
        request = self._pending(user_code, user_id)
        code = normalised_user_code(user_code) or ""
        return PendingRequest(
            user_code=f"{code[:4]}-{code[4:]}",
            client_id=request.client_id,
            app_name=request.app_name,
            app_url=request.app_url,
            scopes=list(request.scopes),
        )

    def approve(self, user_code: str, user_id: int, login: str | None = None) -> None:
        request = self._pending(user_code, user_id)
        if login is None:
            login = self.repository.login_of(user_id)
        grant = self.repository.get_grant(user_id, request.client_id)
        if not self.store.decide(request, "approved", user_id, login, grant, int(clock.now().timestamp())):
            raise UserCodeRefused()

    def deny(self, user_code: str, user_id: int, login: str | None = None) -> None:
        request = self._pending(user_code, user_id)
        if not self.store.decide(request, "denied", user_id, login or "", None, int(clock.now().timestamp())):
            raise UserCodeRefused()

    def _pending(self, user_code: str, user_id: int) -> DeviceRequest:
        now = int(clock.now().timestamp())
        reserved = self.store.reserve_attempt(user_id, now, USER_CODE_ATTEMPTS, USER_CODE_WINDOW)
        if reserved is None:
            raise UserCodeRefused(locked=True)
        code = normalised_user_code(user_code)
        request = None if code is None else self.store.by_user_code(_hash(code))
        if request is None or request.status != "pending" or request.is_expired(clock.now()):
            raise UserCodeRefused()
        self.store.release_attempt(user_id, reserved)
        return request

    # 3. the device polls ------------------------------------------------------------------------------------

    def poll(self, params: Mapping[str, str], basic: tuple[str, str] | None) -> TokenResponse | TokenError:
        """`grant_type=urn:ietf:params:oauth:grant-type:device_code` with `client_id` and `device_code`
        (no client secret: a device cannot keep one). A pending poll is one UpdateItem."""
        client_id = params.get("client_id") or (basic[0] if basic is not None else "")
        if not client_id or len(client_id) > 64:
            return INCORRECT_CLIENT_CREDENTIALS
        device_code = params.get("device_code") or ""
        if len(device_code) != _DEVICE_CODE_LENGTH or not all(c in "0123456789abcdef" for c in device_code):
            return self._no_request(client_id)
        hashed = _hash(device_code)
        now = int(clock.now().timestamp())
        request = self.store.poll(hashed, client_id, now, SLACK)
        if request is None:
            found = self.store.get(hashed)
            if found is None or found.client_id != client_id:
                return self._no_request(client_id)
            if found.is_expired(clock.now()):
                return EXPIRED_TOKEN
            slowed = self.store.slow_down(hashed, client_id, now, SLACK, SLOW_DOWN_STEP)
            return slow_down(slowed.interval if slowed is not None else found.interval + SLOW_DOWN_STEP)
        return self._answer(request)

    def _no_request(self, client_id: str) -> TokenError:
        """No request of this app with that device code: whose fault, the app's or the code's (one read)."""
        if self.repository.get_app(client_id) is None:
            return INCORRECT_CLIENT_CREDENTIALS
        return INCORRECT_DEVICE_CODE

    def _answer(self, request: DeviceRequest) -> TokenResponse | TokenError:
        if request.is_expired(clock.now()):
            return EXPIRED_TOKEN
        if request.status == "denied":
            return ACCESS_DENIED
        if request.status != "approved" or request.user_id is None:
            return AUTHORIZATION_PENDING
        if request.issued_auth_id is not None:
            return INCORRECT_DEVICE_CODE  # it gave its token already: a device code is good once
        for round_ in range(ATTEMPTS):
            try:
                return self._issue(request)
            except WriteConflict as conflict:
                if DEVICE in conflict.parts:
                    return INCORRECT_DEVICE_CODE  # another poll got the token
                if "app" in conflict.parts:
                    return INCORRECT_CLIENT_CREDENTIALS  # the app was deleted meanwhile
                # the grant changed since the approval: issue against it as it is now
                request = replace(
                    request, grant=self.repository.get_grant(request.user_id, request.client_id)
                )
                backoff(round_)
        raise StoreUnavailable()

    def _issue(self, request: DeviceRequest) -> TokenResponse:
        assert request.user_id is not None  # noqa: S101 - approved requests name their user
        user = Principal(kind="user", user_id=request.user_id, login=request.login or "")
        app = App(
            client_id=request.client_id,
            id=0,
            name=request.app_name,
            url=request.app_url,
            created_at=request.created_at,
            secrets=(),  # only to issue a token: no secret is checked against it
            expiring_tokens=request.offline,
        )
        grant: Grant | None = request.grant
        if request.offline:
            pair = refresh.new_pair(
                self.authorizations, user, app, grant, list(request.scopes), from_device=True
            )
            revoked = (
                None
                if pair.fresh_grant is not None
                else self.authorizations.oldest_over_cap(grant, request.scopes)
            )
            family = family_of(pair.refresh, pair.authorization)
            self.store.issue(request, pair.authorization, pair.fresh_grant, revoked, family, pair.refresh)
            return pair.answer()
        issued, fresh = self.authorizations.new_app_token(
            user, app, grant, list(request.scopes), web_flow=True
        )
        revoked = None if fresh is not None else self.authorizations.oldest_over_cap(grant, request.scopes)
        self.store.issue(request, issued.authorization, fresh, revoked, None, None)
        auth = issued.authorization
        return TokenResponse(access_token=issued.token, scope=",".join(auth.scopes))


@lru_cache(maxsize=1)
def device_flow() -> DeviceFlow:
    settings = get_settings()
    repository = Repository(settings.table_name)
    return DeviceFlow(repository, settings, AuthorizationService(repository, settings))


# The interface the device page and the device code route call ----------------------------------------------


def request_codes(params: Mapping[str, str], verification_uri: str) -> DeviceCodeResponse | TokenError:
    return device_flow().request_codes(params, verification_uri)


def lookup(user_code: str, user_id: int) -> PendingRequest:
    return device_flow().lookup(user_code, user_id)


def approve(user_code: str, user_id: int, login: str | None = None) -> None:
    device_flow().approve(user_code, user_id, login)


def deny(user_code: str, user_id: int, login: str | None = None) -> None:
    device_flow().deny(user_code, user_id, login)
