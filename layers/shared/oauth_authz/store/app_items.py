"""OAuth app items <-> `App` (apart from `items.py` to keep each module short).

The app item keeps `secret_hash` (the oldest secret's hash) beside the `secrets` list: a function of the
previous version running during a deploy reads only `secret_hash`, and items written by earlier versions have
only it (read as one secret). `revision` is absent on old items (read as 0). An app registered on
/settings/developers has `owner_id`; its owner's partition holds a reference to it (`keys.owned_app_key`).
"""

from __future__ import annotations

from dataclasses import replace

from oauth_authz.clock import iso, parse_iso
from oauth_authz.models.domain import App, ClientSecret
from oauth_authz.store import keys
from oauth_authz.store.items import Item, _flag, _get_n, _get_s, _optional, key_attributes, number, string


def app_item(app: App) -> Item:
    item: Item = {
        **key_attributes(keys.app_key(app.client_id)),
        "Type": string("App"),
        "id": number(app.id),
        "client_id": string(app.client_id),
        "name": string(app.name),
        "url": string(app.url),
        # The oldest secret's hash, as versions before `secrets` read it (a function of the previous version
        # running during a deploy still checks the first secret).
        "secret_hash": string(app.secrets[0].hash),
        "secrets": {"L": [_secret_item(secret) for secret in app.secrets]},
        "created_at": string(iso(app.created_at)),
        "revision": number(app.revision),
    }
    _optional(item, "callback_url", app.callback_url)
    if app.device_flow:
        item["device_flow"] = {"BOOL": True}
    if app.expiring_tokens:
        item["expiring_tokens"] = {"BOOL": True}
    if app.owner_id is not None:
        item["owner_id"] = number(app.owner_id)
    return item


def _secret_item(secret: ClientSecret) -> dict[str, Item]:
    entry: Item = {
        "id": number(secret.id),
        "hash": string(secret.hash),
        "created_at": string(iso(secret.created_at)),
    }
    _optional(entry, "last_eight", secret.last_eight)
    return {"M": entry}


def _secrets_from_item(item: Item) -> tuple[ClientSecret, ...]:
    """The app's secrets; an item written before `secrets` has only `secret_hash`: one secret (id 1, its last
    eight unknown, as old as the app)."""
    if "secrets" not in item:
        return (ClientSecret(1, item["secret_hash"]["S"], None, parse_iso(item["created_at"]["S"])),)
    return tuple(
        ClientSecret(
            id=_get_n(entry, "id"),
            hash=entry["hash"]["S"],
            last_eight=_get_s(entry, "last_eight"),
            created_at=parse_iso(entry["created_at"]["S"]),
        )
        for entry in (value["M"] for value in item["secrets"]["L"])
    )


def app_from_item(item: Item) -> App:
    return App(
        client_id=item["client_id"]["S"],
        id=_get_n(item, "id"),
        name=item["name"]["S"],
        url=item["url"]["S"],
        created_at=parse_iso(item["created_at"]["S"]),
        secrets=_secrets_from_item(item),
        callback_url=_get_s(item, "callback_url"),
        device_flow=_flag(item, "device_flow"),
        expiring_tokens=_flag(item, "expiring_tokens"),
        owner_id=int(item["owner_id"]["N"]) if "owner_id" in item else None,
        revision=int(item["revision"]["N"]) if "revision" in item else 0,
    )


def owned_app_ref_item(owner_id: int, client_id: str) -> Item:
    """The owner's reference to an app they registered: their owned apps are one Query of their partition."""
    return {
        **key_attributes(keys.owned_app_key(owner_id, client_id)),
        "Type": string("OwnedApp"),
        "owned_client_id": string(client_id),
    }


def with_revision(app: App, revision: int) -> App:
    return replace(app, revision=revision)
