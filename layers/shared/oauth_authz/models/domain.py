"""Domain objects: what the service layer reasons about. No HTTP, no DynamoDB."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

PERSONAL_CLIENT_ID = "00000000000000000000"
PERSONAL_APP_URL = "https://developer.github.com/v3/oauth_authorizations/"
# GitHub's account grammar: 1 to 39 ASCII letters, digits or single hyphens, not first or last. Matched
# whole (`fullmatch`): `$` would also match before a final newline.
LOGIN_PATTERN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")


@dataclass(frozen=True)
class User:
    id: int
    login: str
    created_at: datetime
    password_hash: str = field(repr=False)
    totp_sealed: str | None = field(default=None, repr=False)  # the TOTP seed, encrypted (secretbox)
    totp_last_step: int = 0  # the last TOTP step accepted: a code is good once
    # The profile `GET /user` shows. Optional: users stored by earlier versions have none.
    name: str | None = None
    email: str | None = None
    updated_at: datetime | None = None  # None: never changed since `created_at`

    @property
    def has_two_factor(self) -> bool:
        return self.totp_sealed is not None


@dataclass(frozen=True)
class FailedLogins:
    """Failed attempts for a login (known or not) in the window that began at `window_start`."""

    count: int = 0
    window_start: int = 0  # epoch seconds; 0 when there is no window

    def locked(self, now: float, threshold: int, window: int) -> bool:
        return self.count >= threshold and now < self.window_start + window

    def in_window(self, now: float, window: int) -> bool:
        return self.window_start > 0 and now < self.window_start + window


@dataclass(frozen=True)
class ClientSecret:
    """One of an app's client secrets: its SHA-256 (`app_secrets`), its last eight characters (what the
    developers page shows after `*****`; None for the secret of an app stored before secrets had ids, whose
    characters are unknown) and when it was generated."""

    id: int
    hash: str = field(repr=False)
    last_eight: str | None
    created_at: datetime


MAX_CLIENT_SECRETS = 2  # GitHub keeps at most two client secrets per OAuth app


@dataclass(frozen=True)
class App:
    """An OAuth app. `secrets`: one or two (the oldest first; a client may use either, so that an owner can
    rotate without downtime). `owner_id`: the user who registered it on /settings/developers (None for the
    CLI's apps unless `--owner`). `revision`: moves on with every change to the stored item, the condition of
    the next change (two concurrent secret generations cannot leave three secrets or lose one)."""

    client_id: str
    id: int
    name: str
    url: str
    created_at: datetime
    secrets: tuple[ClientSecret, ...] = field(repr=False)
    callback_url: str | None = None  # the web flow's registered callback; apps made before it have none
    device_flow: bool = False  # SPEC section 10: off unless the app's owner turned it on
    expiring_tokens: bool = False  # tokens of the flows expire after 8 hours and come with a refresh token
    owner_id: int | None = None
    revision: int = 0  # absent on items written before revisions: 0


@dataclass(frozen=True)
class TokenGrant:
    """What a user's token allows: its scopes, and the app it was issued to (None: a personal token)."""

    scopes: tuple[str, ...]
    client_id: str | None = None


@dataclass(frozen=True)
class Principal:
    """Who the authorizer let in: a user (login, id) or an app (client_id). A user who came with a token
    (not a password) has `token`: what that token may do."""

    kind: str  # "user" | "app"
    user_id: int = 0
    login: str = ""
    client_id: str = ""
    token: TokenGrant | None = None


@dataclass(frozen=True)
class Authorization:
    id: int
    user_id: int
    login: str
    client_id: str | None  # None for a personal access token
    app_name: str
    app_url: str
    scopes: list[str]
    hashed_token: str
    token_last_eight: str
    note: str | None
    note_url: str | None
    fingerprint: str | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None = None
    version: int = 1
    web_flow: bool = False  # issued by POST /login/oauth/access_token (SPEC section 9)
    family: str | None = None  # an expiring token's refresh family (SPEC section 10)
    last_used_at: datetime | None = None  # kept on the token's item only (see Repository.record_token_use)

    @property
    def is_personal(self) -> bool:
        return self.client_id is None

    @property
    def app_client_id(self) -> str:
        return PERSONAL_CLIENT_ID if self.client_id is None else self.client_id

    def is_expired(self, moment: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= moment


@dataclass(frozen=True)
class IssuedToken:
    """An authorization with the plaintext token it was just issued: lives only for one response."""

    authorization: Authorization
    token: str = field(repr=False)


@dataclass(frozen=True)
class GrantEntry:
    scopes: list[str]
    expires_at: datetime | None = None


@dataclass(frozen=True)
class RefreshFamily:
    """The live end of a chain of refresh tokens: its access token and its refresh token (by hash).

    Kept in the grant: revoking the grant ends every family in it, and a refresh must find its family
    there, at the refresh token presented, or it is refused."""

    auth_id: int
    refresh_hash: str
    scopes: list[str]
    expires_at: datetime  # the refresh token's expiry

    def is_live(self, moment: datetime) -> bool:
        return self.expires_at > moment


@dataclass(frozen=True)
class Grant:
    id: int
    user_id: int
    client_id: str
    app_name: str
    app_url: str
    created_at: datetime
    updated_at: datetime
    entries: dict[int, GrantEntry]  # authorization id -> its scopes
    version: int = 1  # bumped by every write, so a multi-step revocation can tell it raced a create
    families: dict[str, RefreshFamily] = field(default_factory=dict)  # family id -> its live end

    def live_entries(self, moment: datetime) -> dict[int, GrantEntry]:
        return {
            auth_id: entry
            for auth_id, entry in self.entries.items()
            if entry.expires_at is None or entry.expires_at > moment
        }

    def live_families(self, moment: datetime) -> dict[str, RefreshFamily]:
        return {name: family for name, family in self.families.items() if family.is_live(moment)}

    def is_held(self, moment: datetime) -> bool:
        """The app still holds access: a live token, or a refresh token that can get one."""
        return bool(self.live_entries(moment) or self.live_families(moment))

    def scopes(self, moment: datetime) -> list[str]:
        held = [entry.scopes for entry in self.live_entries(moment).values()]
        held += [family.scopes for family in self.live_families(moment).values()]
        return sorted({scope for scopes in held for scope in scopes})


@dataclass(frozen=True)
class WebSession:
    """A browser's session: signed in, or between the password and the two-factor code (`pending`)."""

    user_id: int
    login: str
    expires_at: datetime
    pending_two_factor: bool = False


@dataclass(frozen=True)
class AuthorizationCode:
    """A web flow code (SPEC section 9), bound to what the user approved; once exchanged it remembers the
    authorization it gave, so that a replay can revoke it."""

    hashed_code: str
    client_id: str
    user_id: int
    login: str
    redirect_uri: str | None  # the one given at authorize; None when the callback was used
    scopes: list[str]
    code_challenge: str | None
    created_at: datetime
    expires_at: datetime
    issued_auth_id: int | None = None  # set when the code was exchanged
    offline: bool = False  # `offline_access` was asked for: the token expires and comes with a refresh token

    def is_expired(self, moment: datetime) -> bool:
        return self.expires_at <= moment


@dataclass(frozen=True)
class RefreshToken:
    """A refresh token, by its SHA-256: what a refresh needs without reading anything else but the app."""

    hashed_token: str
    family: str
    user_id: int
    login: str
    client_id: str
    scopes: list[str]
    auth_id: int  # the access token issued with it
    auth_hashed_token: str  # that token's hash, so a refresh can delete its items without reading them
    from_device: bool  # issued by the device flow: a refresh needs no client secret
    created_at: datetime
    expires_at: datetime
    spent_at: datetime | None = None  # when it was exchanged for a new pair

    def is_expired(self, moment: datetime) -> bool:
        return self.expires_at <= moment


@dataclass(frozen=True)
class DeviceRequest:
    """A device flow request (SPEC section 10), by the SHA-256 of its device code."""

    hashed_device_code: str
    hashed_user_code: str
    client_id: str
    app_name: str
    app_url: str
    scopes: list[str]
    offline: bool
    created_at: datetime
    expires_at: datetime
    interval: int
    status: str = "pending"  # pending | approved | denied
    user_id: int | None = None
    login: str | None = None
    grant: Grant | None = None  # the user's grant as it was at approval (the poll writes against it)
    issued_auth_id: int | None = None
    last_poll: float | None = None  # epoch seconds, with milliseconds

    def is_expired(self, moment: datetime) -> bool:
        return self.expires_at <= moment
