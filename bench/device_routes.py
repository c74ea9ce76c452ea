"""The device flow's and the refresh grant's scenarios (SPEC section 10) for `routes.scenarios()`: the device
code request, a pending poll (one call: the UpdateItem that records it returns the request), the poll that
gets the token and a refresh (one read or update, one transaction)."""

from __future__ import annotations

import json
from typing import Any

from bench import world as w

EventMaker = Any


def _device_app(expiring: bool = False) -> tuple[str, str]:
    from oauth_authz.service.accounts import Accounts
    from oauth_authz.settings import get_settings
    from oauth_authz.store.repository import Repository

    created = Accounts(Repository(get_settings().table_name)).create_app(
        "Bench Device App", "https://bench.example.com", device_flow=True, expiring_tokens=expiring
    )
    return created.app.client_id, created.client_secret


def device_code(world: w.World) -> EventMaker:
    """A device asks for codes: the app (GetItem), then the request and its user code (one transaction)."""
    client_id, _ = _device_app()
    return lambda: w.event("device_code", {}, None, {"client_id": client_id, "scope": "repo"})


def _requested(world: w.World, approve: bool, expiring: bool = False) -> EventMaker:
    from oauth_authz.service import device_flow
    from oauth_authz.token_answers import DeviceCodeResponse

    client_id, _ = _device_app(expiring)
    answer = device_flow.request_codes({"client_id": client_id, "scope": "repo"}, "https://x/login/device")
    assert isinstance(answer, DeviceCodeResponse)  # noqa: S101 - the bench's own set-up
    if approve:
        device_flow.approve(answer.user_code, world.user_id, world.login)
    body = {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "client_id": client_id,
        "device_code": answer.device_code,
    }
    return lambda: w.event("access_token", {}, None, body)


def pending_poll(world: w.World) -> EventMaker:
    """A poll before the user answered: one UpdateItem (records the poll, returns the request)."""
    return _requested(world, approve=False)


def successful_poll(world: w.World) -> EventMaker:
    """The poll after the approval: the UpdateItem, then one transaction (request spent, token made against
    the grant kept at approval, the app checked)."""
    return _requested(world, approve=True, expiring=True)


def refresh(world: w.World) -> EventMaker:
    """A refresh: one BatchGetItem (the refresh token, the app), one transaction (rotation)."""
    from oauth_authz.service import oauth_web_flow
    from oauth_authz.token_answers import TokenResponse

    event = _requested(world, approve=True, expiring=True)()
    params = json.loads(event["body"])
    answer = oauth_web_flow.exchange(params, None)
    assert isinstance(answer, TokenResponse) and answer.refresh_token  # noqa: S101 - the bench's own set-up
    body = {
        "grant_type": "refresh_token",
        "client_id": params["client_id"],
        "refresh_token": answer.refresh_token,
    }
    return lambda: w.event("access_token", {}, None, body)
