"""`oauth_authz.service.developer_apps`: the registration form's checks, in GitHub's words."""

from __future__ import annotations

import pytest

from oauth_authz.errors import ValidationFailed
from oauth_authz.service.app_registry import AppFields
from oauth_authz.service.developer_apps import checked_fields

GOOD = {"name": " Octo ", "url": "https://octo.example.com", "callback_url": "http://127.0.0.1/cb"}


def refusals(form: dict[str, str]) -> dict[str, str | None]:
    with pytest.raises(ValidationFailed) as refused:
        checked_fields(form, False, False)
    return {error.field: error.message for error in refused.value.errors}


def test_good_fields_are_an_apps() -> None:
    assert checked_fields(GOOD, True, False) == AppFields(
        "Octo", "https://octo.example.com", "http://127.0.0.1/cb", True, False
    )


def test_blank_fields_are_named() -> None:
    assert refusals({}) == {
        "name": "Application name can't be blank",
        "url": "Homepage URL can't be blank",
        "callback_url": "Authorization callback URL can't be blank",
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("url", "ftp://octo.example.com", "Homepage URL must be a valid URL"),
        ("url", "https://" + "a" * 2050, "Homepage URL must be a valid URL"),
        ("callback_url", "https://u@octo.example.com/cb", "Authorization callback URL must be a valid URL"),
        ("callback_url", "https://octo.example.com/cb#x", "Authorization callback URL must be a valid URL"),
        ("name", "x" * 256, "Application name is too long (maximum is 255 characters)"),
        ("name", "bad\x00name", "Application name is invalid"),
    ],
)
def test_a_wrong_field_is_refused(field: str, value: str, message: str) -> None:
    assert refusals({**GOOD, field: value}) == {field: message}
