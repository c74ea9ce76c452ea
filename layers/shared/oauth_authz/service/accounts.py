"""Administration of users and OAuth apps (the admin CLI's use cases; no HTTP route reaches these)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from oauth_authz import clock, ids, totp
from oauth_authz.models.api import http_url
from oauth_authz.models.domain import LOGIN_PATTERN, App, User
from oauth_authz.passwords import hash_password
from oauth_authz.redirect_rule import checked_callback_url
from oauth_authz.secretbox import seal
from oauth_authz.service.app_registry import AppFields, NewApp, register_app
from oauth_authz.service.app_removal import remove_app
from oauth_authz.store import keys
from oauth_authz.store.admin import Admin
from oauth_authz.store.repository import AlreadyExists, Repository
from oauth_authz.store.table import WriteConflict

# GitHub's rule: alphanumerics and single hyphens, no hyphen at either end, at most 39 characters.
# An address as the admin gives it: one @, something on each side, no space or control character.
EMAIL_PATTERN = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]{1,255}$")
MAX_NAME = 255
MIN_PASSWORD = 8
MAX_PASSWORD = 1024


class AccountError(Exception):
    """A refused administration request; the message is safe to show (it never holds a secret)."""


@dataclass(frozen=True)
class TwoFactorSetup:
    user: User
    secret: str = field(repr=False)
    uri: str = field(repr=False)


class Accounts:
    def __init__(self, repository: Repository) -> None:
        self.repository = repository
        self.admin = Admin(repository.table)  # the scans and bulk deletes, on the same table

    def create_user(
        self, login: str, password: str, name: str | None = None, email: str | None = None
    ) -> User:
        name, email = _profile(name, email)
        if not LOGIN_PATTERN.fullmatch(login):
            raise AccountError(
                "A login is 1 to 39 letters, digits or single hyphens, not starting or ending with a hyphen."
            )
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise AccountError(f"A password has {MIN_PASSWORD} to {MAX_PASSWORD} characters.")
        if "\x00" in password:
            raise AccountError("A password cannot contain a NUL character.")
        user = User(
            id=ids.new_id(),
            login=login,
            created_at=clock.now(),
            password_hash=hash_password(password),
            name=name,
            email=email,
        )
        try:
            self.repository.create_user(user)
        except AlreadyExists:
            raise AccountError(f"The login {login!r} is taken.") from None
        return user

    def update_user(self, login: str, name: str | None, email: str | None) -> User:
        """Set a user's name and email; None leaves one as it is, "" removes it."""
        user = self._user(login)
        name, email = _profile(name, email)
        new_name = user.name if name is None else (name or None)
        new_email = user.email if email is None else (email or None)
        moment = clock.now()
        self.repository.set_profile(user, new_name, new_email, moment)
        return replace(user, name=new_name, email=new_email, updated_at=moment)

    def list_users(self) -> list[User]:
        return self.admin.list_users()

    def delete_user(self, login: str) -> User:
        """The user, every token of theirs, and the OAuth apps they own (as GitHub deletes an account's apps:
        an app whose owner is gone could never be changed or deleted from a page), with the apps' tokens."""
        user = self._user(login)
        for app in self.repository.owned_apps(user.id):
            remove_app(self.repository, app, user.id)
        self.admin.delete_user(user)
        return user

    def enable_two_factor(self, login: str) -> TwoFactorSetup:
        """A new TOTP seed for the user, sealed at rest; any earlier seed stops working."""
        user = self._user(login)
        seed = totp.new_secret()
        self.repository.set_totp(user, seal(seed, user.login))
        return TwoFactorSetup(user, seed, totp.provisioning_uri(seed, user.login))

    def disable_two_factor(self, login: str) -> User:
        user = self._user(login)
        self.repository.set_totp(user, None)
        return user

    def _user(self, login: str) -> User:
        user = self.repository.get_user(login)
        if user is None:
            raise AccountError(f"No user {login!r}.")
        return user

    def create_app(
        self,
        name: str,
        url: str,
        callback_url: str | None = None,
        device_flow: bool = False,
        expiring_tokens: bool = False,
        owner: str | None = None,
    ) -> NewApp:
        """Register an app (owned by the user `owner` when given: it then shows on their
        /settings/developers)."""
        _check_app_fields(name, url, callback_url)
        owner_id = None if owner is None else self._user(owner).id
        return register_app(
            self.repository,
            AppFields(name.strip(), url, callback_url, device_flow, expiring_tokens),
            owner_id,
        )

    def update_app(
        self,
        client_id: str,
        name: str | None = None,
        url: str | None = None,
        callback_url: str | None = None,
        device_flow: bool | None = None,
        expiring_tokens: bool | None = None,
    ) -> App:
        """Change an app's name, URL, callback URL, device flow or expiring tokens (what is not given stays);
        its secret stays. Tokens issued before keep the expiry they were issued with."""
        app = self.repository.get_app(client_id)
        if app is None:
            raise AccountError(f"No app with client_id {client_id!r}.")
        changed = replace(
            app,
            name=app.name if name is None else name.strip(),
            url=app.url if url is None else url,
            callback_url=app.callback_url if callback_url is None else callback_url,
            device_flow=app.device_flow if device_flow is None else device_flow,
            expiring_tokens=app.expiring_tokens if expiring_tokens is None else expiring_tokens,
        )
        _check_app_fields(changed.name, changed.url, callback_url)
        try:
            return self.repository.change_app(app, changed)
        except WriteConflict:
            raise AccountError(f"The app {client_id!r} changed or went meanwhile; try again.") from None

    def list_apps(self) -> list[App]:
        return self.admin.list_apps()

    def owner_logins(self, apps: list[App]) -> dict[int, str]:
        """The login of each owner of these apps (by user id)."""
        owners = {app.owner_id for app in apps if app.owner_id is not None}
        found = {user_id: self.repository.table.get(keys.user_id_key(user_id)) for user_id in owners}
        return {user_id: item["login"]["S"] for user_id, item in found.items() if item is not None}

    def delete_app(self, client_id: str) -> tuple[App, int]:
        app = self.repository.get_app(client_id)
        if app is None:
            raise AccountError(f"No app with client_id {client_id!r}.")
        try:
            return app, remove_app(self.repository, app, None)
        except WriteConflict:
            raise AccountError(f"The app {client_id!r} changed or went meanwhile; try again.") from None


def _check_app_fields(name: str, url: str, callback_url: str | None) -> None:
    if not name.strip() or len(name) > 255:
        raise AccountError("An app's name has 1 to 255 characters.")
    try:
        http_url(url)
    except ValueError:
        raise AccountError("An app's URL is an absolute http(s) URL.") from None
    if callback_url is not None:
        try:
            checked_callback_url(callback_url)
        except ValueError:
            raise AccountError(
                "An app's callback URL is an absolute http(s) URL without a user name, fragment, "
                "dot segments or encoded separators."
            ) from None


def _profile(name: str | None, email: str | None) -> tuple[str | None, str | None]:
    """A name and an email as given ("" stays "": it clears one), or AccountError."""
    if name is not None:
        name = name.strip()
        if len(name) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise AccountError(f"A name has at most {MAX_NAME} characters, none of them control characters.")
    if email is not None:
        email = email.strip()
        if email and not EMAIL_PATTERN.match(email):
            raise AccountError("An email is an address like mona@example.com.")
    return name, email
