"""`oauth_authz.web.developer_views`: the form's values (given, the app's, or empty) and refusals."""

from __future__ import annotations

from datetime import UTC, datetime

from oauth_authz.errors import ErrorCode, FieldError, ValidationFailed
from oauth_authz.models.domain import App, ClientSecret
from oauth_authz.web.developer_views import checkboxes, field_errors, form_values, secret_row

T0 = datetime(2026, 1, 2, tzinfo=UTC)
APP = App("cid", 1, "Octo", "https://o.example", T0, (ClientSecret(1, "h", None, T0),), "https://o.example/cb",
          device_flow=True)  # fmt: skip


def test_the_form_shows_what_was_given_else_the_app_else_nothing() -> None:
    given = {"name": "New", "url": "x", "callback_url": "y", "expiring_tokens": "1"}
    assert form_values(APP, given) == {
        "name": "New", "url": "x", "callback_url": "y", "device_flow": False, "expiring_tokens": True,
    }  # fmt: skip
    assert form_values(APP, None)["device_flow"] is True and form_values(APP, None)["name"] == "Octo"
    assert form_values(None, None) == {
        "name": "", "url": "", "callback_url": "", "device_flow": False, "expiring_tokens": False,
    }  # fmt: skip


def test_one_refusal_per_field_the_first() -> None:
    refused = ValidationFailed(
        FieldError("name", ErrorCode.INVALID, "first"), FieldError("name", ErrorCode.INVALID, "second")
    )
    assert field_errors(refused) == {"name": "first"} and field_errors(None) == {}


def test_a_box_is_ticked_only_when_sent_as_1() -> None:
    assert checkboxes({"device_flow": "1", "expiring_tokens": "on"}) == (True, False)


def test_a_secret_is_shown_by_its_last_eight_and_its_day() -> None:
    added = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert secret_row(ClientSecret(2, "h" * 64, "a1e93feb", added)) == {
        "id": 2,
        "shown": "*****a1e93feb",
        "created": "Nov 30, 2026",
    }
    assert secret_row(ClientSecret(1, "h" * 64, None, added))["shown"] == "*****"  # stored before last eight
