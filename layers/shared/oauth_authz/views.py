"""Domain objects -> GitHub's resources. The only place the API's output shapes are filled in."""

from __future__ import annotations

import base64
from datetime import datetime

from oauth_authz.clock import iso
from oauth_authz.models.api import (
    AppOut,
    AuthorizationOut,
    AuthorizationWithUserOut,
    EmailOut,
    GrantOut,
    PrivateUserOut,
    RootOut,
    SimpleUserOut,
)
from oauth_authz.models.domain import Authorization, Grant, User


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


def private_user(user: User, base_url: str) -> PrivateUserOut:
    """GET /user: the user as they see themselves."""
    return PrivateUserOut(
        **simple_user(user.login, user.id, base_url).model_dump(),
        name=user.name,
        email=user.email,
        created_at=iso(user.created_at),
        updated_at=iso(user.updated_at or user.created_at),
        two_factor_authentication=user.has_two_factor,
    )


def emails(user: User) -> list[EmailOut]:
    """GET /user/emails: the one address an administrator gave the user, if any (verified by them)."""
    if user.email is None:
        return []
    return [EmailOut(email=user.email, primary=True, verified=True, visibility="public")]


def root(base_url: str, site_url: str) -> RootOut:
    """GET /: GitHub's index of the API, in the layout the client called (`site_url`: the web pages)."""
    b = base_url
    return RootOut(
        current_user_url=f"{b}/user",
        current_user_authorizations_html_url=f"{site_url}/settings/connections/applications{{/client_id}}",
        authorizations_url=f"{b}/authorizations",
        code_search_url=f"{b}/search/code?q={{query}}{{&page,per_page,sort,order}}",
        commit_search_url=f"{b}/search/commits?q={{query}}{{&page,per_page,sort,order}}",
        emails_url=f"{b}/user/emails",
        emojis_url=f"{b}/emojis",
        events_url=f"{b}/events",
        feeds_url=f"{b}/feeds",
        followers_url=f"{b}/user/followers",
        following_url=f"{b}/user/following{{/target}}",
        gists_url=f"{b}/gists{{/gist_id}}",
        hub_url=f"{b}/hub",
        issue_search_url=f"{b}/search/issues?q={{query}}{{&page,per_page,sort,order}}",
        issues_url=f"{b}/issues",
        keys_url=f"{b}/user/keys",
        label_search_url=f"{b}/search/labels?q={{query}}&repository_id={{repository_id}}{{&page,per_page}}",
        notifications_url=f"{b}/notifications",
        organization_url=f"{b}/orgs/{{org}}",
        organization_repositories_url=f"{b}/orgs/{{org}}/repos{{?type,page,per_page,sort}}",
        organization_teams_url=f"{b}/orgs/{{org}}/teams",
        public_gists_url=f"{b}/gists/public",
        rate_limit_url=f"{b}/rate_limit",
        repository_url=f"{b}/repos/{{owner}}/{{repo}}",
        repository_search_url=f"{b}/search/repositories?q={{query}}{{&page,per_page,sort,order}}",
        current_user_repositories_url=f"{b}/user/repos{{?type,page,per_page,sort}}",
        starred_url=f"{b}/user/starred{{/owner}}{{/repo}}",
        starred_gists_url=f"{b}/gists/starred",
        topic_search_url=f"{b}/search/topics?q={{query}}{{&page,per_page}}",
        user_url=f"{b}/users/{{user}}",
        user_organizations_url=f"{b}/user/orgs",
        user_repositories_url=f"{b}/users/{{user}}/repos{{?type,page,per_page,sort}}",
        user_search_url=f"{b}/search/users?q={{query}}{{&page,per_page,sort,order}}",
    )
