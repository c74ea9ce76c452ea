"""Integration fixtures: authorizations written through the repository, for the events that need one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from oauth_authz import clock, tokens
from oauth_authz.models.domain import Authorization, Grant, GrantEntry, IssuedToken, User
from oauth_authz.store.repository import Repository
from tests.support.api import Api, AppApi, Invoke
from tests.support.data import EVENT_APP_NAME, EVENT_APP_URL, EVENT_CLIENT_ID, EVENT_GRANT_ID, EVENT_TOKEN


@pytest.fixture
def authorization_one(octocat: User, write_personal_authorization: Callable[..., IssuedToken]) -> IssuedToken:
    """octocat's personal authorization 1, the one `events/{get,update,delete}_authorization.json` name."""
    return write_personal_authorization(octocat, 1)


@pytest.fixture
def api(invoke: Invoke) -> Api:
    """The routes, signed in as octocat (the user must exist for what needs it: use the `octocat` fixture)."""
    return Api(invoke)


@pytest.fixture
def app_api(invoke: Invoke) -> AppApi:
    """The application endpoints, signed in as the events' app (`abcde12345fghij67890`)."""
    return AppApi(invoke)


@pytest.fixture
def event_app_authorization(repository: Repository, octocat: User, oauth_app: object) -> IssuedToken:
    """octocat's authorization for the events' app holding the events' token, in grant 1 (what the
    application endpoints' and the grant routes' events name)."""
    moment = clock.now()
    auth = Authorization(
        id=2,
        user_id=octocat.id,
        login=octocat.login,
        client_id=EVENT_CLIENT_ID,
        app_name=EVENT_APP_NAME,
        app_url=EVENT_APP_URL,
        scopes=["public_repo"],
        hashed_token=tokens.hash_token(EVENT_TOKEN),
        token_last_eight=tokens.last_eight(EVENT_TOKEN),
        note=None,
        note_url=None,
        fingerprint=None,
        created_at=moment,
        updated_at=moment,
    )
    grant = Grant(
        id=EVENT_GRANT_ID,
        user_id=octocat.id,
        client_id=EVENT_CLIENT_ID,
        app_name=EVENT_APP_NAME,
        app_url=EVENT_APP_URL,
        created_at=moment,
        updated_at=moment,
        entries={auth.id: GrantEntry(scopes=auth.scopes)},
    )
    repository.create_authorization(auth, new_grant=grant)
    return IssuedToken(auth, EVENT_TOKEN)


@pytest.fixture
def exchanged() -> Callable[..., str]:
    """`exchanged(app, user, **authorize_params)`: a token got through approve and the code exchange."""
    from oauth_authz.service import oauth_web_flow
    from oauth_authz.token_answers import TokenResponse
    from tests.support.web_flow import code_for

    def run(app: Any, user: User, **params: Any) -> str:
        code = code_for(app.client_id, user, **params)
        answer = oauth_web_flow.exchange(
            {"client_id": app.client_id, "client_secret": app.client_secret, "code": code}, None
        )
        assert isinstance(answer, TokenResponse), answer
        return answer.access_token

    return run
