"""The data the benchmarks run on, made through the service (as the admin CLI and the API make it), and
the API Gateway events that reach each function (from the checked-in `events/<function>.json`)."""

from __future__ import annotations

import base64
import copy
import json
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from bench.env import REPO

PASSWORD = "bench-password-correct-horse"
PAGE = 30  # GitHub's default per_page: the list benchmarks read a full page


@dataclass(frozen=True)
class AppToken:
    token: str
    auth_id: int


@dataclass
class BenchApp:
    client_id: str
    secret: str
    grant_id: int = 0
    tokens: list[AppToken] = field(default_factory=list)


@dataclass
class World:
    user_id: int
    login: str
    twofa_login: str
    twofa_seed: str
    personal_ids: list[int]
    app: BenchApp  # a grant with a few tokens (one without a fingerprint)
    other_app: BenchApp  # no token yet

    def user_context(self) -> dict[str, str]:
        return {
            "principalId": f"user:{self.user_id}",
            "principal_type": "user",
            "user_id": str(self.user_id),
            "login": self.login,
        }


def _principal(world_user_id: int, login: str) -> Any:
    from oauth_authz.models.domain import Principal

    return Principal(kind="user", user_id=world_user_id, login=login)


def app_tokens(user_id: int, login: str, app: BenchApp, fingerprints: list[str | None]) -> None:
    """Tokens of `app` for the user (POST /authorizations with the app's credentials), into `app.tokens`."""
    from oauth_authz.models.api import CreateAuthorizationBody
    from oauth_authz.service.authorizations import authorization_service
    from oauth_authz.service.grants import grant_service

    principal = _principal(user_id, login)
    for fingerprint in fingerprints:
        body = CreateAuthorizationBody.model_validate(
            {
                "client_id": app.client_id,
                "client_secret": app.secret,
                "scopes": ["repo", "gist"],
                "fingerprint": fingerprint,
                "note": "bench",
            }
        )
        issued = authorization_service().create(principal, body)
        app.tokens.append(AppToken(issued.token, issued.authorization.id))
    (grant,) = grant_service().list_grants(principal, app.client_id)
    app.grant_id = grant.id


def new_app(name: str) -> BenchApp:
    from oauth_authz.service.accounts import Accounts
    from oauth_authz.settings import get_settings
    from oauth_authz.store.repository import Repository

    created = Accounts(Repository(get_settings().table_name)).create_app(name, "https://bench.example.com")
    return BenchApp(created.app.client_id, created.client_secret)


def build_world() -> World:
    from oauth_authz.models.api import CreateAuthorizationBody
    from oauth_authz.service.accounts import Accounts
    from oauth_authz.service.authorizations import authorization_service
    from oauth_authz.settings import get_settings
    from oauth_authz.store.repository import Repository

    accounts = Accounts(Repository(get_settings().table_name))
    user = accounts.create_user("bench-user", PASSWORD)
    accounts.create_user("bench-2fa", PASSWORD)
    seed = accounts.enable_two_factor("bench-2fa").secret
    principal = _principal(user.id, user.login)
    personal = []
    for i in range(PAGE):
        body = CreateAuthorizationBody.model_validate({"scopes": ["repo"], "note": f"personal token {i}"})
        personal.append(authorization_service().create(principal, body).authorization.id)
    app = new_app("Bench App")
    app_tokens(user.id, user.login, app, [None, "fp-0", "fp-1"])
    return World(user.id, user.login, "bench-2fa", seed, personal, app, new_app("Other Bench App"))


def otp(world: World) -> str:
    from oauth_authz import totp

    return totp.code_at(world.twofa_seed, totp.step_at(time.time()))


# ------------------------------------------------------------------------------------------------- events
@cache
def _event_file(name: str) -> dict[str, Any]:
    with (REPO / "events" / f"{name}.json").open(encoding="utf-8") as stream:
        loaded: dict[str, Any] = json.load(stream)
    return loaded


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def _header(event: dict[str, Any], name: str, value: str) -> None:
    for part in ("headers", "multiValueHeaders"):
        found = {k: v for k, v in (event.get(part) or {}).items() if k.lower() != name.lower()}
        found[name] = value if part == "headers" else [value]
        event[part] = found


def event(
    function: str,
    authorizer: dict[str, str],
    path_params: dict[str, str] | None = None,
    body: Any = None,
) -> dict[str, Any]:
    """`events/<function>.json` with these path parameters (the path follows), body and authorizer context."""
    built = copy.deepcopy(_event_file(function))
    params = {**(built.get("pathParameters") or {}), **(path_params or {})}
    built["pathParameters"] = params or None
    path = built["resource"]
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    built["path"] = path
    context = built["requestContext"]
    context["path"] = f"/{context['stage']}{path}"
    context["authorizer"] = dict(authorizer)
    built["body"] = None if body is None else json.dumps(body)
    built["isBase64Encoded"] = False
    return built


def app_context(client_id: str) -> dict[str, str]:
    return {"principalId": f"app:{client_id}", "principal_type": "app", "client_id": client_id}


def authorizer_event(
    authorization: str, resource: str = "/authorizations", otp_code: str | None = None
) -> dict[str, Any]:
    built = copy.deepcopy(_event_file("authorizer"))
    built["resource"] = resource
    built["path"] = resource
    _header(built, "Authorization", authorization)
    if otp_code is not None:
        _header(built, "X-GitHub-OTP", otp_code)
    return built
