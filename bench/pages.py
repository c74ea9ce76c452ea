"""The web pages in the benchmark: their DynamoDB budgets (scenarios of part 1-2, `bench.routes`), and
part 7, what rendering a page costs: a page function's handler against the same resolver and headers
answering a fixed string.

The pages answer at the root without the Basic authorizer (their session cookie is checked by the function),
so their scenarios carry no authorizer context and their cost rows no authorizer.
"""

from __future__ import annotations

import copy
import statistics
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from bench import world as w
from bench.handlers import Context, handler

SESSION_COOKIE = "oauth_authz_session"
CALLBACK = "https://bench-web.example.com/callback"


def page_event(
    function: str,
    *,
    cookie: str | None = None,
    query: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`events/<function>.json` with this session cookie, query and form."""
    built = copy.deepcopy(w._event_file(function))
    headers = {k: v for k, v in built["headers"].items() if k.lower() != "cookie"}
    if cookie is not None:
        headers["Cookie"] = cookie
    built["headers"] = headers
    built["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    if query is not None:
        built["queryStringParameters"] = dict(query)
        built["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    if form is not None:
        built["body"] = urlencode(form)
    return built


def _session(user_id: int, login: str) -> str:
    from datetime import timedelta

    from oauth_authz import clock
    from oauth_authz.models.domain import WebSession
    from oauth_authz.service.sessions import hashed, new_secret
    from oauth_authz.settings import get_settings
    from oauth_authz.store.session_store import SessionStore

    session_id = new_secret()
    session = WebSession(user_id, login, clock.now() + timedelta(hours=1))
    SessionStore(get_settings().table_name).start(hashed(session_id), session)
    return session_id


def _web_app(name: str) -> tuple[str, str]:
    from oauth_authz.service.accounts import Accounts
    from oauth_authz.settings import get_settings
    from oauth_authz.store.repository import Repository

    created = Accounts(Repository(get_settings().table_name)).create_app(
        name, "https://bench-web.example.com", CALLBACK
    )
    return created.app.client_id, created.client_secret


def authorize_consented(world: w.World) -> Callable[[], dict[str, Any]]:
    """A signed-in user whose grant covers the scopes: the session and the app (one BatchGetItem), the
    grant (one GetItem), then the code (one PutItem) and the redirect to the app."""
    from oauth_authz.service import oauth_web_flow

    client_id, secret = _web_app("Bench Consented App")
    params = {"client_id": client_id, "scope": "repo", "state": "bench"}
    redirect = oauth_web_flow.approve(
        oauth_web_flow.parse_authorize_request(params), world.user_id, world.login
    )
    code = redirect.split("code=", 1)[1].split("&", 1)[0]
    answer = oauth_web_flow.exchange({"client_id": client_id, "client_secret": secret, "code": code}, None)
    assert getattr(answer, "access_token", None), answer
    cookie = f"{SESSION_COOKIE}={_session(world.user_id, world.login)}"
    return lambda: page_event("authorize_page", cookie=cookie, query=params)


def consent_post(world: w.World) -> Callable[[], dict[str, Any]]:
    """Authorize clicked: the session and the app (one BatchGetItem), the code (one PutItem)."""
    from oauth_authz.service.sessions import csrf_token

    client_id, _ = _web_app("Bench Consent App")
    session_id = _session(world.user_id, world.login)
    form = {
        "authenticity_token": csrf_token(session_id),
        "client_id": client_id,
        "scope": "repo",
        "state": "bench",
        "authorize": "1",
    }
    return lambda: page_event("authorize_decision", cookie=f"{SESSION_COOKIE}={session_id}", form=form)


def sign_in_post(world: w.World) -> Callable[[], dict[str, Any]]:
    """The sign-in form with the right password, counted cold (a user this instance never verified): the
    login's state (one BatchGetItem), the attempt reserved and given back (two UpdateItems), the session
    (one transaction). A warm instance that verified the password lately: a ConditionCheck instead of the
    reservation and its release."""
    from oauth_authz.service.accounts import Accounts
    from oauth_authz.service.sessions import csrf_token
    from oauth_authz.settings import get_settings
    from oauth_authz.store.repository import Repository

    login = "bench-web-user"
    if Repository(get_settings().table_name).get_user(login) is None:
        Accounts(Repository(get_settings().table_name)).create_user(login, w.PASSWORD)
    presession = "bench-presession-0123456789abcdefghijklmnopqrstuvw"
    form = {
        "authenticity_token": csrf_token(presession),
        "return_to": "/v1/login",
        "login": login,
        "password": w.PASSWORD,
    }
    return lambda: page_event("create_session", cookie=f"oauth_authz_presession={presession}", form=form)


def sign_in_page(world: w.World) -> Callable[[], dict[str, Any]]:
    """The sign-in page, no session yet: no read."""
    return lambda: page_event("login_page", query={"return_to": "/v1/login"})


def _token_owner(login: str, tokens: int) -> tuple[int, str]:
    """A user with `tokens` personal access tokens and a session of theirs: (first token id, session)."""
    from oauth_authz.models.domain import Principal
    from oauth_authz.service.accounts import Accounts
    from oauth_authz.service.authorizations import authorization_service
    from oauth_authz.settings import get_settings
    from oauth_authz.store.repository import Repository

    repository = Repository(get_settings().table_name)
    user = repository.get_user(login) or Accounts(repository).create_user(login, w.PASSWORD)
    owner = Principal(kind="user", user_id=user.id, login=user.login)
    made = [
        authorization_service().create_personal(owner, f"bench token {n}", ["repo"], None).authorization.id
        for n in range(tokens)
    ]
    return made[0] if made else 0, _session(user.id, user.login)


def settings_tokens(world: w.World) -> Callable[[], dict[str, Any]]:
    """A user with five tokens: the session (one GetItem), the tokens (one Query), their last uses (one
    BatchGetItem)."""
    _, session_id = _token_owner("bench-tokens-list", 5)
    return lambda: page_event("settings_tokens_page", cookie=f"{SESSION_COOKIE}={session_id}")


def generate_token(world: w.World) -> Callable[[], dict[str, Any]]:
    """Generate, a new note each time: the session (one GetItem), the token (one transaction), then the list
    that now holds it (one Query, one BatchGetItem)."""
    from itertools import count

    from oauth_authz.service.sessions import csrf_token

    _, session_id = _token_owner("bench-tokens-generate", 0)
    numbers = count()

    def make() -> dict[str, Any]:
        form = {
            "authenticity_token": csrf_token(session_id),
            "note": f"generated {next(numbers)} {time.monotonic_ns()}",
            "expiration": "30",
            "scopes[]": "repo",
        }
        return page_event("generate_token", cookie=f"{SESSION_COOKIE}={session_id}", form=form)

    return make


def delete_token_confirmation(world: w.World) -> Callable[[], dict[str, Any]]:
    """Delete's confirmation step (changes nothing): the session and the token, one GetItem each."""
    from oauth_authz.service.sessions import csrf_token

    token_id, session_id = _token_owner("bench-tokens-delete", 1)
    event = page_event(
        "delete_personal_token",
        cookie=f"{SESSION_COOKIE}={session_id}",
        form={"authenticity_token": csrf_token(session_id)},
    )
    event["path"] = f"/settings/tokens/{token_id}/delete"
    event["pathParameters"] = {"token_id": str(token_id)}
    return lambda: copy.deepcopy(event)


def _apps_owner() -> tuple[int, str]:
    """A user who authorized three apps through the web flow, and their session: (a grant id, session)."""
    from oauth_authz.service import oauth_web_flow
    from oauth_authz.service.accounts import Accounts
    from oauth_authz.service.grants import grant_service
    from oauth_authz.service.sessions import principal, sessions
    from oauth_authz.settings import get_settings
    from oauth_authz.store.repository import Repository

    repository = Repository(get_settings().table_name)
    login = "bench-apps"
    user = repository.get_user(login) or Accounts(repository).create_user(login, w.PASSWORD)
    session_id = _session(user.id, user.login)
    for n in range(3):
        client_id, secret = _web_app(f"Bench Listed App {n}")
        params = {"client_id": client_id, "scope": "repo", "state": "bench"}
        redirect = oauth_web_flow.approve(oauth_web_flow.parse_authorize_request(params), user.id, user.login)
        code = redirect.split("code=", 1)[1].split("&", 1)[0]
        oauth_web_flow.exchange({"client_id": client_id, "client_secret": secret, "code": code}, None)
    grants = grant_service().list_grants(principal(sessions().signed_in(session_id)))
    return grants[0].id, session_id


def settings_applications(world: w.World) -> Callable[[], dict[str, Any]]:
    """Three authorized apps: the session (one GetItem), the grants and tokens (one Query of the user's
    partition), the tokens' last uses (one BatchGetItem)."""
    _, session_id = _apps_owner()
    return lambda: page_event("settings_applications_page", cookie=f"{SESSION_COOKIE}={session_id}")


def revoke_confirmation(world: w.World) -> Callable[[], dict[str, Any]]:
    """Revoke's confirmation step (changes nothing): the session (one GetItem), the grants (one Query)."""
    from oauth_authz.service.sessions import csrf_token

    grant_id, session_id = _apps_owner()
    event = page_event(
        "revoke_application",
        cookie=f"{SESSION_COOKIE}={session_id}",
        form={"authenticity_token": csrf_token(session_id)},
    )
    event["path"] = f"/settings/applications/{grant_id}/revoke"
    event["pathParameters"] = {"grant_id": str(grant_id)}
    return lambda: copy.deepcopy(event)


def _security_user_record() -> Any:
    """A user without two-factor."""
    from oauth_authz.service.accounts import Accounts
    from oauth_authz.settings import get_settings
    from oauth_authz.store.repository import Repository

    repository = Repository(get_settings().table_name)
    login = "bench-security"
    return repository.get_user(login) or Accounts(repository).create_user(login, w.PASSWORD)


def _security_user() -> str:
    """A user without two-factor, and a session of theirs."""
    user = _security_user_record()
    return _session(user.id, user.login)


def settings_security(world: w.World) -> Callable[[], dict[str, Any]]:
    """The security page: the session and the user (one GetItem each)."""
    cookie = f"{SESSION_COOKIE}={_security_user()}"
    return lambda: page_event("settings_security_page", cookie=cookie)


def two_factor_setup(world: w.World) -> Callable[[], dict[str, Any]]:
    """The setup step (a new seed, nothing stored): the session and the user (one GetItem each)."""
    from oauth_authz.service.sessions import csrf_token

    session_id = _security_user()
    form = {"authenticity_token": csrf_token(session_id)}
    return lambda: page_event("enable_two_factor", cookie=f"{SESSION_COOKIE}={session_id}", form=form)


def sign_out_everywhere(world: w.World) -> Callable[[], dict[str, Any]]:
    """Sign out every session, of a user signed in three times: the session (one GetItem), its references
    (one Query), the three sessions and their references (one transaction)."""
    from oauth_authz.service.sessions import csrf_token

    session_id = _security_user()
    user = _security_user_record()
    _session(user.id, user.login)
    _session(user.id, user.login)
    form = {"authenticity_token": csrf_token(session_id)}
    return lambda: page_event("sign_out_everywhere", cookie=f"{SESSION_COOKIE}={session_id}", form=form)


# ------------------------------------------------------------------------------------- part 7: rendering
def _fixed_twin(path: str) -> Any:
    """A page resolver with one route at `path` answering a fixed string with the pages' headers."""
    from aws_lambda_powertools.event_handler import Response

    from oauth_authz import web
    from oauth_authz.web.rendering import HTML, security_headers

    twin = web.resolver()

    @twin.get(path)
    def fixed() -> Response[str]:
        return Response(status_code=200, content_type=HTML, body="<p>fixed</p>", headers=security_headers())

    return twin


def render_cost(iterations: int, say: Callable[[str], None]) -> dict[str, Any]:
    """The sign-in page (Jinja2, its CSRF token and pre-session cookie; no store call) against a twin
    resolver answering a fixed string, both through `web.handle`: the ratio of the medians."""
    from oauth_authz import web

    handler("login_page")  # loaded as Lambda loads it
    from bench.handlers import _loaded

    module = _loaded["login_page"]
    twin = _fixed_twin("/login")
    event = page_event("login_page", query={"return_to": "/v1/login"})
    rendered, fixed = [], []
    for i in range(10 + iterations * 8):
        start = time.perf_counter_ns()
        page = web.handle(module.app, copy.deepcopy(event), Context(function_name="login_page"))
        middle = time.perf_counter_ns()
        plain = web.handle(twin, copy.deepcopy(event), Context(function_name="login_page"))
        end = time.perf_counter_ns()
        assert page["statusCode"] == plain["statusCode"] == 200, (page, plain)
        if i >= 10:
            rendered.append((middle - start) / 1e6)
            fixed.append((end - middle) / 1e6)
    result = {
        "page": "GET /login (sign-in page)",
        "rendered_median_ms": round(statistics.median(rendered), 3),
        "fixed_median_ms": round(statistics.median(fixed), 3),
        "ratio_median": round(statistics.median(rendered) / statistics.median(fixed), 3),
        "samples": len(rendered),
    }
    say(
        f"  {result['page']}: {result['rendered_median_ms']} ms rendered,"
        f" {result['fixed_median_ms']} ms fixed string: x{result['ratio_median']}"
    )
    return result
