"""Stored items <-> domain objects, in DynamoDB's attribute-value format (the low-level client's)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from oauth_authz.clock import iso, parse_iso
from oauth_authz.models.domain import (
    Authorization,
    AuthorizationCode,
    DeviceRequest,
    FailedLogins,
    Grant,
    GrantEntry,
    RefreshFamily,
    RefreshToken,
    User,
)
from oauth_authz.store import keys

Item = dict[str, Any]


def string(value: str) -> dict[str, str]:
    return {"S": value}


def number(value: int) -> dict[str, str]:
    return {"N": str(value)}


def key_attributes(key: dict[str, str]) -> Item:
    """A key (`keys.py`: {"PK": ..., "SK": ...}) as the attributes of an item or a request's `Key`."""
    return {name: string(value) for name, value in key.items()}


def item_type(item: Item) -> str | None:
    """What an item is (`User`, `Authorization`, `Grant`, ...); guards and claims may have none."""
    return _get_s(item, "Type")


def _strings(values: list[str]) -> dict[str, list[dict[str, str]]]:
    return {"L": [string(v) for v in values]}


def _optional(item: Item, name: str, value: str | None) -> None:
    if value is not None:
        item[name] = string(value)


def _get_s(item: Item, name: str) -> str | None:
    value = item.get(name)
    return None if value is None else value["S"]


def _get_n(item: Item, name: str) -> int:
    return int(item[name]["N"])


def _get_strings(item: Item, name: str) -> list[str]:
    return [v["S"] for v in item.get(name, {"L": []})["L"]]


def _get_time(item: Item, name: str) -> datetime | None:
    text = _get_s(item, name)
    return None if text is None else parse_iso(text)


def _ttl(item: Item, expires_at: datetime | None) -> Item:
    """DynamoDB's TTL removes an expired token's items (reads check `expires_at` too: TTL is lazy)."""
    if expires_at is not None:
        item["expires_ttl"] = number(int(expires_at.timestamp()))
    return item


# Users and apps


def user_item(user: User) -> Item:
    item = {
        **key_attributes(keys.login_key(user.login)),
        "Type": string("User"),
        "id": number(user.id),
        "login": string(user.login),
        "password_hash": string(user.password_hash),
        "created_at": string(iso(user.created_at)),
        "totp_last_step": number(user.totp_last_step),
    }
    _optional(item, "totp_sealed", user.totp_sealed)
    _optional(item, "name", user.name)
    _optional(item, "email", user.email)
    _optional(item, "updated_at", None if user.updated_at is None else iso(user.updated_at))
    return item


def user_from_item(item: Item) -> User:
    return User(
        id=_get_n(item, "id"),
        login=item["login"]["S"],
        created_at=parse_iso(item["created_at"]["S"]),
        password_hash=item["password_hash"]["S"],
        totp_sealed=_get_s(item, "totp_sealed"),
        totp_last_step=_get_n(item, "totp_last_step") if "totp_last_step" in item else 0,
        name=_get_s(item, "name"),
        email=_get_s(item, "email"),
        updated_at=_get_time(item, "updated_at"),
    )


def failed_logins_item(login: str, now: int, window: int) -> Item:
    """A login's first failed attempt of a window; gone with DynamoDB's TTL two windows later."""
    return {
        **key_attributes(keys.failed_logins_key(login)),
        "Type": string("FailedLogins"),
        "count": number(1),
        "window_start": number(now),
        "expires_ttl": number(now + 2 * window),
    }


def failed_logins_from_item(item: Item | None) -> FailedLogins:
    if item is None:
        return FailedLogins()
    return FailedLogins(count=_get_n(item, "count"), window_start=_get_n(item, "window_start"))


def user_id_guard_item(user: User) -> Item:
    return {**key_attributes(keys.user_id_key(user.id)), "login": string(user.login)}


def _flag(item: Item, name: str) -> bool:
    return item.get(name, {}).get("BOOL", False) is True


# Authorizations: the item under the user, and its copy under the token's hash


def _authorization_body(auth: Authorization) -> Item:
    body: Item = {
        "id": number(auth.id),
        "user_id": number(auth.user_id),
        "login": string(auth.login),
        "app_name": string(auth.app_name),
        "app_url": string(auth.app_url),
        "scopes": _strings(auth.scopes),
        "hashed_token": string(auth.hashed_token),
        "token_last_eight": string(auth.token_last_eight),
        "created_at": string(iso(auth.created_at)),
        "updated_at": string(iso(auth.updated_at)),
        "version": number(auth.version),
    }
    _optional(body, "client_id", auth.client_id)
    _optional(body, "note", auth.note)
    _optional(body, "note_url", auth.note_url)
    _optional(body, "fingerprint", auth.fingerprint)
    _optional(body, "expires_at", None if auth.expires_at is None else iso(auth.expires_at))
    if auth.web_flow:
        body["web_flow"] = {"BOOL": True}
    _optional(body, "family", auth.family)
    return _ttl(body, auth.expires_at)


def authorization_item(auth: Authorization) -> Item:
    key = keys.authorization_key(auth.user_id, auth.id)
    return {**key_attributes(key), "Type": string("Authorization"), **_authorization_body(auth)}


def token_item(auth: Authorization) -> Item:
    key = keys.token_key(auth.hashed_token)
    return {**key_attributes(key), "Type": string("Token"), **_authorization_body(auth)}


def authorization_from_item(item: Item) -> Authorization:
    return Authorization(
        id=_get_n(item, "id"),
        user_id=_get_n(item, "user_id"),
        login=item["login"]["S"],
        client_id=_get_s(item, "client_id"),
        app_name=item["app_name"]["S"],
        app_url=item["app_url"]["S"],
        scopes=_get_strings(item, "scopes"),
        hashed_token=item["hashed_token"]["S"],
        token_last_eight=item["token_last_eight"]["S"],
        note=_get_s(item, "note"),
        note_url=_get_s(item, "note_url"),
        fingerprint=_get_s(item, "fingerprint"),
        created_at=parse_iso(item["created_at"]["S"]),
        updated_at=parse_iso(item["updated_at"]["S"]),
        expires_at=_get_time(item, "expires_at"),
        version=_get_n(item, "version"),
        web_flow=item.get("web_flow", {}).get("BOOL", False) is True,
        family=_get_s(item, "family"),
        last_used_at=_get_time(item, "last_used_at"),
    )


# Ids grow with time (`oauth_authz.ids`): only ids made in the same millisecond can collide, so an id guard is
# needed while its authorization is created, not after. It is never deleted (a revocation deletes three items
# per token, not four: 30 tokens per transaction) and goes with DynamoDB's TTL a day after its creation.
ID_GUARD_LIFETIME = timedelta(days=1)


def authorization_id_guard_item(auth: Authorization) -> Item:
    key = keys.authorization_id_key(auth.id)
    return _ttl(
        {**key_attributes(key), "user_id": number(auth.user_id)},
        auth.created_at + ID_GUARD_LIFETIME,
    )


def claim_item(auth: Authorization) -> Item:
    """A personal token's note claim or an app token's fingerprint claim (`keys.claim_key`): points at the
    authorization that holds it, and goes with it (TTL) when it expires."""
    kind = "NoteClaim" if auth.client_id is None else "FingerprintClaim"
    if keys.claim_key(auth)["SK"].startswith("WEB#"):
        kind = "WebFlowClaim"
    return _ttl(
        {**key_attributes(keys.claim_key(auth)), "Type": string(kind), "auth_id": number(auth.id)},
        auth.expires_at,
    )


def claim_holder(item: Item | None, now: datetime) -> int | None:
    """The id of the authorization holding a claim; None when there is no claim or it is held by an
    expired token (free to take: its items go with DynamoDB's TTL later)."""
    if item is None:
        return None
    if "expires_ttl" in item and _get_n(item, "expires_ttl") <= now.timestamp():
        return None
    return _get_n(item, "auth_id")


# Grants


def grant_entry_value(entry: GrantEntry) -> dict[str, Item]:
    value: Item = {"scopes": _strings(entry.scopes)}
    _optional(value, "expires_at", None if entry.expires_at is None else iso(entry.expires_at))
    return {"M": value}


FAMILY_PREFIX = "family:"


def family_attribute(family: str) -> str:
    """The grant's attribute holding a refresh family's live end."""
    return FAMILY_PREFIX + family


def family_value(family: RefreshFamily) -> dict[str, Item]:
    return {
        "M": {
            "auth_id": number(family.auth_id),
            "refresh_hash": string(family.refresh_hash),
            "scopes": _strings(family.scopes),
            "expires_at": string(iso(family.expires_at)),
        }
    }


def _family_from_value(value: Item) -> RefreshFamily:
    return RefreshFamily(
        auth_id=_get_n(value, "auth_id"),
        refresh_hash=value["refresh_hash"]["S"],
        scopes=_get_strings(value, "scopes"),
        expires_at=parse_iso(value["expires_at"]["S"]),
    )


def grant_item(grant: Grant) -> Item:
    key = keys.grant_key(grant.user_id, grant.client_id)
    return {
        **key_attributes(key),
        "Type": string("Grant"),
        "id": number(grant.id),
        "user_id": number(grant.user_id),
        "client_id": string(grant.client_id),
        "app_name": string(grant.app_name),
        "app_url": string(grant.app_url),
        "created_at": string(iso(grant.created_at)),
        "updated_at": string(iso(grant.updated_at)),
        "auths": {"M": {str(auth_id): grant_entry_value(e) for auth_id, e in grant.entries.items()}},
        "version": number(grant.version),
        # each family a top-level attribute: a write can add or remove one whatever the grant has
        **{family_attribute(name): family_value(f) for name, f in grant.families.items()},
    }


def grant_from_item(item: Item) -> Grant:
    entries = {
        int(auth_id): GrantEntry(
            scopes=_get_strings(value["M"], "scopes"), expires_at=_get_time(value["M"], "expires_at")
        )
        for auth_id, value in item.get("auths", {"M": {}})["M"].items()
    }
    return Grant(
        id=_get_n(item, "id"),
        user_id=_get_n(item, "user_id"),
        client_id=item["client_id"]["S"],
        app_name=item["app_name"]["S"],
        app_url=item["app_url"]["S"],
        created_at=parse_iso(item["created_at"]["S"]),
        updated_at=parse_iso(item["updated_at"]["S"]),
        entries=entries,
        version=_get_n(item, "version") if "version" in item else 1,
        families={
            name.removeprefix(FAMILY_PREFIX): _family_from_value(value["M"])
            for name, value in item.items()
            if name.startswith(FAMILY_PREFIX)
        },
    )


def grant_id_guard_item(grant: Grant) -> Item:
    key = keys.grant_id_key(grant.id)
    return {**key_attributes(key), "user_id": number(grant.user_id)}


# Web flow codes


def code_item(code: AuthorizationCode) -> Item:
    """A code, gone with DynamoDB's TTL when it expires (reads check `expires_at`: TTL is lazy)."""
    item: Item = {
        **key_attributes(keys.code_key(code.hashed_code)),
        "Type": string("AuthorizationCode"),
        "client_id": string(code.client_id),
        "user_id": number(code.user_id),
        "login": string(code.login),
        "scopes": _strings(code.scopes),
        "created_at": string(iso(code.created_at)),
        "expires_at": string(iso(code.expires_at)),
    }
    _optional(item, "redirect_uri", code.redirect_uri)
    _optional(item, "code_challenge", code.code_challenge)
    if code.offline:
        item["offline"] = {"BOOL": True}
    return _ttl(item, code.expires_at)


def code_from_item(item: Item) -> AuthorizationCode:
    return AuthorizationCode(
        hashed_code=item["PK"]["S"].removeprefix("CODE#"),
        client_id=item["client_id"]["S"],
        user_id=_get_n(item, "user_id"),
        login=item["login"]["S"],
        redirect_uri=_get_s(item, "redirect_uri"),
        scopes=_get_strings(item, "scopes"),
        code_challenge=_get_s(item, "code_challenge"),
        created_at=parse_iso(item["created_at"]["S"]),
        expires_at=parse_iso(item["expires_at"]["S"]),
        issued_auth_id=_get_n(item, "issued_auth_id") if "issued_auth_id" in item else None,
        offline=_flag(item, "offline"),
    )


# Refresh tokens and device flow requests


def refresh_item(token: RefreshToken) -> Item:
    """A refresh token by its hash, gone with DynamoDB's TTL when it expires (six months)."""
    item: Item = {
        **key_attributes(keys.refresh_key(token.hashed_token)),
        "Type": string("RefreshToken"),
        "family": string(token.family),
        "user_id": number(token.user_id),
        "login": string(token.login),
        "client_id": string(token.client_id),
        "scopes": _strings(token.scopes),
        "auth_id": number(token.auth_id),
        "auth_hashed_token": string(token.auth_hashed_token),
        "from_device": {"BOOL": token.from_device},
        "created_at": string(iso(token.created_at)),
        "expires_at": string(iso(token.expires_at)),
    }
    _optional(item, "spent_at", None if token.spent_at is None else iso(token.spent_at))
    return _ttl(item, token.expires_at)


def refresh_from_item(item: Item) -> RefreshToken:
    return RefreshToken(
        hashed_token=item["PK"]["S"].removeprefix("REFRESH#"),
        family=item["family"]["S"],
        user_id=_get_n(item, "user_id"),
        login=item["login"]["S"],
        client_id=item["client_id"]["S"],
        scopes=_get_strings(item, "scopes"),
        auth_id=_get_n(item, "auth_id"),
        auth_hashed_token=item["auth_hashed_token"]["S"],
        from_device=_flag(item, "from_device"),
        created_at=parse_iso(item["created_at"]["S"]),
        expires_at=parse_iso(item["expires_at"]["S"]),
        spent_at=_get_time(item, "spent_at"),
    )


def device_item(request: DeviceRequest) -> Item:
    """A new device flow request, gone with DynamoDB's TTL when its codes expire (15 minutes)."""
    item: Item = {
        **key_attributes(keys.device_key(request.hashed_device_code)),
        "Type": string("DeviceRequest"),
        "user_code_hash": string(request.hashed_user_code),
        "client_id": string(request.client_id),
        "app_name": string(request.app_name),
        "app_url": string(request.app_url),
        "scopes": _strings(request.scopes),
        "offline": {"BOOL": request.offline},
        "created_at": string(iso(request.created_at)),
        "expires_at": string(iso(request.expires_at)),
        "interval": number(request.interval),
        "status": string(request.status),
    }
    return _ttl(item, request.expires_at)


def device_from_item(item: Item) -> DeviceRequest:
    grant = item.get("grant", {}).get("M")
    return DeviceRequest(
        hashed_device_code=item["PK"]["S"].removeprefix("DEVICE#"),
        hashed_user_code=item["user_code_hash"]["S"],
        client_id=item["client_id"]["S"],
        app_name=item["app_name"]["S"],
        app_url=item["app_url"]["S"],
        scopes=_get_strings(item, "scopes"),
        offline=_flag(item, "offline"),
        created_at=parse_iso(item["created_at"]["S"]),
        expires_at=parse_iso(item["expires_at"]["S"]),
        interval=_get_n(item, "interval"),
        status=item["status"]["S"],
        user_id=_get_n(item, "user_id") if "user_id" in item else None,
        login=_get_s(item, "login"),
        grant=grant_from_item(grant) if grant else None,
        issued_auth_id=_get_n(item, "issued_auth_id") if "issued_auth_id" in item else None,
        last_poll=float(item["last_poll"]["N"]) if "last_poll" in item else None,
    )


def user_code_item(request: DeviceRequest) -> Item:
    """A user code (its hash) pointing at its request, gone with it (TTL)."""
    item: Item = {
        **key_attributes(keys.user_code_key(request.hashed_user_code)),
        "Type": string("UserCode"),
        "device_code_hash": string(request.hashed_device_code),
        "client_id": string(request.client_id),
    }
    return _ttl(item, request.expires_at)
