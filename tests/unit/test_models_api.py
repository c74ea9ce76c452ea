"""Request bodies: strict JSON types, "" is absent, Unicode text only, absolute http(s) note URLs, limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from oauth_authz.errors import ErrorCode, FieldError
from oauth_authz.http import validation_failed
from oauth_authz.models.api import (
    MAX_FINGERPRINT,
    MAX_NOTE,
    MAX_NOTE_URL,
    MAX_SCOPE,
    MAX_SCOPES,
    CreateAuthorizationBody,
    GetOrCreateBody,
    UpdateAuthorizationBody,
)


def errors_of(model: type[BaseModel], data: dict[str, Any]) -> list[FieldError]:
    """The GitHub-shaped field errors a body gives (what the 422 lists)."""
    with pytest.raises(ValidationError) as raised:
        model.model_validate(data)
    return validation_failed(raised.value).errors


def invalid(field: str) -> list[FieldError]:
    return [FieldError(field, ErrorCode.INVALID)]


def test_limits_are_githubs() -> None:
    assert (MAX_NOTE, MAX_NOTE_URL, MAX_FINGERPRINT, MAX_SCOPE, MAX_SCOPES) == (1024, 2048, 255, 100, 100)


def test_a_full_create_body() -> None:
    body = CreateAuthorizationBody.model_validate(
        {
            "scopes": ["repo", "user"],
            "note": "admin script",
            "note_url": "https://example.com/why",
            "client_id": "abcde12345fghij67890",
            "client_secret": "3ef4ad510c59b0a3fe9d5c4c2a7f1e0d1a2b3c4d",
            "fingerprint": "laptop",
        }
    )

    assert body.scopes == ["repo", "user"]
    assert body.note == "admin script"
    assert body.note_url == "https://example.com/why"
    assert body.client_id == "abcde12345fghij67890"
    assert body.client_secret == "3ef4ad510c59b0a3fe9d5c4c2a7f1e0d1a2b3c4d"
    assert body.fingerprint == "laptop"


def test_an_empty_create_body_is_all_absent() -> None:
    body = CreateAuthorizationBody.model_validate({})

    assert (body.scopes, body.note, body.note_url, body.client_id, body.client_secret, body.fingerprint) == (
        None,
        None,
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize("field", ["note", "note_url", "client_id", "client_secret", "fingerprint"])
def test_an_empty_string_means_absent(field: str) -> None:
    assert getattr(CreateAuthorizationBody.model_validate({field: ""}), field) is None


def test_unknown_fields_are_ignored() -> None:
    body = CreateAuthorizationBody.model_validate({"note": "n", "unknown": {"deep": [1]}, "id": 3})

    assert body.note == "n"
    assert not hasattr(body, "unknown")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("note", 123),
        ("note", True),
        ("note", ["a"]),
        ("note", {"a": 1}),
        ("note_url", 5),
        ("client_id", 12345),
        ("client_secret", 1.5),
        ("fingerprint", False),
        ("scopes", "repo"),
        ("scopes", {"repo": True}),
        ("scopes", 1),
        ("scopes", [1]),
        ("scopes", [None]),
        ("scopes", [["repo"]]),
    ],
)
def test_types_are_strict(field: str, value: Any) -> None:
    assert errors_of(CreateAuthorizationBody, {field: value}) == invalid(field)


def test_null_scopes_are_no_scopes() -> None:
    assert CreateAuthorizationBody.model_validate({"scopes": None}).scopes is None
    assert CreateAuthorizationBody.model_validate({"scopes": []}).scopes == []


@pytest.mark.parametrize("field", ["note", "note_url", "client_id", "client_secret", "fingerprint"])
@pytest.mark.parametrize("text", ['"a\\u0000b"', '"\\u0000"', '"\\ud800"', '"x\\udfff"', '"\\udc00\\ud800"'])
def test_nul_and_unpaired_surrogates_are_refused(field: str, text: str) -> None:
    value = json.loads(text)  # what the handler's json.loads makes of such a body
    if field == "note_url":
        value = "https://example.com/" + value

    assert errors_of(CreateAuthorizationBody, {field: value}) == invalid(field)


def test_nul_or_a_lone_surrogate_in_a_scope_is_refused() -> None:
    assert errors_of(CreateAuthorizationBody, {"scopes": ["repo", json.loads('"\\ud800"')]}) == invalid(
        "scopes"
    )
    assert errors_of(CreateAuthorizationBody, {"scopes": ["re\x00po"]}) == invalid("scopes")


def test_paired_surrogates_and_other_unicode_are_text() -> None:
    emoji = json.loads('"\\ud83d\\ude00"')  # one character, U+1F600

    body = CreateAuthorizationBody.model_validate({"note": f"ünï {emoji} 中文 \u202e", "fingerprint": emoji})

    assert body.note == "ünï 😀 中文 \u202e"
    assert body.fingerprint == "😀"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "http://example.com/path?q=1#frag",
        "https://user@example.com:8443/x",
        "HTTPS://EXAMPLE.COM/",
        "https://[::1]/x",
        "https://例え.jp/パス",
    ],
)
def test_note_url_accepts_absolute_http_urls(url: str) -> None:
    assert CreateAuthorizationBody.model_validate({"note_url": url}).note_url == url


@pytest.mark.parametrize(
    "url",
    [
        "example.com",
        "/relative/path",
        "//example.com/no-scheme",
        "ftp://example.com/file",
        "javascript:alert(1)",
        "data:text/plain,hi",
        "mailto:octocat@example.com",
        "https://",
        "https:///path-only",
        "https://exa mple.com",
        "https://example.com/\n",
        "\thttps://example.com",
        "file:///etc/passwd",
        "not a url",
    ],
)
def test_note_url_refuses_anything_but_absolute_http_urls(url: str) -> None:
    assert errors_of(CreateAuthorizationBody, {"note_url": url}) == invalid("note_url")


@pytest.mark.parametrize(
    ("field", "limit", "make"),
    [
        ("note", MAX_NOTE, lambda n: "n" * n),
        (
            "note_url",
            MAX_NOTE_URL,
            lambda n: "https://example.com/" + "u" * (n - len("https://example.com/")),
        ),
        ("fingerprint", MAX_FINGERPRINT, lambda n: "f" * n),
        ("client_id", 20, lambda n: "c" * n),
        ("client_secret", 40, lambda n: "s" * n),
    ],
)
def test_length_limits(field: str, limit: int, make: Any) -> None:
    assert getattr(CreateAuthorizationBody.model_validate({field: make(limit)}), field) == make(limit)
    assert errors_of(CreateAuthorizationBody, {field: make(limit + 1)}) == invalid(field)


def test_note_length_counts_characters_not_bytes() -> None:
    assert CreateAuthorizationBody.model_validate({"note": "é" * MAX_NOTE}).note == "é" * MAX_NOTE


def test_scope_limits() -> None:
    many = [f"s{i}" for i in range(MAX_SCOPES)]
    assert CreateAuthorizationBody.model_validate({"scopes": many}).scopes == many
    assert errors_of(CreateAuthorizationBody, {"scopes": [*many, "one-more"]}) == invalid("scopes")
    assert CreateAuthorizationBody.model_validate({"scopes": ["s" * MAX_SCOPE]}).scopes == ["s" * MAX_SCOPE]
    assert errors_of(CreateAuthorizationBody, {"scopes": ["s" * (MAX_SCOPE + 1)]}) == invalid("scopes")
    assert errors_of(CreateAuthorizationBody, {"scopes": [""]}) == invalid("scopes")


def test_several_wrong_fields_give_one_error_each() -> None:
    errors = errors_of(CreateAuthorizationBody, {"note": 1, "scopes": [1, 2, 3], "note_url": "nope"})

    assert sorted(errors, key=lambda e: e.field) == [
        FieldError("note", ErrorCode.INVALID),
        FieldError("note_url", ErrorCode.INVALID),
        FieldError("scopes", ErrorCode.INVALID),
    ]


# get-or-create ----------------------------------------------------------------------------------------------


def test_get_or_create_needs_a_client_secret() -> None:
    assert errors_of(GetOrCreateBody, {}) == [FieldError("client_secret", ErrorCode.MISSING_FIELD)]
    assert errors_of(GetOrCreateBody, {"client_secret": ""}) == invalid("client_secret")
    assert errors_of(GetOrCreateBody, {"client_secret": None}) == invalid("client_secret")
    assert errors_of(GetOrCreateBody, {"client_secret": "s" * 41}) == invalid("client_secret")


def test_get_or_create_body() -> None:
    body = GetOrCreateBody.model_validate(
        {"client_secret": "secret", "scopes": ["repo"], "note": "", "note_url": "", "fingerprint": "fp"}
    )

    assert (body.client_secret, body.scopes, body.note, body.note_url, body.fingerprint) == (
        "secret",
        ["repo"],
        None,
        None,
        "fp",
    )


# update -----------------------------------------------------------------------------------------------------


def test_update_records_which_fields_were_null() -> None:
    body = UpdateAuthorizationBody.model_validate({"note_url": None, "fingerprint": None, "note": "kept"})

    assert body.cleared == frozenset({"note_url", "fingerprint"})
    assert body.note == "kept"
    assert body.note_url is None


def test_update_absent_and_empty_fields_clear_nothing() -> None:
    assert UpdateAuthorizationBody.model_validate({}).cleared == frozenset()
    assert UpdateAuthorizationBody.model_validate({"note_url": "", "fingerprint": ""}).cleared == frozenset()


def test_update_null_note_is_recorded() -> None:
    assert UpdateAuthorizationBody.model_validate({"note": None}).cleared == frozenset({"note"})


def test_a_client_cannot_send_cleared_itself() -> None:
    body = UpdateAuthorizationBody.model_validate({"cleared": ["note", "note_url", "fingerprint"]})

    assert body.cleared == frozenset()


def test_null_scopes_are_not_a_cleared_field() -> None:
    body = UpdateAuthorizationBody.model_validate({"scopes": None})

    assert body.cleared == frozenset()
    assert body.scope_fields_given() == []


@pytest.mark.parametrize(
    ("data", "given"),
    [
        ({}, []),
        ({"scopes": []}, ["scopes"]),
        ({"add_scopes": ["repo"]}, ["add_scopes"]),
        ({"remove_scopes": ["repo"]}, ["remove_scopes"]),
        ({"scopes": ["a"], "add_scopes": ["b"]}, ["scopes", "add_scopes"]),
        (
            {"scopes": ["a"], "add_scopes": ["b"], "remove_scopes": ["c"]},
            ["scopes", "add_scopes", "remove_scopes"],
        ),
    ],
)
def test_scope_fields_given(data: dict[str, Any], given: list[str]) -> None:
    assert UpdateAuthorizationBody.model_validate(data).scope_fields_given() == given


def test_update_cleared_is_not_output() -> None:
    assert "cleared" not in UpdateAuthorizationBody.model_validate({"note": None}).model_dump()


def test_update_types_are_strict() -> None:
    assert errors_of(UpdateAuthorizationBody, {"add_scopes": "repo"}) == invalid("add_scopes")
    assert errors_of(UpdateAuthorizationBody, {"remove_scopes": [3]}) == invalid("remove_scopes")
    assert errors_of(UpdateAuthorizationBody, {"note_url": "ftp://x"}) == invalid("note_url")


def test_validation_errors_never_carry_the_input() -> None:
    secret = "3ef4ad510c59b0a3fe9d5c4c2a7f1e0d1a2b3c4d-too-long"
    failure = validation_failed(_error_for({"client_secret": secret}))

    assert failure.errors == invalid("client_secret")
    assert secret not in repr(failure.errors)


def _error_for(data: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        CreateAuthorizationBody.model_validate(data)
    return raised.value
