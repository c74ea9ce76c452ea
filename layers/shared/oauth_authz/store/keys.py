"""Key builders: pure functions, the one place key formats are written down (see docs/design.md)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oauth_authz.models.domain import Authorization

ID_WIDTH = 16  # 2^53 has 16 digits: zero padding keeps sort keys in numeric order


def _digest(text: str) -> str:
    """User-given text goes into keys hashed: any length, any character, fixed size."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def login_key(login: str) -> dict[str, str]:
    return {"PK": f"LOGIN#{login.lower()}", "SK": "USER"}


def failed_logins_key(login: str) -> dict[str, str]:
    """Failed attempts are counted per login, known or not: a lockout must not tell which logins exist."""
    return {"PK": f"LOGINFAIL#{login.lower()}", "SK": "LOGINFAIL"}


def user_id_key(user_id: int) -> dict[str, str]:
    return {"PK": f"USERID#{user_id}", "SK": "USERID"}


def app_key(client_id: str) -> dict[str, str]:
    return {"PK": f"APP#{client_id}", "SK": "APP"}


def user_partition(user_id: int) -> str:
    return f"USER#{user_id}"


OWNED_APP_PREFIX = "OWNEDAPP#"


def owned_app_key(owner_id: int, client_id: str) -> dict[str, str]:
    """An owner's reference to an app they registered (/settings/developers lists these, no Scan)."""
    return {"PK": user_partition(owner_id), "SK": f"{OWNED_APP_PREFIX}{client_id}"}


AUTH_PREFIX = "AUTH#"
GRANT_PREFIX = "GRANT#"


def authorization_key(user_id: int, auth_id: int) -> dict[str, str]:
    return {"PK": user_partition(user_id), "SK": f"{AUTH_PREFIX}{auth_id:0{ID_WIDTH}d}"}


def authorization_id_key(auth_id: int) -> dict[str, str]:
    return {"PK": f"AUTHID#{auth_id}", "SK": "AUTHID"}


def token_key(hashed_token: str) -> dict[str, str]:
    return {"PK": f"TOKEN#{hashed_token}", "SK": "TOKEN"}


def fingerprint_key(user_id: int, client_id: str, fingerprint: str | None) -> dict[str, str]:
    """(user, app, fingerprint) is unique; an absent fingerprint is its own value."""
    suffix = "-" if fingerprint is None else _digest(fingerprint)
    return {"PK": user_partition(user_id), "SK": f"FP#{client_id}#{suffix}"}


def note_key(user_id: int, note: str) -> dict[str, str]:
    """A personal token's note is unique among the user's personal tokens."""
    return {"PK": user_partition(user_id), "SK": f"NOTE#{_digest(note)}"}


def web_flow_key(user_id: int, client_id: str, auth_id: int) -> dict[str, str]:
    """A web flow token's own claim: a user may hold several tokens of one app without a fingerprint."""
    return {"PK": user_partition(user_id), "SK": f"WEB#{client_id}#{auth_id:0{ID_WIDTH}d}"}


def claim_key(auth: Authorization) -> dict[str, str]:
    """What makes a token unique among the user's: a personal token's note, an app token's fingerprint
    (a web flow token without one claims only itself)."""
    if auth.client_id is None:
        return note_key(auth.user_id, auth.note or "")
    if auth.web_flow and auth.fingerprint is None:
        return web_flow_key(auth.user_id, auth.client_id, auth.id)
    return fingerprint_key(auth.user_id, auth.client_id, auth.fingerprint)


def grant_key(user_id: int, client_id: str) -> dict[str, str]:
    return {"PK": user_partition(user_id), "SK": f"{GRANT_PREFIX}{client_id}"}


def grant_id_key(grant_id: int) -> dict[str, str]:
    return {"PK": f"GRANTID#{grant_id}", "SK": "GRANTID"}


def session_key(hashed_session_id: str) -> dict[str, str]:
    """A web session, by the SHA-256 of its id (the cookie's value is never stored)."""
    return {"PK": f"SESSION#{hashed_session_id}", "SK": "SESSION"}


SESSION_REF_PREFIX = "SESSION#"


def session_ref_key(user_id: int, hashed_session_id: str) -> dict[str, str]:
    """A user's reference to one of their sessions, so that all of them can be found (sign out everywhere)."""
    return {"PK": user_partition(user_id), "SK": f"{SESSION_REF_PREFIX}{hashed_session_id}"}


def code_key(hashed_code: str) -> dict[str, str]:
    """A web flow authorization code, by its SHA-256 (the code itself is never stored)."""
    return {"PK": f"CODE#{hashed_code}", "SK": "CODE"}


def refresh_key(hashed_token: str) -> dict[str, str]:
    """A refresh token, by its SHA-256 (the token itself is never stored)."""
    return {"PK": f"REFRESH#{hashed_token}", "SK": "REFRESH"}


def device_key(hashed_device_code: str) -> dict[str, str]:
    """A device flow request, by the SHA-256 of its device code."""
    return {"PK": f"DEVICE#{hashed_device_code}", "SK": "DEVICE"}


def user_code_key(hashed_user_code: str) -> dict[str, str]:
    """A device flow user code (normalised: upper case, no hyphen), by its SHA-256."""
    return {"PK": f"USERCODE#{hashed_user_code}", "SK": "USERCODE"}


def user_code_attempts_key(user_id: int) -> dict[str, str]:
    """A signed-in user's wrong user codes in the current window."""
    return {"PK": f"USERCODEFAIL#{user_id}", "SK": "USERCODEFAIL"}
