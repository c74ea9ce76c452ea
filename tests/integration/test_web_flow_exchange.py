"""The code exchange of the web flow (SPEC section 9): `oauth_web_flow.exchange` on the moto table, and the
`access_token` function on its event. Codes come from `approve`, as the consent page gets them."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import pytest

from oauth_authz import tokens
from oauth_authz.models.domain import User
from oauth_authz.service import oauth_web_flow
from oauth_authz.service.accounts import Accounts
from oauth_authz.store.repository import Repository
from oauth_authz.token_answers import (
    BAD_VERIFICATION_CODE,
    INCORRECT_CLIENT_CREDENTIALS,
    REDIRECT_URI_MISMATCH,
    UNSUPPORTED_GRANT_TYPE,
    TokenError,
    TokenResponse,
)
from tests.conftest import FrozenClock, RegisteredApp
from tests.support.data import EVENT_APP_NAME, EVENT_APP_URL, EVENT_CLIENT_ID, EVENT_CLIENT_SECRET
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.lambdas import FakeLambdaContext, load_handler
from tests.support.tables import TableView
from tests.support.web_flow import CALLBACK, CHALLENGE, VERIFIER, code_for, s256

Exchange = Callable[..., TokenResponse | TokenError]


@pytest.fixture
def web_app(accounts: Accounts) -> RegisteredApp:
    created = accounts.create_app("Octo App", "https://octo-app.example.com", CALLBACK)
    return RegisteredApp(created.app, created.client_secret)


@pytest.fixture
def swap(web_app: RegisteredApp) -> Exchange:
    """`swap(code, **params)`: the exchange with the app's credentials in the parameters."""

    def run(code: str, basic: str | None = None, **params: str) -> TokenResponse | TokenError:
        given = {
            "client_id": web_app.client_id,
            "client_secret": web_app.client_secret,
            "code": code,
            **params,
        }
        return oauth_web_flow.exchange({k: v for k, v in given.items() if v is not None}, basic)

    return run


def test_a_code_gives_an_app_token_in_the_users_grant(
    web_app: RegisteredApp, octocat: User, swap: Exchange, repository: Repository, table: TableView
) -> None:
    code = code_for(web_app.client_id, octocat, scope="repo gist user:email")

    answer = swap(code)

    assert isinstance(answer, TokenResponse)
    assert answer.token_type == "bearer"
    assert answer.scope == "repo,gist,user:email"
    assert answer.access_token.startswith("gho_") and tokens.is_well_formed(
        answer.access_token, tokens.TokenKind.OAUTH
    )
    auth = repository.get_by_token(tokens.hash_token(answer.access_token))
    assert auth is not None
    assert (auth.user_id, auth.login, auth.client_id) == (octocat.id, "octocat", web_app.client_id)
    assert (auth.app_name, auth.app_url, auth.scopes) == (
        "Octo App",
        "https://octo-app.example.com",
        ["repo", "gist", "user:email"],
    )
    assert (auth.note, auth.fingerprint, auth.web_flow) == (None, None, True)
    grant = repository.get_grant(octocat.id, web_app.client_id)
    assert grant is not None and grant.scopes(auth.created_at) == ["gist", "repo", "user:email"]
    assert_table_invariants(table)
    assert_no_secrets(table, [code, answer.access_token, web_app.client_secret])


def test_several_tokens_of_one_app_live_side_by_side(
    web_app: RegisteredApp, octocat: User, swap: Exchange, repository: Repository, table: TableView
) -> None:
    first = swap(code_for(web_app.client_id, octocat, scope="repo"))
    second = swap(code_for(web_app.client_id, octocat, scope="user"))
    assert isinstance(first, TokenResponse) and isinstance(second, TokenResponse)
    grant = repository.get_grant(octocat.id, web_app.client_id)
    assert grant is not None and len(grant.entries) == 2
    assert grant.scopes(grant.updated_at) == ["repo", "user"]
    assert_table_invariants(table)


def test_client_credentials_as_basic_auth(web_app: RegisteredApp, octocat: User) -> None:
    code = code_for(web_app.client_id, octocat)
    basic = "Basic " + base64.b64encode(f"{web_app.client_id}:{web_app.client_secret}".encode()).decode()
    answer = oauth_web_flow.exchange({"code": code}, basic)
    assert isinstance(answer, TokenResponse)
    assert answer.scope == ""


@pytest.mark.parametrize(
    ("params", "basic"),
    [
        ({"client_secret": "wrong"}, None),
        ({"client_secret": ""}, None),
        ({"client_id": "0123456789abcdef0123"}, None),
        ({"client_id": ""}, None),
        ({"client_id": "", "client_secret": ""}, "Basic " + base64.b64encode(b"nobody:nothing").decode()),
        ({"client_id": "", "client_secret": ""}, "Basic !!!"),
        ({"client_id": "x" * 10_000}, None),
    ],
)
def test_wrong_client_credentials(
    web_app: RegisteredApp, octocat: User, swap: Exchange, params: dict[str, str], basic: str | None
) -> None:
    """Seen red with the secret check left out of `_authorization_code` (a wrong secret got the token)."""
    code = code_for(web_app.client_id, octocat)
    assert swap(code, basic, **params) == INCORRECT_CLIENT_CREDENTIALS
    assert isinstance(swap(code), TokenResponse)  # the code was not spent by the failures


def test_a_code_for_another_app_is_refused_and_not_spent(
    web_app: RegisteredApp, octocat: User, swap: Exchange, accounts: Accounts
) -> None:
    """Seen red with the code's `client_id` left unchecked (the other app got octocat's token)."""
    other = accounts.create_app("Other", "https://other.example.com", "https://other.example.com/cb")
    code = code_for(web_app.client_id, octocat)

    stolen = oauth_web_flow.exchange(
        {"client_id": other.app.client_id, "client_secret": other.client_secret, "code": code}, None
    )

    assert stolen == BAD_VERIFICATION_CODE
    assert isinstance(swap(code), TokenResponse)


@pytest.mark.parametrize(
    "code",
    ["", "nope", "0" * 20, "g" * 25, "0123456789abcdef0123" + "f" * 14, "0123456789abcdef01231", "A" * 21],
)
def test_codes_that_are_not_ours(web_app: RegisteredApp, octocat: User, swap: Exchange, code: str) -> None:
    code_for(web_app.client_id, octocat)
    assert swap(code) == BAD_VERIFICATION_CODE


def test_a_code_with_its_user_part_changed_is_nothing(
    web_app: RegisteredApp, octocat: User, hubot: User, swap: Exchange
) -> None:
    code = code_for(web_app.client_id, octocat)
    assert swap(code[:20] + format(hubot.id, "x")) == BAD_VERIFICATION_CODE


def test_a_replayed_code_fails_and_revokes_the_first_token(
    web_app: RegisteredApp, octocat: User, swap: Exchange, repository: Repository, table: TableView
) -> None:
    """Seen red with the `attribute_not_exists(issued_auth_id)` condition dropped (a second token came out),
    and with `_revoke_issued` returning at once (the first token lived on)."""
    code = code_for(web_app.client_id, octocat, scope="repo")
    first = swap(code)
    assert isinstance(first, TokenResponse)

    assert swap(code) == BAD_VERIFICATION_CODE

    assert repository.get_by_token(tokens.hash_token(first.access_token)) is None
    assert repository.list_authorizations(octocat.id) == []
    assert swap(code) == BAD_VERIFICATION_CODE
    assert_table_invariants(table)


def test_a_code_lives_ten_minutes(
    web_app: RegisteredApp, octocat: User, hubot: User, swap: Exchange, frozen_clock: FrozenClock
) -> None:
    """Seen red with `_refusal`'s expiry check removed (the code still worked at 10 minutes)."""
    late = code_for(web_app.client_id, octocat)
    in_time = code_for(web_app.client_id, hubot)
    frozen_clock.advance(599)
    assert isinstance(swap(in_time), TokenResponse)
    frozen_clock.advance(1)
    assert swap(late) == BAD_VERIFICATION_CODE


def test_the_redirect_uri_must_be_the_one_given_at_authorize(
    web_app: RegisteredApp, octocat: User, swap: Exchange
) -> None:
    """Seen red with the comparison in `_refusal` removed."""
    code = code_for(web_app.client_id, octocat, redirect_uri=CALLBACK + "/a")
    assert swap(code, redirect_uri=CALLBACK + "/b") == REDIRECT_URI_MISMATCH
    assert swap(code, redirect_uri=CALLBACK) == REDIRECT_URI_MISMATCH
    assert isinstance(swap(code, redirect_uri=CALLBACK + "/a"), TokenResponse)


def test_without_one_at_authorize_the_redirect_uri_follows_the_callback_rule(
    web_app: RegisteredApp, octocat: User, swap: Exchange
) -> None:
    code = code_for(web_app.client_id, octocat)
    assert swap(code, redirect_uri="https://evil.example.com/oauth/callback") == REDIRECT_URI_MISMATCH
    assert isinstance(swap(code, redirect_uri=CALLBACK), TokenResponse)


def test_the_redirect_uri_may_be_left_out_at_the_exchange(
    web_app: RegisteredApp, octocat: User, swap: Exchange
) -> None:
    """PyGithub's `get_access_token` sends none, though its login URL had one."""
    code = code_for(web_app.client_id, octocat, redirect_uri=CALLBACK + "/a")
    assert isinstance(swap(code), TokenResponse)


def test_pkce(web_app: RegisteredApp, octocat: User, swap: Exchange) -> None:
    """Seen red with the verifier comparison in `_refusal` answering None (any verifier passed)."""
    assert s256(VERIFIER) == CHALLENGE
    code = code_for(web_app.client_id, octocat, code_challenge=CHALLENGE, code_challenge_method="S256")
    assert swap(code) == BAD_VERIFICATION_CODE  # no verifier
    assert swap(code, code_verifier="x" * 43) == BAD_VERIFICATION_CODE  # another
    assert swap(code, code_verifier=CHALLENGE) == BAD_VERIFICATION_CODE  # the challenge itself
    assert swap(code, code_verifier="short") == BAD_VERIFICATION_CODE
    assert isinstance(swap(code, code_verifier=VERIFIER), TokenResponse)


def test_a_verifier_for_a_code_without_a_challenge_is_a_downgrade(
    web_app: RegisteredApp, octocat: User, swap: Exchange
) -> None:
    code = code_for(web_app.client_id, octocat)
    assert swap(code, code_verifier=VERIFIER) == BAD_VERIFICATION_CODE
    assert isinstance(swap(code), TokenResponse)


@pytest.mark.parametrize("grant_type", ["password", "client_credentials", "implicit", "x" * 300])
def test_other_grant_types(web_app: RegisteredApp, octocat: User, swap: Exchange, grant_type: str) -> None:
    code = code_for(web_app.client_id, octocat)
    assert swap(code, grant_type=grant_type) == UNSUPPORTED_GRANT_TYPE
    assert isinstance(swap(code, grant_type="authorization_code"), TokenResponse)


def test_ten_tokens_per_scope_set_the_eleventh_revokes_the_oldest(
    web_app: RegisteredApp, octocat: User, swap: Exchange, repository: Repository, table: TableView
) -> None:
    """Seen red with `AuthorizationService.oldest_over_cap` answering None (eleven tokens lived)."""
    issued = []
    for _ in range(10):
        answer = swap(code_for(web_app.client_id, octocat, scope="repo,user"))
        assert isinstance(answer, TokenResponse)
        issued.append(answer.access_token)
    other = swap(code_for(web_app.client_id, octocat, scope="gist"))
    assert isinstance(other, TokenResponse)

    eleventh = swap(code_for(web_app.client_id, octocat, scope="user repo"))

    assert isinstance(eleventh, TokenResponse)
    assert repository.get_by_token(tokens.hash_token(issued[0])) is None
    live = [a for a in repository.list_authorizations(octocat.id) if sorted(a.scopes) == ["repo", "user"]]
    assert len(live) == 10
    assert repository.get_by_token(tokens.hash_token(other.access_token)) is not None
    assert_table_invariants(table)


# The function, on its event and on requests shaped as clients send them ----------------------------------


@pytest.fixture
def event_app(accounts: Accounts, repository: Repository) -> RegisteredApp:
    """The app the event names, with a callback."""
    from oauth_authz import clock
    from oauth_authz.app_secrets import hash_secret
    from oauth_authz.models.domain import App, ClientSecret

    app = App(
        EVENT_CLIENT_ID,
        1,
        EVENT_APP_NAME,
        EVENT_APP_URL,
        clock.now(),
        (ClientSecret(1, hash_secret(EVENT_CLIENT_SECRET), None, clock.now()),),
        CALLBACK,
    )
    repository.create_app(app)
    return RegisteredApp(app, EVENT_CLIENT_SECRET)


def _call(event: dict[str, Any]) -> dict[str, Any]:
    handler = load_handler("access_token")
    answer: dict[str, Any] = handler.lambda_handler(event, FakeLambdaContext(function_name="access_token"))
    return answer


def _event(body: str | None, headers: dict[str, str], query: dict[str, str] | None = None) -> dict[str, Any]:
    with open("events/access_token.json") as file:
        event: dict[str, Any] = json.load(file)
    event["headers"] = headers
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    event["body"] = body
    event["queryStringParameters"] = query
    return event


def test_the_event_gets_a_form_encoded_error_for_its_made_up_code(event_app: RegisteredApp) -> None:
    with open("events/access_token.json") as file:
        event = json.load(file)
    answer = _call(event)
    assert answer["statusCode"] == 200
    assert answer["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(answer["body"]) == BAD_VERIFICATION_CODE.fields()


def test_formats_by_accept(event_app: RegisteredApp, octocat: User) -> None:
    form = f"client_id={EVENT_CLIENT_ID}&client_secret={EVENT_CLIENT_SECRET}&code="
    code = code_for(EVENT_CLIENT_ID, octocat, scope="repo gist")
    as_form = _call(_event(form + code, {"Content-Type": "application/x-www-form-urlencoded"}))
    assert as_form["statusCode"] == 200
    assert as_form["headers"]["Content-Type"] == "application/x-www-form-urlencoded; charset=utf-8"
    fields = parse_qs(as_form["body"])
    assert list(fields) == ["access_token", "scope", "token_type"]
    assert fields["scope"] == ["repo,gist"] and fields["token_type"] == ["bearer"]
    assert "scope=repo%2Cgist" in as_form["body"]

    code = code_for(EVENT_CLIENT_ID, octocat, scope="repo")
    as_xml = _call(_event(form + code, {"Accept": "application/xml"}))
    assert as_xml["headers"]["Content-Type"] == "application/xml; charset=utf-8"
    assert as_xml["body"].startswith(
        "<OAuth><token_type>bearer</token_type><scope>repo</scope><access_token>gho_"
    )

    error = _call(_event(form + "wrong", {"Accept": "application/xml"}))
    assert error["body"] == (
        "<OAuth><error>bad_verification_code</error>"
        "<error_description>The code passed is incorrect or expired.</error_description>"
        "<error_uri>" + BAD_VERIFICATION_CODE.error_uri + "</error_uri></OAuth>"
    )


def test_json_body_and_query_string(event_app: RegisteredApp, octocat: User) -> None:
    body = json.dumps(
        {
            "client_id": EVENT_CLIENT_ID,
            "client_secret": EVENT_CLIENT_SECRET,
            "code": code_for(EVENT_CLIENT_ID, octocat),
        }
    )
    as_json = _call(_event(body, {"Content-Type": "application/json", "Accept": "application/json"}))
    assert set(json.loads(as_json["body"])) == {"access_token", "token_type", "scope"}

    query = {
        "client_id": EVENT_CLIENT_ID,
        "client_secret": EVENT_CLIENT_SECRET,
        "code": code_for(EVENT_CLIENT_ID, octocat),
    }
    in_query = _call(_event(None, {"Accept": "application/json"}, query))
    assert set(json.loads(in_query["body"])) == {"access_token", "token_type", "scope"}


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ("{not json", {"Content-Type": "application/json"}),
        ("[1,2]", {"Content-Type": "application/json"}),
        ('{"client_id": 5, "code": null}', {"Content-Type": "application/json"}),
        ("a=" + "&a=".join(["x"] * 1000), {}),
        ("%ff%fe=%00", {}),
        ("client_id=\x00", {"Authorization": "Basic \x00\x01"}),
    ],
)
def test_nonsense_gets_an_oauth_error_not_a_fault(
    event_app: RegisteredApp, body: str, headers: dict[str, str]
) -> None:
    answer = _call(_event(body, {**headers, "Accept": "application/json"}))
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == INCORRECT_CLIENT_CREDENTIALS.fields()


# Budgets: DynamoDB round trips ------------------------------------------------------------------------------


def _calls(repository: Repository, run: Callable[[], object]) -> list[str]:
    made: list[str] = []

    def record(model: Any, **_: Any) -> None:
        made.append(model.name)

    events = repository.table.client.meta.events
    events.register("before-call.dynamodb", record)
    try:
        run()
    finally:
        events.unregister("before-call.dynamodb", record)
    return made


def test_the_exchange_is_one_read_and_one_transaction(
    web_app: RegisteredApp, octocat: User, swap: Exchange, repository: Repository
) -> None:
    """SPEC's budget for the code exchange (`make bench`'s `code_exchange` too), a grant or none."""
    code = code_for(web_app.client_id, octocat, scope="repo")
    assert _calls(repository, lambda: swap(code)) == ["BatchGetItem", "TransactWriteItems"]
    code = code_for(web_app.client_id, octocat, scope="repo")
    assert _calls(repository, lambda: swap(code)) == ["BatchGetItem", "TransactWriteItems"]
    assert _calls(repository, lambda: swap("nonsense")) == ["GetItem"]


def test_remembered_consent_is_one_read(
    web_app: RegisteredApp, octocat: User, repository: Repository
) -> None:
    request = oauth_web_flow.parse_authorize_request({"client_id": web_app.client_id})
    assert _calls(repository, lambda: oauth_web_flow.needs_consent(request, octocat.id)) == ["GetItem"]
    assert _calls(repository, lambda: oauth_web_flow.approve(request, octocat.id, "octocat")) == [
        "TransactWriteItems"
    ]


def test_the_token_endpoint_answers_at_the_root_only_with_githubs_headers(
    event_app: RegisteredApp, octocat: User
) -> None:
    """SPEC section 8: the OAuth endpoints are never under /api/v3 (seen red without the prefix check: the
    code was exchanged there), and every answer carries `Status` and `X-GitHub-Request-Id`."""
    form = f"client_id={EVENT_CLIENT_ID}&client_secret={EVENT_CLIENT_SECRET}&code="
    code = code_for(EVENT_CLIENT_ID, octocat, scope="repo")
    event = _event(form + code, {"Content-Type": "application/x-www-form-urlencoded"})
    event["path"] = "/api/v3/login/oauth/access_token"

    refused = _call(event)

    assert refused["statusCode"] == 404
    assert json.loads(refused["body"]) == {
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest",
    }
    assert refused["headers"]["Status"] == "404 Not Found"
    assert refused["headers"]["X-GitHub-Request-Id"] == event["requestContext"]["requestId"]

    event["path"] = "/login/oauth/access_token"
    answered = _call(event)
    assert answered["statusCode"] == 200 and "access_token=gho_" in answered["body"]
    assert answered["headers"]["Status"] == "200 OK"
    assert answered["headers"]["X-GitHub-Request-Id"] == event["requestContext"]["requestId"]
