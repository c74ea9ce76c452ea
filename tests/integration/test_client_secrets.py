"""An app's two client secrets at every place that checks one (`app_secrets.app_secret_matches`): app Basic
auth (the authorizer), the Authorizations API's app routes, the web flow's code exchange (both of its
checks) and the refresh token's. At each: the second secret works, and a deleted secret does not.

Each test was seen red with the call site put back to checking `secret_hash` alone (the oldest secret):
the second secret was refused; and with `app_secret_matches` accepting any secret the app ever had (a
deleted one kept in `secrets`), the deleted secret was accepted."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from oauth_authz import clock
from oauth_authz.errors import ValidationFailed
from oauth_authz.models.api import GetOrCreateBody
from oauth_authz.models.domain import App, Principal, User
from oauth_authz.service import oauth_web_flow
from oauth_authz.service.accounts import Accounts
from oauth_authz.service.app_registry import with_new_secret, without_secret
from oauth_authz.service.authentication import Authenticator
from oauth_authz.service.authorizations import authorization_service
from oauth_authz.settings import get_settings
from oauth_authz.store.repository import Repository
from oauth_authz.token_answers import BAD_VERIFICATION_CODE, INCORRECT_CLIENT_CREDENTIALS, TokenResponse
from tests.support.events import basic
from tests.support.web_flow import CALLBACK, code_for


@dataclass
class Rotated:
    """An app after a rotation: `old` (its first secret, deleted by `drop_old`) and `new`."""

    repository: Repository
    app: App
    old: str
    new: str

    @property
    def client_id(self) -> str:
        return self.app.client_id

    def drop_old(self) -> None:
        changed = without_secret(self.app, 1)
        assert changed is not None
        self.app = self.repository.change_app(self.app, changed)


@pytest.fixture
def rotated(accounts: Accounts, repository: Repository) -> Rotated:
    created = accounts.create_app("Rotating", "https://rotate.example.com", CALLBACK, expiring_tokens=True)
    two, new = with_new_secret(created.app, clock.now())
    return Rotated(repository, repository.change_app(created.app, two), created.client_secret, new)


def exchange(rotated: Rotated, user: User, secret: str, code: str | None = None) -> object:
    code = code or code_for(rotated.client_id, user)
    params = {"client_id": rotated.client_id, "client_secret": secret, "code": code}
    return oauth_web_flow.exchange(params, None)


def test_app_basic_auth(rotated: Rotated, repository: Repository) -> None:
    def authenticated(secret: str) -> bool:
        header = basic(rotated.client_id, secret)
        outcome = Authenticator(repository, get_settings()).authenticate(header, True)
        return outcome.principal is not None

    assert authenticated(rotated.old) and authenticated(rotated.new)
    rotated.drop_old()
    assert authenticated(rotated.new) and not authenticated(rotated.old)


def test_the_authorizations_api(rotated: Rotated, octocat: User) -> None:
    user = Principal(kind="user", user_id=octocat.id, login=octocat.login)

    def issued(secret: str, fingerprint: str) -> bool:
        try:
            authorization_service().get_or_create(
                user, rotated.client_id, fingerprint, GetOrCreateBody(client_secret=secret, scopes=["repo"])
            )
        except ValidationFailed:
            return False
        return True

    assert issued(rotated.new, "second")
    rotated.drop_old()
    assert issued(rotated.new, "third") and not issued(rotated.old, "fourth")


def test_the_web_flow_exchange(rotated: Rotated, octocat: User) -> None:
    assert isinstance(exchange(rotated, octocat, rotated.new), TokenResponse)
    rotated.drop_old()
    assert exchange(rotated, octocat, rotated.old) == INCORRECT_CLIENT_CREDENTIALS
    assert isinstance(exchange(rotated, octocat, rotated.new), TokenResponse)


def test_the_web_flow_exchange_of_a_malformed_code(rotated: Rotated, octocat: User) -> None:
    """The check made before the code is read (a wrong secret must not learn whether a code is good)."""
    assert exchange(rotated, octocat, rotated.new, code="not-a-code") == BAD_VERIFICATION_CODE
    rotated.drop_old()
    assert exchange(rotated, octocat, rotated.old, code="not-a-code") == INCORRECT_CLIENT_CREDENTIALS


def test_the_refresh_token_exchange(rotated: Rotated, octocat: User) -> None:
    first = exchange(rotated, octocat, rotated.old)
    assert isinstance(first, TokenResponse) and first.refresh_token

    def refreshed(secret: str, token: str) -> object:
        params = {"grant_type": "refresh_token", "client_id": rotated.client_id, "client_secret": secret}
        return oauth_web_flow.exchange({**params, "refresh_token": token}, None)

    second = refreshed(rotated.new, first.refresh_token)
    assert isinstance(second, TokenResponse) and second.refresh_token
    rotated.drop_old()
    assert refreshed(rotated.old, second.refresh_token) == INCORRECT_CLIENT_CREDENTIALS
    assert refreshed(rotated.old, "ghr_" + "a" * 76) == INCORRECT_CLIENT_CREDENTIALS  # malformed token path
    assert isinstance(refreshed(rotated.new, second.refresh_token), TokenResponse)
