"""`service/connected_apps.py`: the authorized OAuth apps page's list (live grants, newest first, a page at
a time, each with its tokens' latest use), one grant, and Revoke; for the signed-in user only (on the moto
table)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from oauth_authz import clock
from oauth_authz.errors import NotFound
from oauth_authz.models.api import GetOrCreateBody
from oauth_authz.models.domain import Authorization, Principal, User, WebSession
from oauth_authz.service import connected_apps as module
from oauth_authz.service.authentication import authenticator
from oauth_authz.service.authorizations import authorization_service
from oauth_authz.service.connected_apps import ConnectedApps
from oauth_authz.service.grants import grant_service
from oauth_authz.service.sessions import Sessions, SignInRequired, hashed
from oauth_authz.store.repository import Repository
from oauth_authz.store.session_store import SessionStore
from tests.conftest import SINGLETONS, FrozenClock, RegisteredApp
from tests.support.invariants import assert_table_invariants
from tests.support.tables import TableView

MakeApp = Callable[..., RegisteredApp]


@pytest.fixture
def service(table: TableView) -> ConnectedApps:
    return ConnectedApps(Sessions(SessionStore(table.name), authenticator()), grant_service())


def signed_in(table: TableView, user: User, session_id: str) -> str:
    session = WebSession(user.id, user.login, clock.now() + timedelta(hours=1))
    SessionStore(table.name).start(hashed(session_id), session)
    return session_id


def authorize(
    user: User, app: RegisteredApp, scopes: list[str], fingerprint: str | None = None
) -> Authorization:
    """The user's token for the app (the grant made or widened with it), as the API makes one."""
    principal = Principal(kind="user", user_id=user.id, login=user.login)
    body = GetOrCreateBody(client_secret=app.client_secret, scopes=scopes)
    auth, _ = authorization_service().get_or_create(principal, app.client_id, fingerprint, body)
    return auth


@pytest.fixture
def octocat_in(table: TableView, octocat: User) -> str:
    return signed_in(table, octocat, "octocat-browser")


def test_signed_out_is_sign_in_required_everywhere(service: ConnectedApps, octocat: User) -> None:
    for session_id in (None, "", "unknown", "x" * 65):
        with pytest.raises(SignInRequired):
            service.listing(session_id)
        with pytest.raises(SignInRequired):
            service.get(session_id, 1)
        with pytest.raises(SignInRequired):
            service.revoke(session_id, 1)


def test_no_grants_is_an_empty_page(service: ConnectedApps, octocat_in: str) -> None:
    listed = service.listing(octocat_in)
    assert listed.rows == [] and listed.page == 1 and not listed.has_next
    assert listed.session.login == "octocat"


def test_a_row_per_live_grant_newest_first_with_scopes_and_latest_use(
    service: ConnectedApps,
    octocat_in: str,
    octocat: User,
    hubot: User,
    make_app: MakeApp,
    repository: Repository,
) -> None:
    first, second = make_app("First"), make_app("Second")
    a = authorize(octocat, first, ["repo"], "laptop")
    b = authorize(octocat, first, ["gist"], "phone")
    authorize(octocat, second, ["user"])
    other = authorize(hubot, first, ["repo"])  # hubot's own grant: never on octocat's page
    day = clock.now().replace(microsecond=0) - timedelta(days=3)
    repository.record_token_use(a.hashed_token, day, day)
    repository.record_token_use(b.hashed_token, day + timedelta(days=1), day + timedelta(days=1))
    repository.record_token_use(other.hashed_token, day + timedelta(days=2), day + timedelta(days=2))

    rows = service.listing(octocat_in).rows

    assert [row.grant.app_name for row in rows] == ["Second", "First"]
    assert rows[1].scopes == ["gist", "repo"] and rows[0].scopes == ["user"]
    assert rows[1].last_used_at == day + timedelta(days=1)  # the app's tokens' latest, not hubot's
    assert rows[0].last_used_at is None


def test_an_expired_token_neither_keeps_its_grant_listed_nor_counts_as_a_use(
    service: ConnectedApps,
    octocat_in: str,
    octocat: User,
    make_app: MakeApp,
    repository: Repository,
    frozen_clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAX_TOKEN_LIFETIME_SECONDS", "3600")
    for cached in SINGLETONS:  # the services read the settings once
        cached.cache_clear()  # type: ignore[attr-defined]
    short, mixed = make_app("Short"), make_app("Mixed")
    authorize(octocat, short, ["repo"])
    old = authorize(octocat, mixed, ["repo"], "old")
    frozen_clock.advance(1800)
    repository.record_token_use(old.hashed_token, clock.now(), clock.now())
    authorize(octocat, mixed, ["gist"], "new")  # live an hour from here, never used
    assert [row.last_used_at is not None for row in service.listing(octocat_in).rows] == [True, False]

    frozen_clock.advance(1801)  # the first two tokens expired

    rows = service.listing(signed_in_again(service, octocat)).rows
    assert [(row.grant.app_name, row.scopes, row.last_used_at) for row in rows] == [("Mixed", ["gist"], None)]


def signed_in_again(service: ConnectedApps, user: User) -> str:
    """A fresh session after the clock moved (the first one may have expired with it)."""
    session = WebSession(user.id, user.login, clock.now() + timedelta(hours=1))
    service.sessions.store.start(hashed("later-browser"), session)
    return "later-browser"


@pytest.mark.parametrize(
    ("grants", "page", "shown", "has_next"),
    [
        (2, 1, 2, False),  # exactly a page: no next page
        (3, 1, 2, True),
        (3, 2, 1, False),  # the last page, part full
        (3, 3, 0, False),  # past the end: empty, no next
        (4, 2, 2, False),
    ],
)
def test_pages(
    service: ConnectedApps,
    octocat_in: str,
    octocat: User,
    make_app: MakeApp,
    monkeypatch: pytest.MonkeyPatch,
    grants: int,
    page: int,
    shown: int,
    has_next: bool,
) -> None:
    monkeypatch.setattr(module, "PER_PAGE", 2)
    for n in range(grants):
        authorize(octocat, make_app(f"App {n}"), ["repo"])

    listed = service.listing(octocat_in, page)

    newest_first = [f"App {n}" for n in reversed(range(grants))]
    assert [row.grant.app_name for row in listed.rows] == newest_first[(page - 1) * 2 : (page - 1) * 2 + 2]
    assert len(listed.rows) == shown and listed.has_next is has_next and listed.page == page


def test_get_is_the_users_own_grant_only(
    service: ConnectedApps,
    octocat_in: str,
    octocat: User,
    hubot: User,
    make_app: MakeApp,
    table: TableView,
) -> None:
    """Seen red with `GrantService.get_grant` taking any grant of the list (octocat's for hubot's id)."""
    app = make_app("Mine")
    authorize(octocat, app, ["repo"])
    authorize(hubot, app, ["gist"])
    (mine,) = grant_service().repository.list_grants(octocat.id)
    (hubots,) = grant_service().repository.list_grants(hubot.id)

    session, grant = service.get(octocat_in, mine.id)

    assert session.user_id == octocat.id and grant.id == mine.id and grant.client_id == app.client_id
    with pytest.raises(NotFound):
        service.get(octocat_in, hubots.id)  # another user's id: not found, not forbidden
    with pytest.raises(NotFound):
        service.get(octocat_in, 999_999)


def test_revoke_deletes_the_grant_and_its_tokens_and_only_the_users_own(
    service: ConnectedApps,
    octocat_in: str,
    octocat: User,
    hubot: User,
    make_app: MakeApp,
    table: TableView,
) -> None:
    app, kept_app = make_app("Revoked"), make_app("Kept")
    authorize(octocat, app, ["repo"], "one")
    authorize(octocat, app, ["gist"], "two")
    kept = authorize(octocat, kept_app, ["repo"])
    hubots = authorize(hubot, app, ["repo"])
    repository = grant_service().repository
    (grant,) = [g for g in repository.list_grants(octocat.id) if g.client_id == app.client_id]
    (hubot_grant,) = repository.list_grants(hubot.id)

    with pytest.raises(NotFound):
        service.revoke(octocat_in, hubot_grant.id)
    assert repository.list_grants(hubot.id) == [hubot_grant]

    service.revoke(octocat_in, grant.id)

    assert [g.client_id for g in repository.list_grants(octocat.id)] == [kept_app.client_id]
    left = [a.id for a in repository.list_authorizations(octocat.id)]
    assert left == [kept.id]
    assert [a.id for a in repository.list_authorizations(hubot.id)] == [hubots.id]
    assert_table_invariants(table)
    with pytest.raises(NotFound):
        service.revoke(octocat_in, grant.id)  # gone
