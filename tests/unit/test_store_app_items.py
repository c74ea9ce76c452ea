"""App items: the secrets list beside the legacy `secret_hash`, items of earlier versions, owner, revision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oauth_authz.models.domain import App, ClientSecret
from oauth_authz.store import app_items, items

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
FIRST = ClientSecret(1, "f" * 64, None, T0)
SECOND = ClientSecret(2, "e" * 64, "abcdefgh", T0 + timedelta(days=1))


def test_app_item() -> None:
    app = App(client_id="cid", id=3, name="App", url="https://a.example", created_at=T0, secrets=(FIRST,))

    item = app_items.app_item(app)

    assert item["PK"] == {"S": "APP#cid"}
    assert item["SK"] == {"S": "APP"}
    assert item["Type"] == {"S": "App"}
    assert item["secret_hash"] == {"S": "f" * 64}
    assert item["revision"] == {"N": "0"}
    assert "owner_id" not in item
    assert app_items.app_from_item(item) == app


def test_two_secrets_round_trip_and_secret_hash_stays_the_oldest() -> None:
    """A function of the previous version reads `secret_hash` only: it must be the first secret's."""
    app = App("cid", 3, "App", "https://a.example", T0, (FIRST, SECOND), owner_id=7, revision=4)

    item = app_items.app_item(app)

    assert item["secret_hash"] == {"S": "f" * 64}
    assert item["owner_id"] == {"N": "7"} and item["revision"] == {"N": "4"}
    assert [entry["M"]["id"] for entry in item["secrets"]["L"]] == [{"N": "1"}, {"N": "2"}]
    assert app_items.app_from_item(item) == app


def test_an_item_of_an_earlier_version_reads_as_one_secret_at_revision_zero() -> None:
    item = {
        **items.key_attributes({"PK": "APP#cid", "SK": "APP"}),
        "Type": {"S": "App"},
        "id": {"N": "3"},
        "client_id": {"S": "cid"},
        "name": {"S": "Old"},
        "url": {"S": "https://a.example"},
        "secret_hash": {"S": "d" * 64},
        "created_at": {"S": "2026-01-02T03:04:05Z"},
    }

    app = app_items.app_from_item(item)

    assert app.secrets == (ClientSecret(1, "d" * 64, None, T0),)
    assert (app.revision, app.owner_id) == (0, None)


def test_an_apps_flows_round_trip_and_default_off() -> None:
    app = App("abc", 1, "CLI", "https://cli.example.com", T0, (SECOND,), None, True, True)
    item = app_items.app_item(app)
    assert (item["device_flow"], item["expiring_tokens"]) == ({"BOOL": True}, {"BOOL": True})
    assert app_items.app_from_item(item) == app
    plain = App("abc", 1, "CLI", "https://cli.example.com", T0, (FIRST,))
    assert "device_flow" not in app_items.app_item(plain)  # apps written before read as off
    assert app_items.app_from_item(app_items.app_item(plain)) == plain


def test_the_owners_reference_names_the_app_but_not_as_client_id() -> None:
    """Not `client_id`: the reference is not one of the items the `ByClientId` index lists."""
    ref = app_items.owned_app_ref_item(7, "cid")
    assert (ref["PK"], ref["SK"]) == ({"S": "USER#7"}, {"S": "OWNEDAPP#cid"})
    assert ref["owned_client_id"] == {"S": "cid"} and "client_id" not in ref
