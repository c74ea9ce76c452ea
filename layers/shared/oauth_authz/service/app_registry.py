"""Registering an OAuth app and rotating its client secrets: the rules the admin CLI and the owner's
/settings/developers pages share.

A client secret is 40 hex characters (`secrets.token_hex(20)`, as GitHub's), shown once and stored as its
SHA-256 with its last eight characters (the page shows `*****` + those). An app holds one or two secrets, as
GitHub allows two: a new one can be rolled out to the clients before the old one is deleted.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime

from oauth_authz import clock, ids
from oauth_authz.app_secrets import hash_secret, new_secret
from oauth_authz.models.domain import MAX_CLIENT_SECRETS, PERSONAL_CLIENT_ID, App, ClientSecret
from oauth_authz.store.repository import Repository

LAST_CHARACTERS = 8


@dataclass(frozen=True)
class AppFields:
    """What the owner (or the admin) says about an app."""

    name: str
    url: str
    callback_url: str | None = None
    device_flow: bool = False
    expiring_tokens: bool = False


@dataclass(frozen=True)
class NewApp:
    app: App
    client_secret: str = field(repr=False)


class TooManySecrets(Exception):
    """The app has two client secrets already: one must be deleted before another is generated."""


class LastSecret(Exception):
    """The app's only client secret cannot be deleted (the web flow needs one)."""


def client_secret(secret_id: int, moment: datetime) -> tuple[ClientSecret, str]:
    """A new secret (id given) and its text, which is never stored."""
    text = new_secret()
    return ClientSecret(secret_id, hash_secret(text), text[-LAST_CHARACTERS:], moment), text


def register_app(repository: Repository, fields: AppFields, owner_id: int | None) -> NewApp:
    """Register an app with one client secret (owned by `owner_id` when given); fields already checked."""
    while True:
        client_id = secrets.token_hex(10)
        if client_id != PERSONAL_CLIENT_ID:
            break
    moment = clock.now()
    secret, text = client_secret(1, moment)
    app = App(
        client_id=client_id,
        id=ids.new_id(),
        name=fields.name,
        url=fields.url,
        created_at=moment,
        secrets=(secret,),
        callback_url=fields.callback_url,
        device_flow=fields.device_flow,
        expiring_tokens=fields.expiring_tokens,
        owner_id=owner_id,
    )
    repository.create_app(app)
    return NewApp(app, text)


def with_new_secret(app: App, moment: datetime) -> tuple[App, str]:
    """The app with one more secret (its id one more than any held), and the secret's text."""
    if len(app.secrets) >= MAX_CLIENT_SECRETS:
        raise TooManySecrets()
    secret, text = client_secret(max((s.id for s in app.secrets), default=0) + 1, moment)
    return replace(app, secrets=(*app.secrets, secret)), text


def without_secret(app: App, secret_id: int) -> App | None:
    """The app without the secret `secret_id` (None: it holds no such secret); `LastSecret` when it is
    the only one: an app without a secret could not finish the web flow, so the owner generates a new one
    first, then deletes the old."""
    kept = tuple(s for s in app.secrets if s.id != secret_id)
    if len(kept) == len(app.secrets):
        return None
    if not kept:
        raise LastSecret()
    return replace(app, secrets=kept)
