"""The security settings page (SPEC 11): the signed-in user turns two-factor authentication on (a new seed,
confirmed with a first code) and off (confirmed with a code and the password), without an administrator.

Between showing a new seed and its confirmation nothing is stored: the form carries the seed sealed for that
login (`secretbox.seal`, as the stored seed is), which only this service can open. Turning it on stores the
seed sealed, as `Accounts.enable_two_factor` does, with the confirming code's step spent; turning it off
checks the password and the code as a sign-in does (lockout and one-use codes included).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

from oauth_authz import totp
from oauth_authz.models.domain import User, WebSession
from oauth_authz.secretbox import SecretBoxError, open_sealed, seal
from oauth_authz.service.authentication import Authenticator, authenticator
from oauth_authz.service.sessions import MAX_FIELD, Sessions, SignInRequired, sessions

MAX_SEALED = 2048


@dataclass(frozen=True)
class Setup:
    """A seed offered to the user: shown as text and as the QR code of `uri`; `sealed` goes in the form."""

    seed: str
    uri: str
    sealed: str


class TwoFactorSettings:
    def __init__(self, sessions: Sessions, auth: Authenticator) -> None:
        self.sessions = sessions
        self.auth = auth
        self.repository = auth.repository

    def status(self, session_id: str | None) -> tuple[WebSession, User]:
        session = self.sessions.signed_in(session_id)
        user = self.repository.get_user(session.login)
        if user is None or user.id != session.user_id:  # deleted (or replaced) since signing in
            raise SignInRequired()
        return session, user

    def setup(self, login: str) -> Setup:
        seed = totp.new_secret()
        return Setup(seed, totp.provisioning_uri(seed, login), seal(seed, login))

    def offered(self, login: str, sealed: str) -> Setup | None:
        """The seed a setup form carries, or None (not one this service sealed for this login)."""
        if not sealed or len(sealed) > MAX_SEALED:
            return None
        try:
            seed = open_sealed(sealed, login)
        except (SecretBoxError, ValueError):
            return None
        return Setup(seed, totp.provisioning_uri(seed, login), sealed)

    def enable(self, user: User, setup: Setup, code: str) -> bool:
        """Two-factor on with the offered seed, if `code` is its current code; False otherwise."""
        if len(code) > MAX_FIELD:
            return False
        steps = totp.matching_steps(setup.seed, code, time.time())
        if not steps:
            return False
        self.repository.set_totp(user, seal(setup.seed, user.login), last_step=max(steps))
        return True

    def disable(self, user: User, code: str, password: str) -> bool:
        """Two-factor off, if the password and the code are right (as a sign-in checks them)."""
        if len(code) > MAX_FIELD or len(password) > MAX_FIELD:
            return False
        outcome = self.auth.sign_in(user.login, password, code)
        if outcome.principal is None:
            return False
        self.repository.set_totp(user, None)
        return True


@lru_cache(maxsize=1)
def two_factor_settings() -> TwoFactorSettings:
    return TwoFactorSettings(sessions(), authenticator())
