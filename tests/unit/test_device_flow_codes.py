"""The device flow's user codes (service/device_flow.py): the alphabet, and the forms a user may type."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oauth_authz.service.device_flow import USER_CODE_ALPHABET, normalised_user_code


def test_the_alphabet_has_no_vowels_and_no_look_alikes() -> None:
    assert len(USER_CODE_ALPHABET) == 20
    assert not set(USER_CODE_ALPHABET) & set("AEIOUY")  # no vowels: no words, no O (for 0) or I (for 1)
    assert USER_CODE_ALPHABET.isupper() and USER_CODE_ALPHABET.isalpha()  # no digits to mistake for letters


@pytest.mark.parametrize(
    "typed", ["WDJB-MJHT", "wdjb-mjht", "WDJBMJHT", "wdjbmjht", " WDJB MJHT ", "Wdjb-mJht"]
)
def test_any_case_with_or_without_the_hyphen(typed: str) -> None:
    assert normalised_user_code(typed) == "WDJBMJHT"


@pytest.mark.parametrize(
    "typed", ["", "WDJB-MJH", "WDJB-MJHTX", "WDJB-MJH0", "AEIO-UAEI", "WDJB_MJHT", "ＷDJB-MJHT"]
)
def test_what_cannot_be_a_user_code(typed: str) -> None:
    assert normalised_user_code(typed) is None


@given(st.text(max_size=40))
def test_anything_typed_is_a_code_of_the_alphabet_or_none(typed: str) -> None:
    code = normalised_user_code(typed)
    assert code is None or (len(code) == 8 and set(code) <= set(USER_CODE_ALPHABET))
