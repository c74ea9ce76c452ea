"""Domain objects -> GitHub's resources. The only place the API's output shapes are filled in."""

from __future__ import annotations

import base64
from datetime import datetime

from oauth_authz.clock import iso
from oauth_authz.models.api import AppOut, AuthorizationOut, AuthorizationWithUserOut, GrantOut, SimpleUserOut
from oauth_authz.models.domain import Authorization, Grant


def authorization(auth: Authorization, base_url: str, token: str = "") -> AuthorizationOut:
    return AuthorizationOut(
        id=auth.id,
        url=f"{base_url}/authorizations/{auth.id}",
        scopes=list(auth.scopes),
        token=token,
        token_last_eight=auth.token_last_eight,
        hashed_token=auth.hashed_token,
        app=AppOut(client_id=auth.app_client_id, name=auth.app_name, url=auth.app_url),
        note=auth.note,
        note_url=auth.note_url,
        updated_at=iso(auth.updated_at),
        created_at=iso(auth.created_at),
        fingerprint=auth.fingerprint,
        expires_at=None if auth.expires_at is None else iso(auth.expires_at),
    )


def simple_user(login: str, user_id: int, base_url: str) -> SimpleUserOut:
    user_url = f"{base_url}/users/{login}"
    return SimpleUserOut(
        login=login,
        id=user_id,
        node_id=base64.b64encode(f"04:User{user_id}".encode()).decode(),
        avatar_url=f"{base_url}/avatars/{login}",
        gravatar_id="",
        url=user_url,
        html_url=f"{base_url}/{login}",
        followers_url=f"{user_url}/followers",
        following_url=f"{user_url}/following{{/other_user}}",
        gists_url=f"{user_url}/gists{{/gist_id}}",
        starred_url=f"{user_url}/starred{{/owner}}{{/repo}}",
        subscriptions_url=f"{user_url}/subscriptions",
        organizations_url=f"{user_url}/orgs",
        repos_url=f"{user_url}/repos",
        events_url=f"{user_url}/events{{/privacy}}",
        received_events_url=f"{user_url}/received_events",
    )


def authorization_with_user(auth: Authorization, base_url: str, token: str = "") -> AuthorizationWithUserOut:
    return AuthorizationWithUserOut(
        **authorization(auth, base_url, token).model_dump(),
        user=simple_user(auth.login, auth.user_id, base_url),
    )


def grant(item: Grant, base_url: str, moment: datetime) -> GrantOut:
    return GrantOut(
        id=item.id,
        url=f"{base_url}/applications/grants/{item.id}",
        app=AppOut(client_id=item.client_id, name=item.app_name, url=item.app_url),
        created_at=iso(item.created_at),
        updated_at=iso(item.updated_at),
        scopes=item.scopes(moment),
    )
