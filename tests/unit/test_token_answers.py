"""The token endpoint's answers (token_answers.py) in the three formats, with SPEC section 10's fields."""

from __future__ import annotations

import json

from oauth_authz.token_answers import (
    DeviceCodeResponse,
    TokenResponse,
    render_token_answer,
    slow_down,
)

PAIR = TokenResponse(
    access_token="gho_x",
    scope="repo",
    expires_in=28800,
    refresh_token="ghr_y",
    refresh_token_expires_in=15897600,
)
CODES = DeviceCodeResponse(
    device_code="3584d83530557fdd1f46af8289938c8ef79f9dc5",
    user_code="WDJB-MJHT",
    verification_uri="https://github.com/login/device",
    expires_in=900,
    interval=5,
)


def test_a_pair_in_the_three_formats() -> None:
    form, form_type = render_token_answer(PAIR, None)
    assert form_type == "application/x-www-form-urlencoded; charset=utf-8"
    assert form == (
        "access_token=gho_x&expires_in=28800&refresh_token=ghr_y&refresh_token_expires_in=15897600"
        "&scope=repo&token_type=bearer"
    )
    body, _ = render_token_answer(PAIR, "application/json")
    assert json.loads(body) == {
        "access_token": "gho_x",
        "token_type": "bearer",
        "scope": "repo",
        "expires_in": 28800,
        "refresh_token": "ghr_y",
        "refresh_token_expires_in": 15897600,
    }
    xml, _ = render_token_answer(PAIR, "application/xml")
    assert xml == (
        "<OAuth><token_type>bearer</token_type><scope>repo</scope><access_token>gho_x</access_token>"
        "<expires_in>28800</expires_in><refresh_token>ghr_y</refresh_token>"
        "<refresh_token_expires_in>15897600</refresh_token_expires_in></OAuth>"
    )


def test_a_token_that_does_not_expire_has_no_expiry_fields() -> None:
    body, _ = render_token_answer(TokenResponse(access_token="gho_x", scope=""), "application/json")
    assert json.loads(body) == {"access_token": "gho_x", "token_type": "bearer", "scope": ""}


def test_the_device_codes_as_githubs_documents_show_them() -> None:
    form, _ = render_token_answer(CODES, None)
    assert form == (
        "device_code=3584d83530557fdd1f46af8289938c8ef79f9dc5&expires_in=900&interval=5&user_code=WDJB-MJHT"
        "&verification_uri=https%3A%2F%2Fgithub.com%2Flogin%2Fdevice"
    )
    xml, _ = render_token_answer(CODES, "application/xml")
    assert xml == (
        "<OAuth><device_code>3584d83530557fdd1f46af8289938c8ef79f9dc5</device_code><user_code>WDJB-MJHT"
        "</user_code><verification_uri>https://github.com/login/device</verification_uri><expires_in>900"
        "</expires_in><interval>5</interval></OAuth>"
    )
    body, _ = render_token_answer(CODES, "application/json")
    assert list(json.loads(body)) == [
        "device_code",
        "user_code",
        "verification_uri",
        "expires_in",
        "interval",
    ]


def test_slow_down_carries_the_new_interval() -> None:
    body, _ = render_token_answer(slow_down(10), "application/json")
    assert json.loads(body)["interval"] == 10
    form, _ = render_token_answer(slow_down(10), None)
    assert form.startswith("error=slow_down&error_description=") and form.endswith("&interval=10")
