"""Parts 1 and 2: DynamoDB round trips and capacity per route, and the handler's overhead over its own calls.

Each scenario puts the table in a known state (snapshotted), then:
- a counting pass: the handler runs once while botocore's events record its DynamoDB calls (with
  ReturnConsumedCapacity=TOTAL), and the capacity units are also worked out by DynamoDB's sizing rules;
- timed passes: the handler (event in, response out), then the table put back, then the very calls it made
  replayed directly with a plain boto3 client on the same store, then the table put back again; the ratio of
  the medians is the handler's overhead.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench import device_routes
from bench import world as w
from bench.calls import Capacity, Recorder, estimate, replay, written_keys
from bench.env import Snapshot, Table
from bench.handlers import Context, handler

EventMaker = Callable[[], dict[str, Any]]
GRANT_SIZES = (1, 30, 31, 60)


@dataclass
class Scenario:
    key: str
    label: str  # the budget line it answers to
    function: str  # functions/<folder>
    budget: int
    prepare: Callable[[w.World], EventMaker]
    expect: str  # the status code, or for the authorizer: "user" | "app" | an auth_error code
    timed: bool = True
    authorizer: bool = False
    behind_authorizer: bool = (
        True  # a route request also runs the authorizer (not the OAuth endpoints, pages)
    )


@dataclass
class Result:
    key: str
    label: str
    function: str
    budget: int
    calls: int
    operations: list[str]
    reported_capacity: float
    read_units: float
    write_units: float
    authorizer: bool
    behind_authorizer: bool = True
    handler_ms: list[float] = field(default_factory=list)
    direct_ms: list[float] = field(default_factory=list)

    @property
    def within_budget(self) -> bool:
        return self.calls <= self.budget

    def summary(self) -> dict[str, Any]:
        timing: dict[str, Any] = {}
        if self.handler_ms:
            h_median = statistics.median(self.handler_ms)
            d_median = statistics.median(self.direct_ms)
            h_p95 = percentile(self.handler_ms, 95)
            timing = {
                "handler_median_ms": round(h_median, 3),
                "handler_p95_ms": round(h_p95, 3),
                "direct_median_ms": round(d_median, 3),
                "ratio_median": round(h_median / d_median, 3),
                "ratio_p95": round(h_p95 / d_median, 3),
                "samples": len(self.handler_ms),
            }
        return {
            "key": self.key,
            "label": self.label,
            "function": self.function,
            "authorizer": self.authorizer,
            "behind_authorizer": self.behind_authorizer,
            "budget": self.budget,
            "calls": self.calls,
            "within_budget": self.within_budget,
            "operations": self.operations,
            "reported_capacity_units": self.reported_capacity,
            "read_request_units": self.read_units,
            "write_request_units": self.write_units,
            **timing,
        }


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(0, math.ceil(pct / 100 * len(ordered)) - 1)
    return ordered[rank]


# ---------------------------------------------------------------------------------------------- scenarios
def _user(world: w.World, function: str, **kwargs: Any) -> EventMaker:
    return lambda: w.event(function, world.user_context(), **kwargs)


def _app(
    world: w.World, function: str, token_index: int = 1, body: bool = False, **kwargs: Any
) -> EventMaker:
    app = world.app
    token = app.tokens[token_index].token
    params = {"client_id": app.client_id, **({} if body else {"access_token": token})}
    payload = {"access_token": token} if body else None
    return lambda: w.event(function, w.app_context(app.client_id), params, payload, **kwargs)


def _code_exchange(world: w.World) -> EventMaker:
    """A code for the bench user, exchanged: one BatchGetItem (code, app, grant), one transaction."""
    from oauth_authz.service import oauth_web_flow
    from oauth_authz.service.accounts import Accounts
    from oauth_authz.settings import get_settings
    from oauth_authz.store.repository import Repository

    created = Accounts(Repository(get_settings().table_name)).create_app(
        "Bench Web App", "https://bench.example.com", "https://bench.example.com/cb"
    )
    client_id = created.app.client_id
    request = oauth_web_flow.parse_authorize_request({"client_id": client_id, "scope": "repo"})
    redirect = oauth_web_flow.approve(request, world.user_id, world.login)
    code = redirect.split("code=", 1)[1].split("&", 1)[0]
    body = {"client_id": client_id, "client_secret": created.client_secret, "code": code}
    return lambda: w.event("access_token", {}, None, body)


def _grant_of(n: int, by_app: bool, function: str) -> Callable[[w.World], EventMaker]:
    """A fresh app with n tokens of the user; revoked by the user (grant id) or by the app (a token)."""

    def prepare(world: w.World) -> EventMaker:
        app = w.new_app(f"Bench App {n}")
        w.app_tokens(world.user_id, world.login, app, [f"fp-{i}" for i in range(n)])
        if not by_app:
            return lambda: w.event(function, world.user_context(), {"grant_id": str(app.grant_id)})
        token = app.tokens[0].token
        if function == "revoke_grant":
            params = {"client_id": app.client_id, "access_token": token}
            return lambda: w.event(function, w.app_context(app.client_id), params)
        return lambda: w.event(
            function, w.app_context(app.client_id), {"client_id": app.client_id}, {"access_token": token}
        )

    return prepare


def _create_for_app(world: w.World) -> EventMaker:
    body = {
        "client_id": world.app.client_id,
        "client_secret": world.app.secret,
        "scopes": ["repo"],
        "fingerprint": "fp-new",
    }
    return _user(world, "create_authorization", body=body)


def _get_or_create(world: w.World, app: w.BenchApp, fingerprint: str | None) -> EventMaker:
    function = "get_or_create_for_app" if fingerprint is None else "get_or_create_for_fingerprint"
    params = {"client_id": app.client_id, **({"fingerprint": fingerprint} if fingerprint else {})}
    body = {"client_secret": app.secret, "scopes": ["repo", "gist"]}
    return lambda: w.event(function, world.user_context(), params, body)


def _authorizer(username: Callable[[w.World], str], password: str, app: bool = False, otp: bool = False):  # type: ignore[no-untyped-def]
    resource = "/applications/{client_id}/token" if app else "/authorizations"

    def prepare(world: w.World) -> EventMaker:
        name = username(world)
        secret = world.app.secret if app else password
        return lambda: w.authorizer_event(w.basic(name, secret), resource, w.otp(world) if otp else None)

    return prepare


def _token_authorizer(used_lately: bool, resource: str = "/user"):  # type: ignore[no-untyped-def]
    """The authorizer on `token T` (an app token of the world's user); `used_lately`: its last use is already
    stamped this hour (the steady state: one GetItem), else the first use of the hour (and its stamp)."""

    def prepare(world: w.World) -> EventMaker:
        token = world.app.tokens[1].token
        if used_lately:
            from oauth_authz import clock, tokens
            from oauth_authz.settings import get_settings
            from oauth_authz.store.repository import Repository

            moment = clock.now()
            Repository(get_settings().table_name).record_token_use(tokens.hash_token(token), moment, moment)
        return lambda: w.authorizer_event(f"token {token}", resource)

    return prepare


def _token_user(world: w.World, function: str) -> EventMaker:
    """A route of the user API, called with a token (the authorizer's context names its scopes)."""
    context = {**world.user_context(), "token_scopes": "repo,user"}
    return lambda: w.event(function, context)


def scenarios() -> list[Scenario]:
    found = [
        Scenario(
            "list_authorizations",
            "GET /authorizations (a page)",
            "list_authorizations",
            1,
            lambda world: _user(world, "list_authorizations"),
            "200",
        ),
        Scenario(
            "list_grants",
            "GET /applications/grants (a page)",
            "list_grants",
            1,
            lambda world: _user(world, "list_grants"),
            "200",
        ),
        Scenario(
            "get_authorization",
            "GET /authorizations/{id}",
            "get_authorization",
            1,
            lambda world: _user(
                world, "get_authorization", path_params={"authorization_id": str(world.personal_ids[0])}
            ),
            "200",
        ),
        Scenario(
            "get_grant",
            "GET /applications/grants/{id}",
            "get_grant",
            1,
            lambda world: _user(world, "get_grant", path_params={"grant_id": str(world.app.grant_id)}),
            "200",
        ),
        Scenario(
            "create_personal",
            "POST /authorizations, personal",
            "create_authorization",
            1,
            lambda world: _user(
                world, "create_authorization", body={"scopes": ["repo"], "note": "a new personal token"}
            ),
            "201",
        ),
        Scenario(
            "delete_grant",
            "DELETE grant, n tokens (n=3)",
            "delete_grant",
            1 + math.ceil(3 / 30),
            lambda world: _user(world, "delete_grant", path_params={"grant_id": str(world.app.grant_id)}),
            "204",
        ),
        Scenario(
            "create_for_app",
            "POST /authorizations, for an app",
            "create_authorization",
            2,
            _create_for_app,
            "201",
        ),
        Scenario(
            "check_path",
            "check (path)",
            "check_authorization",
            1,
            lambda world: _app(world, "check_authorization"),
            "200",
        ),
        Scenario(
            "code_exchange",
            "POST /login/oauth/access_token",
            "access_token",
            2,
            _code_exchange,
            "200",
            behind_authorizer=False,
        ),
        Scenario(
            "device_code", "POST /login/device/code", "device_code", 2, device_routes.device_code, "200"
        ),
        Scenario(
            "device_poll_pending",
            "device poll, pending",
            "access_token",
            1,
            device_routes.pending_poll,
            "200",
        ),
        Scenario(
            "device_poll_token",
            "device poll, the token",
            "access_token",
            2,
            device_routes.successful_poll,
            "200",
        ),
        Scenario("refresh", "refresh grant", "access_token", 2, device_routes.refresh, "200"),
        Scenario(
            "check_body",
            "check (body)",
            "check_token",
            1,
            lambda world: _app(world, "check_token", body=True),
            "200",
        ),
        Scenario(
            "get_or_create_existing",
            "PUT get-or-create, existing",
            "get_or_create_for_app",
            2,
            lambda world: _get_or_create(world, world.app, None),
            "200",
        ),
        Scenario(
            "get_or_create_fingerprint_existing",
            "PUT get-or-create, existing (fingerprint)",
            "get_or_create_for_fingerprint",
            2,
            lambda world: _get_or_create(world, world.app, "fp-0"),
            "200",
        ),
        Scenario(
            "reset_path",
            "reset (path)",
            "reset_authorization",
            2,
            lambda world: _app(world, "reset_authorization"),
            "200",
        ),
        Scenario(
            "reset_body",
            "reset (body)",
            "reset_token",
            2,
            lambda world: _app(world, "reset_token", body=True),
            "200",
        ),
        Scenario(
            "get_or_create_new",
            "PUT get-or-create, new",
            "get_or_create_for_app",
            3,
            lambda world: _get_or_create(world, world.other_app, None),
            "201",
        ),
        Scenario(
            "get_or_create_fingerprint_new",
            "PUT get-or-create, new (fingerprint)",
            "get_or_create_for_fingerprint",
            3,
            lambda world: _get_or_create(world, world.app, "fp-brand-new"),
            "201",
        ),
        Scenario(
            "revoke_path",
            "revoke token (path)",
            "revoke_authorization",
            2,
            lambda world: _app(world, "revoke_authorization"),
            "204",
        ),
        Scenario(
            "revoke_body",
            "revoke token (body)",
            "delete_token",
            2,
            lambda world: _app(world, "delete_token", body=True),
            "204",
        ),
        Scenario(
            "update_authorization",
            "PATCH /authorizations/{id}",
            "update_authorization",
            2,
            lambda world: _user(
                world,
                "update_authorization",
                path_params={"authorization_id": str(world.personal_ids[1])},
                body={"add_scopes": ["gist"], "note": "renamed personal token"},
            ),
            "200",
        ),
        Scenario(
            "revoke_grant_path",
            "revoke grant (path, n=3)",
            "revoke_grant",
            2 + math.ceil(3 / 30),
            lambda world: _app(world, "revoke_grant"),
            "204",
        ),
        Scenario(
            "revoke_grant_body",
            "revoke grant (body, n=3)",
            "delete_app_authorization",
            2 + math.ceil(3 / 30),
            lambda world: _app(world, "delete_app_authorization", body=True),
            "204",
        ),
        Scenario(
            "delete_authorization",
            "DELETE /authorizations/{id}",
            "delete_authorization",
            2,
            lambda world: _user(
                world, "delete_authorization", path_params={"authorization_id": str(world.personal_ids[2])}
            ),
            "204",
        ),
        # The lockout reserves an attempt before argon2 and a success gives it back (issue 13 item 1):
        # read, reserve, give back (was 1: a read). A password a warm instance verified lately costs 2 (read,
        # a ConditionCheck in the order of the reservations); a failure still 2 (read, reserve).
        Scenario(
            "authorizer_user",
            "authorizer: user, success",
            "authorizer",
            3,
            _authorizer(lambda world: world.login, w.PASSWORD),
            "user",
            authorizer=True,
        ),
        Scenario(
            "authorizer_app",
            "authorizer: app, success",
            "authorizer",
            1,
            _authorizer(lambda world: world.app.client_id, "", app=True),
            "app",
            authorizer=True,
        ),
        Scenario(
            "authorizer_failure",
            "authorizer: failure (wrong password)",
            "authorizer",
            2,
            _authorizer(lambda world: world.login, "not-the-password"),
            "bad_credentials",
            authorizer=True,
        ),
        # read, reserve, then the TOTP step accepted and the attempt given back in one transaction (was 2).
        Scenario(
            "authorizer_token",
            "authorizer: token (used this hour)",
            "authorizer",
            1,
            _token_authorizer(True),
            "user",
            authorizer=True,
        ),
        Scenario(
            "authorizer_token_first_use",
            "authorizer: token, first use this hour (+ last-use stamp)",
            "authorizer",
            2,
            _token_authorizer(False),
            "user",
            authorizer=True,
        ),
        Scenario(
            "get_user",
            "GET /user (token)",
            "get_user",
            1,
            lambda world: _token_user(world, "get_user"),
            "200",
        ),
        Scenario(
            "list_emails",
            "GET /user/emails (token)",
            "list_emails",
            1,
            lambda world: _token_user(world, "list_emails"),
            "200",
        ),
        Scenario(
            "api_root",
            "GET / (the API root)",
            "api_root",
            0,
            lambda world: lambda: w.event("api_root", {}),
            "200",
        ),
        Scenario(
            "authorizer_2fa",
            "authorizer: user with 2FA",
            "authorizer",
            3,
            _authorizer(lambda world: world.twofa_login, w.PASSWORD, otp=True),
            "user",
            authorizer=True,
        ),
    ]
    found += _page_scenarios()
    for n in GRANT_SIZES:
        found.append(
            Scenario(
                f"delete_grant_{n}",
                f"DELETE grant, n={n}",
                "delete_grant",
                1 + math.ceil(n / 30),
                _grant_of(n, False, "delete_grant"),
                "204",
                timed=n == 30,
            )
        )
        for function, how in (("revoke_grant", "path"), ("delete_app_authorization", "body")):
            found.append(
                Scenario(
                    f"{function}_{n}",
                    f"revoke grant ({how}), n={n}",
                    function,
                    2 + math.ceil(n / 30),
                    _grant_of(n, True, function),
                    "204",
                    timed=False,
                )
            )
    return found


def _page_scenarios() -> list[Scenario]:
    from bench import pages

    def page(key: str, label: str, function: str, budget: int, prepare: Any, expect: str) -> Scenario:
        return Scenario(key, label, function, budget, prepare, expect, behind_authorizer=False)

    return [
        # no call to time against: part 7 has its rendering cost.
        Scenario(
            "sign_in_page",
            "GET /login (sign-in page)",
            "login_page",
            0,
            pages.sign_in_page,
            "200",
            timed=False,
            behind_authorizer=False,
        ),
        # the login's state, the attempt reserved and given back, the new session (SPEC 11 sign-in).
        page("sign_in_post", "POST /session (sign-in)", "create_session", 4, pages.sign_in_post, "303"),
        # session + app in one BatchGetItem, the grant, the code: two reads and one write.
        page(
            "authorize_consented",
            "GET /login/oauth/authorize, consented",
            "authorize_page",
            3,
            pages.authorize_consented,
            "302",
        ),
        page(
            "consent_post", "POST /login/oauth/authorize", "authorize_decision", 2, pages.consent_post, "302"
        ),
        # SPEC 11's settings pages: the session, then what the page shows or changes.
        page(
            "settings_tokens", "GET /settings/tokens", "settings_tokens_page", 3, pages.settings_tokens, "200"
        ),
        page(
            "settings_applications",
            "GET /settings/applications",
            "settings_applications_page",
            3,
            pages.settings_applications,
            "200",
        ),
        page(
            "revoke_confirmation",
            "POST /settings/applications/{id}/revoke (confirmation)",
            "revoke_application",
            2,
            pages.revoke_confirmation,
            "200",
        ),
        page(
            "settings_security",
            "GET /settings/security",
            "settings_security_page",
            2,
            pages.settings_security,
            "200",
        ),
        # the session, its user's session references (one Query), every session ended (one transaction).
        page(
            "sign_out_everywhere",
            "POST /settings/security/sessions/sign-out",
            "sign_out_everywhere",
            3,
            pages.sign_out_everywhere,
            "303",
        ),
        page(
            "two_factor_setup",
            "POST /settings/security/two-factor (setup)",
            "enable_two_factor",
            2,
            pages.two_factor_setup,
            "200",
        ),
        page("generate_token", "POST /settings/tokens", "generate_token", 4, pages.generate_token, "200"),
        page(
            "delete_token_confirmation",
            "POST /settings/tokens/{id}/delete (confirmation)",
            "delete_personal_token",
            2,
            pages.delete_token_confirmation,
            "200",
        ),
        *_developer_scenarios(page),
    ]


def _developer_scenarios(page: Callable[..., Scenario]) -> list[Scenario]:
    """/settings/developers (bench/developer_pages.py says what each reads and writes)."""
    from bench import developer_pages as dev

    return [
        page("developers", "GET /settings/developers", "settings_developers_page", 3, dev.listing, "200"),
        page("new_app", "GET /settings/developers/new", "new_developer_app_page", 1, dev.new_app_form, "200"),
        page("register_app", "POST /settings/developers", "register_developer_app", 2, dev.register, "200"),
        page("app_page", "GET /settings/developers/{id}", "developer_app_page", 2, dev.app_page, "200"),
        page("update_app", "POST /settings/developers/{id}", "update_developer_app", 3, dev.update, "200"),
        page(
            "generate_secret",
            "POST /settings/developers/{id}/secrets",
            "generate_client_secret",
            3,
            dev.generate_secret,
            "200",
        ),
        page(
            "delete_secret",
            "POST /settings/developers/{id}/secrets/{secret_id}/delete",
            "delete_client_secret",
            3,
            dev.delete_secret,
            "303",
        ),
        page(
            "delete_secret_confirmation",
            "POST /settings/developers/{id}/secrets/{secret_id}/delete (confirmation)",
            "delete_client_secret",
            2,
            dev.delete_secret_confirmation,
            "200",
        ),
        page(
            "delete_app_confirmation",
            "POST /settings/developers/{id}/delete (confirmation)",
            "delete_developer_app",
            2,
            dev.delete_confirmation,
            "200",
        ),
        page(
            "delete_unused_app",
            "POST /settings/developers/{id}/delete (an app without tokens)",
            "delete_developer_app",
            5,
            dev.delete_unused_app,
            "303",
        ),
    ]


# ------------------------------------------------------------------------------------------------- runner
def _check(scenario: Scenario, answer: dict[str, Any]) -> None:
    if scenario.authorizer:
        context = answer.get("context") or {}
        got = context.get("principal_type") or context.get("auth_error")
    else:
        got = str(answer.get("statusCode"))
    if got != scenario.expect:
        raise AssertionError(f"{scenario.key}: expected {scenario.expect}, got {got}: {answer}")


def run(
    world: w.World,
    table: Table,
    direct: Any,
    iterations: int,
    warmup: int,
    say: Callable[[str], None],
    only: set[str] | None = None,
) -> list[Result]:
    from oauth_authz.store.table import dynamodb_client

    recorder = Recorder(dynamodb_client())
    base = table.snapshot()
    results: list[Result] = []
    for scenario in scenarios():
        if only and scenario.key not in only:
            continue
        table.restore(base)
        make_event = scenario.prepare(world)
        snap: Snapshot = table.snapshot()
        function = handler(scenario.function)
        with recorder.recording() as calls:
            answer = function(make_event(), Context(function_name=scenario.function))
        _check(scenario, answer)
        capacity = Capacity()
        for call in calls:
            capacity += estimate(call, snap)
        result = Result(
            scenario.key,
            scenario.label,
            scenario.function,
            scenario.budget,
            len(calls),
            [c.operation for c in calls],
            sum(c.reported_capacity for c in calls),
            capacity.read,
            capacity.write,
            scenario.authorizer,
            scenario.behind_authorizer,
        )
        table.restore(snap)
        replayed = written_keys(calls)
        if scenario.timed:
            for i in range(warmup + iterations):
                event = make_event()
                context = Context(function_name=scenario.function)
                with recorder.recording(capacity=False) as made:
                    start = time.perf_counter_ns()
                    answer = function(event, context)
                    handled = time.perf_counter_ns()
                _check(scenario, answer)
                table.restore_keys(snap, written_keys(made))
                before_direct = time.perf_counter_ns()
                replay(direct, calls)
                after_direct = time.perf_counter_ns()
                table.restore_keys(snap, replayed)
                if i >= warmup:
                    result.handler_ms.append((handled - start) / 1e6)
                    result.direct_ms.append((after_direct - before_direct) / 1e6)
        summary = result.summary()
        verdict = "ok" if result.within_budget else "OVER BUDGET"
        timing = f", overhead x{summary['ratio_median']:.2f}" if "ratio_median" in summary else ""
        say(f"  {scenario.label}: {result.calls} call(s) / budget {scenario.budget} {verdict}{timing}")
        results.append(result)
    table.restore(base)
    return results
