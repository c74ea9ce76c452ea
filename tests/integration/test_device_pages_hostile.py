"""Hostile input on the device pages (`GET /login/device`, `POST /login/device`, `POST /login/device/
authorize`), each function run on its event with what hypothesis makes of the form, the cookie and the
body's encoding, with the signed-in session's CSRF token half the time and the live request's user code in
some examples: never a 5xx, HTML with the pages' headers, a redirect only inside the site, and the table
stays whole."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oauth_authz.models.domain import DeviceRequest, User
from oauth_authz.service.sessions import csrf_token
from tests.integration.test_device_pages import device_request
from tests.integration.test_page_events import signed_in
from tests.integration.test_page_hostile import (
    FIXTURES_OK,
    Handlers,
    _assert_answer,
    _body,
    _event,
    call,
    cookies,
)
from tests.support.data import EVENT_SESSION_ID
from tests.support.invariants import assert_table_invariants
from tests.support.page_events import EVENT_USER_CODE
from tests.support.tables import TableView

__all__ = ["call", "device_request", "signed_in"]  # the fixtures, shared

pytestmark = pytest.mark.reliability

NAMES = ["user-code", "authorize", "authenticity_token", "client_id", "x"]
values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        ["", EVENT_USER_CODE, "wdjbmjht", "WDJB-MJH", "1", "0", "2", "\x00", "%00", "a" * 3000, "BCDF-GHJK"]
    ),
)
forms = st.dictionaries(st.sampled_from(NAMES), values, max_size=6)
shapes = st.sampled_from(["form", "base64", "bad-base64", "raw"])


@FIXTURES_OK
@given(
    cookie=cookies, query=st.one_of(st.none(), st.dictionaries(st.text(max_size=10), st.text(max_size=30)))
)
def test_the_code_page_never_faults(
    call: Handlers, signed_in: User, table: TableView, cookie: str | None, query: dict[str, str] | None
) -> None:
    _assert_answer(call("device_page", _event("device_page", cookie, query, None, False)))
    assert_table_invariants(table)


@FIXTURES_OK
@given(form=forms, cookie=cookies, shape=shapes, raw=st.text(max_size=200), with_token=st.booleans())
def test_the_code_entry_never_faults(
    call: Handlers,
    signed_in: User,
    device_request: DeviceRequest,
    table: TableView,
    form: dict[str, str],
    cookie: str | None,
    shape: str,
    raw: str,
    with_token: bool,
) -> None:
    if with_token:
        form = {**form, "authenticity_token": csrf_token(EVENT_SESSION_ID)}
    body, b64 = _body(form, shape, raw)
    _assert_answer(call("device_entry", _event("device_entry", cookie, None, body, b64)))
    assert_table_invariants(table)


@FIXTURES_OK
@given(form=forms, cookie=cookies, shape=shapes, raw=st.text(max_size=200), with_token=st.booleans())
def test_the_decision_never_faults(
    call: Handlers,
    signed_in: User,
    device_request: DeviceRequest,
    table: TableView,
    form: dict[str, str],
    cookie: str | None,
    shape: str,
    raw: str,
    with_token: bool,
) -> None:
    if with_token:
        form = {**form, "authenticity_token": csrf_token(EVENT_SESSION_ID)}
    body, b64 = _body(form, shape, raw)
    answer: dict[str, Any] = call("device_decision", _event("device_decision", cookie, None, body, b64))
    _assert_answer(answer)
    assert_table_invariants(table)
