"""The developer settings pages' scenarios (SPEC 11, /settings/developers) for `routes._page_scenarios()`:
each page's DynamoDB round trips for an owner with three apps (the shown one with one secret)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from bench import world as w
from bench.pages import SESSION_COOKIE, _session, page_event

EventMaker = Callable[[], dict[str, Any]]
FORM = {"name": "Bench Owned App", "url": "https://bench.example.com", "callback_url": "http://127.0.0.1/cb"}


def _owner(login: str) -> tuple[str, str]:
    """A user owning three apps, and a session of theirs: (the first app's client id, the session id)."""
    from oauth_authz.service.accounts import Accounts
    from oauth_authz.settings import get_settings
    from oauth_authz.store.repository import Repository

    accounts = Accounts(Repository(get_settings().table_name))
    user = accounts.repository.get_user(login) or accounts.create_user(login, w.PASSWORD)
    url, callback = FORM["url"], FORM["callback_url"]
    made = [accounts.create_app(f"Bench Owned App {n}", url, callback, owner=login) for n in range(3)]
    return made[0].app.client_id, _session(user.id, user.login)


def _on_app(function: str, login: str, suffix: str = "", form: dict[str, str] | None = None) -> EventMaker:
    """`function`'s event on the owner's first app (`/settings/developers/{client_id}` + suffix)."""
    from oauth_authz.service.sessions import csrf_token

    client_id, session_id = _owner(login)
    fields = None if form is None else {"authenticity_token": csrf_token(session_id), **form}
    event = page_event(function, cookie=f"{SESSION_COOKIE}={session_id}", form=fields)
    event["path"] = f"/settings/developers/{client_id}{suffix}"
    event["pathParameters"] = {**(event["pathParameters"] or {}), "client_id": client_id}
    return lambda: copy.deepcopy(event)


def listing(world: w.World) -> EventMaker:
    """Three apps: the session (GetItem), the owner's references (Query), the apps (one BatchGetItem)."""
    _, session_id = _owner("bench-dev-list")
    return lambda: page_event("settings_developers_page", cookie=f"{SESSION_COOKIE}={session_id}")


def new_app_form(world: w.World) -> EventMaker:
    """The registration form: the session (one GetItem)."""
    _, session_id = _owner("bench-dev-new")
    return lambda: page_event("new_developer_app_page", cookie=f"{SESSION_COOKIE}={session_id}")


def register(world: w.World) -> EventMaker:
    """The session (GetItem), the app and its owner's reference (one transaction)."""
    from oauth_authz.service.sessions import csrf_token

    _, session_id = _owner("bench-dev-register")
    form = {"authenticity_token": csrf_token(session_id), **FORM}
    return lambda: page_event("register_developer_app", cookie=f"{SESSION_COOKIE}={session_id}", form=form)


def app_page(world: w.World) -> EventMaker:
    """The session and the app (a GetItem each)."""
    return _on_app("developer_app_page", "bench-dev-page")


def update(world: w.World) -> EventMaker:
    """The session, the app, the conditional write (one transaction)."""
    return _on_app("update_developer_app", "bench-dev-update", form=FORM)


def generate_secret(world: w.World) -> EventMaker:
    """The session, the app, the conditional write of the app with its second secret."""
    return _on_app("generate_client_secret", "bench-dev-secret", "/secrets", form={})


def _on_secret_one(login: str, form: dict[str, str]) -> EventMaker:
    """`delete_client_secret`'s event for the first secret of the owner's app, which is given a second one
    (the only secret is never deleted)."""
    from oauth_authz import clock
    from oauth_authz.service.app_registry import with_new_secret
    from oauth_authz.settings import get_settings
    from oauth_authz.store.repository import Repository

    event = _on_app("delete_client_secret", login, "/secrets/1/delete", form=form)()
    repository = Repository(get_settings().table_name)
    app = repository.get_app(event["pathParameters"]["client_id"])
    assert app is not None  # noqa: S101 - the bench's own set-up
    repository.change_app(app, with_new_secret(app, clock.now())[0])
    event["pathParameters"]["secret_id"] = "1"
    return lambda: copy.deepcopy(event)


def delete_secret(world: w.World) -> EventMaker:
    """The first of two secrets deleted: the session, the app, the conditional write."""
    return _on_secret_one("bench-dev-secret-delete", {"confirm": "1"})


def delete_secret_confirmation(world: w.World) -> EventMaker:
    """A secret's deletion, its confirmation step (changes nothing): the session and the app."""
    return _on_secret_one("bench-dev-secret-confirm", {})


def delete_confirmation(world: w.World) -> EventMaker:
    """Delete's confirmation step (changes nothing): the session and the app."""
    return _on_app("delete_developer_app", "bench-dev-confirm", "/delete", form={})


def delete_unused_app(world: w.World) -> EventMaker:
    """An app nobody authorized: the session, the app, the index read twice (before and after the
    grants), the app and its reference (one transaction)."""
    return _on_app("delete_developer_app", "bench-dev-delete", "/delete", form={"confirm": "1"})
