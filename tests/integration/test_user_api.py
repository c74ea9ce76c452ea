"""The token-authenticated user API in-process (SPEC section 8, issue 14): the authorizer on a token, `GET
/user`, `GET /user/emails`, `GET /`, and GitHub's headers (issue 13 items 7 and 8)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from oauth_authz import clock, tokens
from oauth_authz.models.domain import PERSONAL_APP_URL, Authorization, IssuedToken, User
from oauth_authz.store import table as store_table
from oauth_authz.store.repository import Repository
from tests.support.data import OCTOCAT_PASSWORD
from tests.support.events import authorizer_event, basic, build_event
from tests.support.lambdas import HttpResult
from tests.support.schemas import USERS_REFERENCE, assert_matches_response

Invoke = Callable[[str, dict[str, Any]], HttpResult]
Authorize = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every DynamoDB operation the code under test sends, by name."""
    seen: list[str] = []
    original = store_table.Table._send

    def counting(self: store_table.Table, operation: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(operation)
        return original(self, operation, *args, **kwargs)

    monkeypatch.setattr(store_table.Table, "_send", counting)
    return seen


@pytest.fixture
def personal(octocat: User, write_personal_authorization: Callable[..., IssuedToken]) -> IssuedToken:
    return write_personal_authorization(octocat, 1, scopes=["repo", "user:email"])


def call_user_route(
    invoke: Invoke, authorize: Authorize, folder: str, resource: str, header: str
) -> HttpResult:
    """The authorizer on `header`, then the route's function with the context it answered."""
    context = authorize(authorizer_event(header, resource=resource))["context"]
    event = build_event(folder, authorizer={k: str(v) for k, v in context.items()})
    return invoke(folder, event)


# the authorizer on a token ----------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["token", "Token", "TOKEN", "bearer", "Bearer", "BeArEr"])
def test_a_token_is_one_read_and_carries_its_scopes(
    authorize: Authorize, personal: IssuedToken, calls: list[str], scheme: str
) -> None:
    calls.clear()
    answer = authorize(authorizer_event(f"{scheme} {personal.token}", resource="/user"))

    assert answer["context"] == {
        "principal_type": "user", "user_id": 1, "login": "octocat", "token_scopes": "repo,user:email",
    }  # fmt: skip
    assert calls in (["get_item"], ["get_item", "update_item"])  # the read, and at most its last use


def test_an_apps_token_carries_its_client_id(
    authorize: Authorize, event_app_authorization: IssuedToken
) -> None:
    answer = authorize(authorizer_event(f"token {event_app_authorization.token}", resource="/user"))

    assert answer["context"]["token_client_id"] == event_app_authorization.authorization.client_id


def _malformed(token: str) -> list[str]:
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    return [
        flipped,  # the checksum no longer matches
        token[:-1],  # short
        token + "A",  # long
        "ghx_" + token[4:],  # an unknown prefix
        token[:10] + "!" + token[11:],  # outside base62
        "x" * 5000,  # very long
        "",
        "ghp_" + "é" * 36,
    ]


def test_a_malformed_token_is_refused_without_a_read(
    authorize: Authorize, personal: IssuedToken, calls: list[str]
) -> None:
    """Seen red with `_token` reading the store before `is_well_formed` (every shape below read once)."""
    for bad in _malformed(personal.token):
        calls.clear()
        answer = authorize(authorizer_event(f"token {bad}", resource="/user"))
        assert answer["context"] == {"auth_error": "bad_credentials"}, bad[:50]
        assert calls == [], bad[:50]


def test_unknown_and_revoked_tokens_are_bad_credentials(
    authorize: Authorize, personal: IssuedToken, repository: Repository
) -> None:
    unknown = tokens.new_token(tokens.TokenKind.PERSONAL)
    assert authorize(authorizer_event(f"token {unknown}", resource="/user"))["context"] == {
        "auth_error": "bad_credentials"
    }
    repository.delete_authorization(personal.authorization, clock.now())

    answer = authorize(authorizer_event(f"token {personal.token}", resource="/user"))

    assert answer["context"] == {"auth_error": "bad_credentials"}


def test_an_expired_token_is_bad_credentials(
    authorize: Authorize, octocat: User, repository: Repository
) -> None:
    token = tokens.new_token(tokens.TokenKind.PERSONAL)
    moment = clock.now() - timedelta(hours=2)
    auth = Authorization(
        id=7, user_id=octocat.id, login=octocat.login, client_id=None, app_name="old",
        app_url=PERSONAL_APP_URL,
        scopes=["user"], hashed_token=tokens.hash_token(token), token_last_eight=tokens.last_eight(token),
        note="old", note_url=None, fingerprint=None, created_at=moment, updated_at=moment,
        expires_at=moment + timedelta(hours=1),
    )  # fmt: skip
    repository.create_authorization(auth)

    answer = authorize(authorizer_event(f"token {token}", resource="/user"))

    assert answer["context"] == {"auth_error": "bad_credentials"}


@pytest.mark.parametrize(
    "resource", ["/authorizations", "/applications/grants", "/authorizations/{authorization_id}"]
)
def test_a_token_stays_a_403_on_the_authorizations_api(
    authorize: Authorize, personal: IssuedToken, calls: list[str], resource: str
) -> None:
    calls.clear()
    answer = authorize(authorizer_event(f"token {personal.token}", resource=resource))

    assert answer["context"] == {"auth_error": "token_not_password"}
    assert calls == []


def test_a_password_works_on_the_token_routes(invoke: Invoke, authorize: Authorize, octocat: User) -> None:
    result = call_user_route(invoke, authorize, "get_user", "/user", basic("octocat", OCTOCAT_PASSWORD))

    assert result.status == 200
    assert result.json["login"] == "octocat"
    assert result.header("X-OAuth-Scopes") is None  # a password has no scopes


def test_a_token_as_the_basic_password_works_on_the_token_routes(
    invoke: Invoke, authorize: Authorize, personal: IssuedToken
) -> None:
    result = call_user_route(invoke, authorize, "get_user", "/user", basic("octocat", personal.token))

    assert result.status == 200
    assert result.header("X-OAuth-Scopes") == "repo, user:email"


def test_wrong_password_on_the_token_routes(invoke: Invoke, authorize: Authorize, octocat: User) -> None:
    result = call_user_route(invoke, authorize, "get_user", "/user", basic("octocat", "wrong-password"))

    assert (result.status, result.json["message"]) == (401, "Bad credentials")


# last use ---------------------------------------------------------------------------------------------------


def test_last_use_is_written_at_most_once_an_hour(
    authorize: Authorize, personal: IssuedToken, repository: Repository, calls: list[str]
) -> None:
    calls.clear()
    authorize(authorizer_event(f"token {personal.token}", resource="/user"))
    authorize(authorizer_event(f"token {personal.token}", resource="/user"))

    assert calls == ["get_item", "update_item", "get_item"]
    stamped = repository.get_by_token(personal.authorization.hashed_token)
    assert stamped is not None and stamped.last_used_at is not None
    assert clock.now() - stamped.last_used_at < timedelta(seconds=5)


def test_a_failed_last_use_write_never_fails_the_request(
    authorize: Authorize, personal: IssuedToken, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen red with `_record_use` catching only ConditionFailed (the authorizer crashed: a 500 on AWS)."""

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("the store refused the write")

    monkeypatch.setattr(Repository, "record_token_use", broken)

    answer = authorize(authorizer_event(f"token {personal.token}", resource="/user"))

    assert answer["context"]["login"] == "octocat"


# GET /user, /user/emails, / ---------------------------------------------------------------------------------


def test_get_user_is_githubs_private_user(
    invoke: Invoke, authorize: Authorize, personal: IssuedToken, repository: Repository, octocat: User
) -> None:
    repository.set_profile(octocat, "The Octocat", "octocat@example.com", clock.now())

    result = call_user_route(invoke, authorize, "get_user", "/user", f"token {personal.token}")

    assert result.status == 200
    assert_matches_response(result.json, "/user", "get", 200, USERS_REFERENCE)
    assert (result.json["name"], result.json["email"]) == ("The Octocat", "octocat@example.com")
    assert result.json["url"] == "https://abc123.execute-api.us-east-1.amazonaws.com/v1/users/octocat"
    assert result.header("X-OAuth-Scopes") == "repo, user:email"
    assert result.header("X-Accepted-OAuth-Scopes") == ""
    assert result.header("X-OAuth-Client-Id") is None
    assert result.header("Cache-Control") == "private, max-age=60, s-maxage=60"
    assert result.header("Vary") == "Accept, Authorization, X-GitHub-OTP"


def test_a_user_of_an_earlier_version_has_no_name_or_email(
    invoke: Invoke, authorize: Authorize, personal: IssuedToken
) -> None:
    result = call_user_route(invoke, authorize, "get_user", "/user", f"token {personal.token}")

    assert_matches_response(result.json, "/user", "get", 200, USERS_REFERENCE)
    assert (result.json["name"], result.json["email"]) == (None, None)
    emails = call_user_route(invoke, authorize, "list_emails", "/user/emails", f"token {personal.token}")
    assert emails.json == []


def test_get_user_costs_one_call_beyond_the_authorizer(
    invoke: Invoke, authorize: Authorize, personal: IssuedToken, calls: list[str]
) -> None:
    context = authorize(authorizer_event(f"token {personal.token}", resource="/user"))["context"]
    calls.clear()

    invoke("get_user", build_event("get_user", authorizer={k: str(v) for k, v in context.items()}))

    assert calls == ["get_item"]


def test_emails_with_the_scope(
    invoke: Invoke, authorize: Authorize, personal: IssuedToken, repository: Repository, octocat: User
) -> None:
    repository.set_profile(octocat, None, "octocat@example.com", clock.now())

    result = call_user_route(invoke, authorize, "list_emails", "/user/emails", f"token {personal.token}")

    assert result.status == 200
    assert_matches_response(result.json, "/user/emails", "get", 200, USERS_REFERENCE)
    assert result.json == [
        {"email": "octocat@example.com", "primary": True, "verified": True, "visibility": "public"}
    ]
    assert result.header("X-Accepted-OAuth-Scopes") == "user, user:email"


@pytest.mark.parametrize("scopes", [[], ["repo"], ["read:user"], ["user:follow"]])
def test_emails_without_the_scope_are_not_found(
    invoke: Invoke, authorize: Authorize, octocat: User,
    write_personal_authorization: Callable[..., IssuedToken], scopes: list[str],
) -> None:  # fmt: skip
    """Seen red with the scope check removed from the middleware (200 with the address)."""
    issued = write_personal_authorization(octocat, 3, note="narrow", scopes=scopes)

    result = call_user_route(invoke, authorize, "list_emails", "/user/emails", f"token {issued.token}")

    assert (result.status, result.json["message"]) == (404, "Not Found")
    assert result.header("X-OAuth-Scopes") == ", ".join(sorted(scopes))
    assert result.header("X-Accepted-OAuth-Scopes") == "user, user:email"


def test_the_api_root(invoke: Invoke) -> None:
    result = invoke("api_root", build_event("api_root"))

    assert result.status == 200
    assert_matches_response(result.json, "/", "get", 200, USERS_REFERENCE)
    base = "https://abc123.execute-api.us-east-1.amazonaws.com/v1"
    assert result.json["current_user_url"] == f"{base}/user"
    assert result.json["authorizations_url"] == f"{base}/authorizations"
    assert result.header("Cache-Control") == "public, max-age=60, s-maxage=60"


def test_the_api_root_under_api_v3_on_a_custom_domain(invoke: Invoke) -> None:
    event = build_event("api_root", headers={"Host": "github.example.com"})
    event["path"] = "/api/v3"
    event["requestContext"].update(domainName="github.example.com", path="/api/v3")

    result = invoke("api_root", event)

    assert result.status == 200
    assert result.json["current_user_url"] == "https://github.example.com/api/v3/user"
    assert result.json["current_user_authorizations_html_url"] == (
        "https://github.example.com/settings/connections/applications{/client_id}"
    )


# headers on every answer ------------------------------------------------------------------------------------


def test_request_id_and_status_on_every_answer(invoke: Invoke, authorization_one: IssuedToken) -> None:
    event = build_event("delete_authorization")
    result = invoke("delete_authorization", event)

    assert result.status == 204
    assert result.header("Status") == "204 No Content"
    assert result.header("X-GitHub-Request-Id") == event["requestContext"]["requestId"]


def test_a_plaintext_token_is_never_stored_by_a_cache(invoke: Invoke, octocat: User) -> None:
    """RFC 6749 5.1 (issue 13 item 8). Seen red with `json_response` not adding `NO_STORE` (`private`)."""
    result = invoke("create_authorization", build_event("create_authorization", body={"note": "cached?"}))

    assert result.status == 201
    assert result.header("Cache-Control") == "no-store"
    assert result.header("Pragma") == "no-cache"
    again = invoke(
        "get_authorization",
        build_event("get_authorization", path_params={"authorization_id": str(result.json["id"])}),
    )
    assert again.header("Cache-Control") == "private, max-age=60, s-maxage=60"
    assert again.header("Vary") == "Accept, Authorization, X-GitHub-OTP"


# the Host header (issue 13 item 7) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ['evil.com>; rel="next", <http://x', "a b", "host/path", "user@host", "", "h:port", "[::1", "x" * 300],
)
def test_a_host_that_is_not_an_authority_is_a_400(
    invoke: Invoke, authorization_one: IssuedToken, host: str
) -> None:
    """Seen red with `valid_authority` skipped: the crafted Host went into `url` (and a Link entry)."""
    event = build_event("list_authorizations", headers={"Host": host})
    event["requestContext"]["domainName"] = host

    result = invoke("list_authorizations", event)

    assert (result.status, result.json["message"]) == (400, "Invalid Host header")


def test_the_configured_public_base_url_wins(
    invoke: Invoke, authorization_one: IssuedToken, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oauth_authz import settings

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://github.example.com")
    settings.get_settings.cache_clear()
    try:
        root = invoke("get_authorization", build_event("get_authorization"))
        event = build_event("get_authorization")
        event["path"] = "/api/v3/authorizations/1"
        event["requestContext"]["path"] = "/api/v3/authorizations/1"
        v3 = invoke("get_authorization", event)
    finally:
        settings.get_settings.cache_clear()

    assert root.json["url"] == "https://github.example.com/authorizations/1"
    assert v3.json["url"] == "https://github.example.com/api/v3/authorizations/1"


def test_link_urls_are_percent_encoded(
    invoke: Invoke, octocat: User, write_personal_authorization: Any
) -> None:
    for number in range(1, 4):
        write_personal_authorization(octocat, number, note=f"n{number}")
    event = build_event("list_authorizations", query={"per_page": "1", "client_id": "> ;,"})
    result = invoke("list_authorizations", event)

    assert result.status == 200
    assert "%3E" in (result.header("Link") or "%3E") and "> ;," not in (result.header("Link") or "")
