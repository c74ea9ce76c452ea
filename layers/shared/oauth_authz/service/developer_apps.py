"""The developer settings pages (SPEC 11, /settings/developers): the OAuth apps the signed-in user owns,
registering one, editing it, its client secrets (generate, delete) and deleting it.

Only the owner sees or changes an app: another user's app, an app without an owner (the admin CLI's) and an
unknown client id are all `NotFound` (the 404 page), and every change is conditional on the owner and on the
app's revision as read (`AppRecords.change_app`): of two concurrent changes one gets `AppChanged` (a page that
says so, nothing changed) instead of leaving three secrets or losing one. The new secret is in the answer
only (`NewApp.client_secret`, `NewSecret.text`): it is stored as its SHA-256 and last eight characters.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

from oauth_authz import clock
from oauth_authz.errors import ErrorCode, FieldError, NotFound, ValidationFailed
from oauth_authz.models.api import http_url
from oauth_authz.models.domain import App, WebSession
from oauth_authz.redirect_rule import checked_callback_url
from oauth_authz.service.app_registry import AppFields, NewApp, register_app, with_new_secret, without_secret
from oauth_authz.service.app_removal import remove_app
from oauth_authz.service.sessions import Sessions, sessions
from oauth_authz.settings import get_settings
from oauth_authz.store.repository import Repository
from oauth_authz.store.table import WriteConflict

PER_PAGE = 30
MAX_NAME = 255
MAX_URL = 2048
RESOURCE = "OauthApplication"
MAX_CLIENT_ID = 40  # ours are 20 hex characters; a longer path segment is no app (and no oversized key)

# GitHub's words for the registration form's refusals (as its "Register a new OAuth app" page says them).
BLANK = {"name": "Application name", "url": "Homepage URL", "callback_url": "Authorization callback URL"}


class AppChanged(Exception):
    """The app changed (or went) between the read and the write: nothing was changed."""


@dataclass(frozen=True)
class AppList:
    session: WebSession
    apps: list[App]
    page: int
    has_next: bool


@dataclass(frozen=True)
class NewSecret:
    app: App
    text: str = field(repr=False)


def _refusal(name: str, message: str) -> FieldError:
    return FieldError(name, ErrorCode.INVALID, message, RESOURCE)


def checked_fields(form: dict[str, str], device_flow: bool, expiring_tokens: bool) -> AppFields:
    """The form's fields as an app's, or `ValidationFailed` with one refusal per wrong field."""
    name = form.get("name", "").strip()
    url = form.get("url", "").strip()
    callback_url = form.get("callback_url", "").strip()
    refusals: list[FieldError] = []
    for key, value in (("name", name), ("url", url), ("callback_url", callback_url)):
        if not value:
            refusals.append(_refusal(key, f"{BLANK[key]} can't be blank"))
    if len(name) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in name):
        refusals.append(_refusal("name", f"Application name is too long (maximum is {MAX_NAME} characters)"
                                 if len(name) > MAX_NAME else "Application name is invalid"))  # fmt: skip
    if url and not _valid(url, http_url):
        refusals.append(_refusal("url", "Homepage URL must be a valid URL"))
    if callback_url and not _valid(callback_url, checked_callback_url):
        refusals.append(_refusal("callback_url", "Authorization callback URL must be a valid URL"))
    if refusals:
        raise ValidationFailed(*refusals)
    return AppFields(name, url, callback_url, device_flow, expiring_tokens)


def _valid(value: str, check: object) -> bool:
    if len(value) > MAX_URL:
        return False
    try:
        check(value)  # type: ignore[operator]
    except ValueError:
        return False
    return True


class DeveloperApps:
    def __init__(self, sessions: Sessions, repository: Repository) -> None:
        self.sessions = sessions
        self.repository = repository

    def listing(self, session_id: str | None, page: int = 1) -> AppList:
        """A page of the user's apps, newest first: one Query of their references, one BatchGetItem."""
        session = self.sessions.signed_in(session_id)
        apps = sorted(self.repository.owned_apps(session.user_id), key=lambda a: a.created_at, reverse=True)
        start = (page - 1) * PER_PAGE
        return AppList(session, apps[start : start + PER_PAGE], page, len(apps) > start + PER_PAGE)

    def session(self, session_id: str | None) -> WebSession:
        return self.sessions.signed_in(session_id)

    def register(self, session_id: str | None, fields: AppFields) -> tuple[WebSession, NewApp]:
        session = self.sessions.signed_in(session_id)
        return session, register_app(self.repository, fields, session.user_id)

    def get(self, session_id: str | None, client_id: str) -> tuple[WebSession, App]:
        """One of the user's apps; anyone else's (or nobody's, or none) is not found."""
        session = self.sessions.signed_in(session_id)
        return session, self._owned(session, client_id)

    def _owned(self, session: WebSession, client_id: str) -> App:
        readable = client_id.isascii() and client_id.isalnum() and len(client_id) <= MAX_CLIENT_ID
        app = self.repository.get_app(client_id) if readable else None
        if app is None or app.owner_id is None or app.owner_id != session.user_id:
            raise NotFound()
        return app

    def _change(self, session: WebSession, read: App, changed: App) -> App:
        try:
            return self.repository.change_app(read, changed, session.user_id)
        except WriteConflict:
            raise AppChanged() from None

    def update(self, session_id: str | None, client_id: str, fields: AppFields) -> tuple[WebSession, App]:
        """The app's name, URLs and flows as given; its secrets and tokens stay."""
        session, app = self.get(session_id, client_id)
        changed = replace(
            app,
            name=fields.name,
            url=fields.url,
            callback_url=fields.callback_url,
            device_flow=fields.device_flow,
            expiring_tokens=fields.expiring_tokens,
        )
        return session, self._change(session, app, changed)

    def generate_secret(self, session_id: str | None, client_id: str) -> tuple[WebSession, NewSecret]:
        """A new client secret (`TooManySecrets` when the app has two)."""
        session, app = self.get(session_id, client_id)
        changed, text = with_new_secret(app, clock.now())
        return session, NewSecret(self._change(session, app, changed), text)

    def delete_secret(self, session_id: str | None, client_id: str, secret_id: int) -> App:
        """The app without that secret (`LastSecret` when it is the only one; an unknown id: NotFound)."""
        session, app = self.get(session_id, client_id)
        changed = without_secret(app, secret_id)
        if changed is None:
            raise NotFound()
        return self._change(session, app, changed)

    def delete(self, session_id: str | None, client_id: str) -> App:
        """The app and everything that hangs on it (`app_removal`: grants and tokens first, the app last)."""
        session, app = self.get(session_id, client_id)
        try:
            remove_app(self.repository, app, session.user_id)
        except WriteConflict:
            raise AppChanged() from None
        return app


@lru_cache(maxsize=1)
def developer_apps() -> DeveloperApps:
    return DeveloperApps(sessions(), Repository(get_settings().table_name))
