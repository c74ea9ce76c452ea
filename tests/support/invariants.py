"""Invariants of the single table (docs/design.md, "Table"), checked over a full scan after a scenario.

- every authorization has its token copy (identical attributes), its id guard and its claim (note for a
  personal token, fingerprint for an app token); every token copy and claim points at a live authorization
  that holds it; id guards outlive their authorization (until their TTL, a day after creation);
- every grant entry matches an app authorization of that user and app (same scopes and expiry), and every
  live app authorization has its entry (a grant whose tokens all expired is replaced by a fresh one, and the
  expired tokens wait for TTL outside it); every grant has its id guard and every grant id guard its grant;
- a web flow code is stored by its SHA-256 only, with a TTL at its expiry, ten minutes after it was made;
  once exchanged it names the authorization it gave (which may since have been revoked);
- a refresh token is stored by its SHA-256 only, with a TTL at its expiry; every refresh family a grant holds
  points at an unspent refresh token of that family, user and app, and at its access token (or at nothing,
  once that expired); a live expiring token's family is in its grant and points at it;
- a device flow request and its user code are stored by their SHA-256 only, with a TTL at their expiry,
  fifteen minutes after they were made; each points at the other;
- a web session is stored by the SHA-256 of its id only, with a TTL at its expiry, at most 8 hours on,
  for a user (by id and login);
- every user profile has its user id guard and the other way round;
- no item of an unknown shape;
- no plaintext secret anywhere (`assert_no_secrets`).

`assert_invariants(source)` is the one entry point the fault, race and crash tests call: `source` is a moto
`TableView` or the raw items of a running server's table (DynamoDB's wire format, `e2e_auth.table_items`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from oauth_authz import clock
from oauth_authz.clock import parse_iso
from tests.support.tables import TableView, plain

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_KEY_SHAPES = [
    (re.compile(r"^LOGIN#[^A-Z]+$"), re.compile(r"^USER$"), "User"),
    (re.compile(r"^USERID#\d+$"), re.compile(r"^USERID$"), None),
    (re.compile(r"^LOGINFAIL#[^A-Z]+$"), re.compile(r"^LOGINFAIL$"), "FailedLogins"),
    (re.compile(r"^APP#.+$"), re.compile(r"^APP$"), "App"),
    (re.compile(r"^USER#\d+$"), re.compile(r"^AUTH#\d{16}$"), "Authorization"),
    (re.compile(r"^TOKEN#[0-9a-f]{64}$"), re.compile(r"^TOKEN$"), "Token"),
    (re.compile(r"^AUTHID#\d+$"), re.compile(r"^AUTHID$"), None),
    (re.compile(r"^USER#\d+$"), re.compile(r"^FP#[^#]+#(-|[0-9a-f]{64})$"), "FingerprintClaim"),
    (re.compile(r"^USER#\d+$"), re.compile(r"^NOTE#[0-9a-f]{64}$"), "NoteClaim"),
    (re.compile(r"^USER#\d+$"), re.compile(r"^WEB#[^#]+#\d{16}$"), "WebFlowClaim"),
    (re.compile(r"^CODE#[0-9a-f]{64}$"), re.compile(r"^CODE$"), "AuthorizationCode"),
    (re.compile(r"^SESSION#[0-9a-f]{64}$"), re.compile(r"^SESSION$"), "Session"),
    (re.compile(r"^USER#\d+$"), re.compile(r"^GRANT#.+$"), "Grant"),
    (re.compile(r"^USER#\d+$"), re.compile(r"^SESSION#[0-9a-f]{64}$"), "SessionRef"),
    (re.compile(r"^USER#\d+$"), re.compile(r"^OWNEDAPP#.+$"), "OwnedApp"),
    (re.compile(r"^GRANTID#\d+$"), re.compile(r"^GRANTID$"), None),
    (re.compile(r"^REFRESH#[0-9a-f]{64}$"), re.compile(r"^REFRESH$"), "RefreshToken"),
    (re.compile(r"^DEVICE#[0-9a-f]{64}$"), re.compile(r"^DEVICE$"), "DeviceRequest"),
    (re.compile(r"^USERCODE#[0-9a-f]{64}$"), re.compile(r"^USERCODE$"), "UserCode"),
    (re.compile(r"^USERCODEFAIL#\d+$"), re.compile(r"^USERCODEFAIL$"), "UserCodeAttempts"),
]
_KEY_ATTRIBUTES = {"PK", "SK", "Type"}


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _claim_key(auth: dict[str, Any]) -> tuple[str, str]:
    partition = f"USER#{auth['user_id']}"
    if "client_id" not in auth:
        return partition, f"NOTE#{_sha256(auth['note'])}"
    fingerprint = auth.get("fingerprint")
    if auth.get("web_flow") is True and fingerprint is None:
        return partition, f"WEB#{auth['client_id']}#{auth['id']:016d}"
    suffix = "-" if fingerprint is None else _sha256(fingerprint)
    return partition, f"FP#{auth['client_id']}#{suffix}"


# Kept on the token's own item only (a token's last use, written by the authorizer at most once an hour).
_TOKEN_ONLY = {"last_used_at"}


def _body(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _KEY_ATTRIBUTES and k not in _TOKEN_ONLY}


def table_problems(items: Iterable[dict[str, Any]], now: datetime | None = None) -> list[str]:
    """Every broken invariant, as a sentence (empty when the table is consistent at `now`)."""
    by_key = {(item["PK"], item["SK"]): item for item in items}
    problems: list[str] = []

    for (pk, sk), item in by_key.items():
        shapes = [kind for p, s, kind in _KEY_SHAPES if p.match(pk) and s.match(sk)]
        if not shapes:
            problems.append(f"item of unknown shape {pk} {sk}")
        elif item.get("Type") not in shapes:
            problems.append(f"{pk} {sk}: Type {item.get('Type')!r}, expected {shapes}")

    authorizations = {k: v for k, v in by_key.items() if v.get("Type") == "Authorization"}
    for (pk, sk), auth in authorizations.items():
        where = f"authorization {auth.get('id')} of user {auth.get('user_id')}"
        if (pk, sk) != (f"USER#{auth['user_id']}", f"AUTH#{auth['id']:016d}"):
            problems.append(f"{where}: stored under {pk} {sk}")
        if not _HEX64.match(auth.get("hashed_token", "")) or len(auth.get("token_last_eight", "")) != 8:
            problems.append(f"{where}: hashed_token/token_last_eight malformed")
        if ("expires_at" in auth) != ("expires_ttl" in auth):
            problems.append(f"{where}: expires_at and expires_ttl disagree")
        token = by_key.get((f"TOKEN#{auth['hashed_token']}", "TOKEN"))
        if token is None:
            problems.append(f"{where}: no token copy")
        elif _body(token) != _body(auth):
            problems.append(f"{where}: token copy differs: {_body(token)} != {_body(auth)}")
        guard = by_key.get((f"AUTHID#{auth['id']}", "AUTHID"))
        if guard is None or guard.get("user_id") != auth["user_id"]:
            problems.append(f"{where}: no id guard for this user")
        expired = now is not None and "expires_at" in auth and parse_iso(auth["expires_at"]) <= now
        claim = by_key.get(_claim_key(auth))
        # An expired token's claim may have been taken by a new token (its items wait for TTL).
        if not expired and (claim is None or claim.get("auth_id") != auth["id"]):
            problems.append(f"{where}: claim {_claim_key(auth)} missing or held by another ({claim})")
        if "client_id" in auth and not expired:
            grant = by_key.get((f"USER#{auth['user_id']}", f"GRANT#{auth['client_id']}"))
            entry = None if grant is None else grant.get("auths", {}).get(str(auth["id"]))
            if entry is None:
                problems.append(f"{where}: no entry in the grant of {auth['client_id']}")
            elif entry.get("scopes") != auth["scopes"] or entry.get("expires_at") != auth.get("expires_at"):
                problems.append(f"{where}: grant entry {entry} does not match")
            family = None if grant is None or "family" not in auth else grant.get(f"family:{auth['family']}")
            if "family" in auth and (family is None or family.get("auth_id") != auth["id"]):
                problems.append(f"{where}: its refresh family {auth['family']} is not in its grant at it")

    def live(user_id: Any, auth_id: Any) -> dict[str, Any] | None:
        if not isinstance(auth_id, int):
            return None
        return authorizations.get((f"USER#{user_id}", f"AUTH#{auth_id:016d}"))

    for (pk, sk), item in by_key.items():
        kind = item.get("Type")
        if kind == "Token":
            held = live(item.get("user_id"), item.get("id"))
            if held is None or pk != f"TOKEN#{held['hashed_token']}":
                problems.append(f"token copy {pk} points at no live authorization")
        elif pk.startswith("AUTHID#"):
            # A guard outlives its authorization (deletes leave it) until its TTL, a day after its creation.
            if "expires_ttl" not in item:
                problems.append(f"id guard {pk} has no TTL")
        elif kind == "AuthorizationCode":
            problems += _code_problems(pk, item)
        elif kind == "RefreshToken":
            if item.get("expires_ttl") != int(parse_iso(item["expires_at"]).timestamp()):
                problems.append(f"refresh token {pk}: TTL {item.get('expires_ttl')} is not its expiry")
        elif kind in ("DeviceRequest", "UserCode"):
            problems += _device_problems(pk, item, by_key)
        elif kind == "Session":
            problems += _session_problems(pk, item, now)
            ref = by_key.get((f"USER#{item.get('user_id')}", pk))
            if (
                ref is None
                or ref.get("Type") != "SessionRef"
                or ref.get("expires_ttl") != item.get("expires_ttl")
            ):
                problems.append(f"session {pk}: no reference in its user's partition with its TTL ({ref})")
        elif kind == "SessionRef":
            # A session ended otherwise (sign-out, replaced) leaves its reference until its TTL.
            if set(item) != {"PK", "SK", "Type", "expires_ttl"}:
                problems.append(f"session reference {pk} {sk}: attributes {sorted(item)}")
        elif kind in ("NoteClaim", "FingerprintClaim", "WebFlowClaim"):
            user_id = pk.removeprefix("USER#")
            held = live(int(user_id), item.get("auth_id"))
            if held is None or _claim_key(held) != (pk, sk):
                problems.append(f"claim {pk} {sk} points at no live authorization that holds it")
        elif kind == "Grant":
            problems += _family_problems(item, by_key)
            for auth_id, entry in (item.get("auths") or {}).items():
                held = live(item.get("user_id"), int(auth_id))
                if held is None or held.get("client_id") != item.get("client_id"):
                    problems.append(f"grant {pk} {sk}: entry {auth_id} {entry} has no app authorization")
            if (pk, sk) != (f"USER#{item.get('user_id')}", f"GRANT#{item.get('client_id')}"):
                problems.append(f"grant {item.get('id')} stored under {pk} {sk}")
            guard = by_key.get((f"GRANTID#{item.get('id')}", "GRANTID"))
            if guard is None or guard.get("user_id") != item.get("user_id"):
                problems.append(f"grant {pk} {sk}: no grant id guard")
        elif pk.startswith("GRANTID#"):
            grant_id = int(pk.removeprefix("GRANTID#"))
            if not any(
                g.get("Type") == "Grant"
                and g.get("id") == grant_id
                and g.get("user_id") == item.get("user_id")
                for g in by_key.values()
            ):
                problems.append(f"grant id guard {pk} points at no grant")
        elif kind == "User":
            guard = by_key.get((f"USERID#{item.get('id')}", "USERID"))
            if guard is None or guard.get("login") != item.get("login"):
                problems.append(f"user {item.get('login')}: no user id guard")
            if pk != f"LOGIN#{str(item.get('login')).lower()}":
                problems.append(f"user {item.get('login')} stored under {pk}")
        elif pk.startswith("USERID#"):
            user = by_key.get((f"LOGIN#{str(item.get('login')).lower()}", "USER"))
            if user is None or f"USERID#{user.get('id')}" != pk:
                problems.append(f"user id guard {pk} points at no user")
        elif kind in ("App", "OwnedApp"):
            problems += _app_problems(pk, sk, item, by_key)
    return problems


def _app_problems(pk: str, sk: str, item: dict[str, Any], by_key: dict[Any, dict[str, Any]]) -> list[str]:
    """An owned app and its owner's reference go together; an app holds one or two secrets, and its
    `secret_hash` (what the previous version reads) is the oldest one's."""
    if item.get("Type") == "OwnedApp":
        app = by_key.get((f"APP#{item.get('owned_client_id')}", "APP"))
        if app is None or f"USER#{app.get('owner_id')}" != pk or sk != f"OWNEDAPP#{app.get('client_id')}":
            return [f"owned app reference {pk} {sk} points at no app of that owner"]
        return []
    problems = []
    secrets = item.get("secrets")
    if secrets is not None and not (1 <= len(secrets) <= 2 and secrets[0]["hash"] == item["secret_hash"]):
        problems.append(f"app {pk}: {len(secrets)} secrets, or secret_hash is not the oldest's")
    if "owner_id" in item and (f"USER#{item['owner_id']}", f"OWNEDAPP#{item['client_id']}") not in by_key:
        problems.append(f"app {pk}: its owner has no reference to it")
    return problems


def assert_table_invariants(table: TableView) -> None:
    """The invariants at the service's idea of now (a test's frozen clock included)."""
    assert_invariants(table)


def plain_items(source: TableView | Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every item as plain Python, from a moto table or from raw (wire format) items."""
    if isinstance(source, TableView):
        return source.items()
    return [{k: plain(v) if isinstance(v, dict) else v for k, v in item.items()} for item in source]


def assert_invariants(source: TableView | Iterable[dict[str, Any]], now: datetime | None = None) -> None:
    """Every invariant of SPEC section 4 over a full scan, at `now` (default: the service's clock)."""
    problems = table_problems(plain_items(source), now or clock.now())
    assert not problems, "table invariants broken:\n" + "\n".join(problems)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            yield from _strings(inner)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for inner in value:
            yield from _strings(inner)
    elif isinstance(value, bytes):
        yield value.decode("utf-8", errors="replace")
    elif value is not None:
        yield str(value)


def secret_hits(table: TableView, secrets: Iterable[str]) -> list[str]:
    """Where any of `secrets` occurs in any attribute (name or value, raw attribute values) of any item."""
    wanted = [s for s in secrets if s]
    hits = []
    for item in table.raw_items():
        for text in _strings(item):
            hits += [f"{item['PK']['S']} {item['SK']['S']}" for secret in wanted if secret in text]
    return hits


def assert_no_secrets(table: TableView, secrets: Iterable[str]) -> None:
    secrets = list(secrets)
    assert secrets, "no secrets given: the check would prove nothing"
    hits = secret_hits(table, secrets)
    assert not hits, f"plaintext secrets stored in: {hits}"


def _code_problems(pk: str, code: dict[str, Any]) -> list[str]:
    problems = []
    created, expires = parse_iso(code["created_at"]), parse_iso(code["expires_at"])
    if (expires - created).total_seconds() != 600:
        problems.append(f"code {pk}: lives {expires - created}, not 10 minutes")
    if code.get("expires_ttl") != int(expires.timestamp()):
        problems.append(f"code {pk}: TTL {code.get('expires_ttl')} is not its expiry")
    if not isinstance(code.get("user_id"), int) or not code.get("client_id") or "code" in code:
        problems.append(f"code {pk}: not bound to a user and an app, or holding a plaintext")
    if "issued_auth_id" in code and not isinstance(code["issued_auth_id"], int):
        problems.append(f"code {pk}: issued_auth_id {code['issued_auth_id']!r}")
    return problems


def _family_problems(grant: dict[str, Any], by_key: dict[tuple[str, str], Any]) -> list[str]:
    problems = []
    for name, family in grant.items():
        if not name.startswith("family:"):
            continue
        where = f"grant {grant['SK']} of user {grant.get('user_id')}: family {name}"
        token = by_key.get((f"REFRESH#{family.get('refresh_hash')}", "REFRESH"))
        if token is None or "spent_at" in token:
            problems.append(f"{where}: its refresh token is missing or spent")
        elif (token.get("family"), token.get("user_id"), token.get("client_id"), token.get("auth_id")) != (
            name.removeprefix("family:"),
            grant.get("user_id"),
            grant.get("client_id"),
            family.get("auth_id"),
        ):
            problems.append(f"{where}: its refresh token {token} belongs elsewhere")
        auth = by_key.get((f"USER#{grant.get('user_id')}", f"AUTH#{family.get('auth_id'):016d}"))
        # (its access token's items may be gone: TTL takes them once it expired)
        if auth is not None and auth.get("family") != name.removeprefix("family:"):
            problems.append(f"{where}: its access token is of another family")
    return problems


def _device_problems(pk: str, item: dict[str, Any], by_key: dict[tuple[str, str], Any]) -> list[str]:
    problems = []
    if "user_code" in item or "device_code" in item:
        problems.append(f"{pk}: holds a plaintext code")
    if item.get("Type") == "UserCode":
        device = by_key.get((f"DEVICE#{item.get('device_code_hash')}", "DEVICE"))
        if device is None or f"USERCODE#{device.get('user_code_hash')}" != pk:
            problems.append(f"user code {pk} points at no request that names it")
        return problems
    created, expires = parse_iso(item["created_at"]), parse_iso(item["expires_at"])
    if (expires - created).total_seconds() != 900:
        problems.append(f"device request {pk}: lives {expires - created}, not 15 minutes")
    if item.get("expires_ttl") != int(expires.timestamp()):
        problems.append(f"device request {pk}: TTL {item.get('expires_ttl')} is not its expiry")
    if item.get("status") not in ("pending", "approved", "denied"):
        problems.append(f"device request {pk}: status {item.get('status')!r}")
    if item.get("status") != "pending" and not isinstance(item.get("user_id"), int):
        problems.append(f"device request {pk}: answered by no user")
    if "issued_auth_id" in item and item.get("status") != "approved":
        problems.append(f"device request {pk}: a token issued without an approval")
    return problems


def _session_problems(pk: str, session: dict[str, Any], now: datetime | None) -> list[str]:
    problems = []
    expires = parse_iso(session["expires_at"])
    if session.get("expires_ttl") != int(expires.timestamp()):
        problems.append(f"session {pk}: TTL {session.get('expires_ttl')} is not its expiry")
    if now is not None and (expires - now).total_seconds() > 8 * 3600:
        problems.append(f"session {pk}: expires {expires}, more than 8 hours on")
    if not isinstance(session.get("user_id"), int) or not session.get("login"):
        problems.append(f"session {pk}: not a user's")
    if set(session) - {
        "PK",
        "SK",
        "Type",
        "user_id",
        "login",
        "pending_two_factor",
        "expires_at",
        "expires_ttl",
    }:
        problems.append(f"session {pk}: unexpected attributes {sorted(session)}")
    return problems
