"""The personal access tokens page as its functions answer it: the list with the Generate form, the new token
shown once, and the Delete confirmation. The scopes are offered grouped as GitHub's "New personal access token
(classic)" page groups them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from oauth_authz.errors import NotFound, ValidationFailed
from oauth_authz.models.domain import Authorization, IssuedToken
from oauth_authz.service.personal_tokens import CUSTOM, EXPIRY_DAYS, NEVER, TokenList
from oauth_authz.service.sessions import csrf_token
from oauth_authz.settings import get_settings
from oauth_authz.web.page_resolver import site_root
from oauth_authz.web.rendering import page
from oauth_authz.web.scope_words import WORDS

SCOPE_GROUPS: list[tuple[str, list[str]]] = [
    ("repo", ["repo:status", "repo_deployment", "public_repo", "repo:invite", "security_events"]),
    ("workflow", []),
    ("write:packages", ["read:packages"]),
    ("delete:packages", []),
    ("admin:org", ["write:org", "read:org"]),
    ("admin:public_key", ["write:public_key", "read:public_key"]),
    ("admin:repo_hook", ["write:repo_hook", "read:repo_hook"]),
    ("admin:org_hook", []),
    ("gist", []),
    ("notifications", []),
    ("user", ["read:user", "user:email", "user:follow"]),
    ("delete_repo", []),
    ("write:discussion", ["read:discussion"]),
    ("admin:enterprise", ["manage_runners:enterprise", "manage_billing:enterprise", "read:enterprise"]),
    ("audit_log", ["read:audit_log"]),
    ("codespace", []),
    ("copilot", ["manage_billing:copilot"]),
    ("project", ["read:project"]),
    ("admin:gpg_key", ["write:gpg_key", "read:gpg_key"]),
    ("admin:ssh_signing_key", ["write:ssh_signing_key", "read:ssh_signing_key"]),
    ("site_admin", []),
]

# GitHub's words for the form's refusals.
FIELD_MESSAGES = {
    "note": "Note can't be blank",
    "description": "Note has already been taken",
    "scopes": "Scopes are not valid",
    "expiration": "Choose an expiration",
    "expiration_date": "Choose an expiration date after today and within a year",
}


def scope_groups() -> list[dict[str, object]]:
    """The groups of the operator's allowed scopes: (scope, words) and its members that are allowed."""
    allowed = get_settings().allowed_scopes
    groups: list[dict[str, object]] = []
    for head, members in SCOPE_GROUPS:
        if head in allowed:
            children = [(scope, WORDS.get(scope, scope)) for scope in members if scope in allowed]
            groups.append({"scope": head, "words": WORDS.get(head, head), "children": children})
    return groups


def day(moment: datetime | None, never: str = "Never") -> str:
    return never if moment is None else moment.strftime("%b %-d, %Y")


def row(token: Authorization, last_used_at: datetime | None) -> dict[str, object]:
    return {
        "id": token.id,
        "note": token.note or "",
        "scopes": ", ".join(token.scopes) or "no scopes",
        "last_eight": token.token_last_eight,
        "created": day(token.created_at),
        "last_used": day(last_used_at, "Never used"),
        "expires": day(token.expires_at, "Never expires"),
    }


def tokens_page(
    app: APIGatewayRestResolver,
    session_id: str,
    listing: TokenList,
    *,
    issued: IssuedToken | None = None,
    refused: ValidationFailed | None = None,
    fields: Mapping[str, str] | None = None,
    chosen: list[str] | None = None,
    status: int = 200,
) -> Response[str]:
    """The list and the Generate form; `issued`: the new token, shown in this answer only."""
    root = site_root(app)
    refusals = refused.errors if refused else []
    errors = [FIELD_MESSAGES.get(error.field, "Invalid value") for error in refusals]
    given = fields or {}
    context = {
        "title": "Personal access tokens",
        "root": root,
        "login": listing.session.login,
        "csrf": csrf_token(session_id),
        "error": "; ".join(errors) or None,
        "rows": [row(r.token, r.last_used_at) for r in listing.rows],
        "page": listing.page,
        "has_next": listing.has_next,
        "new_token": issued.token if issued else None,
        "new_note": issued.authorization.note if issued else None,
        "groups": scope_groups(),
        "chosen": set(chosen or []),
        "note": given.get("note", ""),
        "expiration": given.get("expiration", "30"),
        "expiration_date": given.get("expiration_date", ""),
        "days": EXPIRY_DAYS,
        "custom": CUSTOM,
        "never": NEVER if get_settings().allow_tokens_without_expiry else None,
        "current": "tokens",
    }
    return page(status, "settings_tokens.html", context)


def delete_confirmation(
    app: APIGatewayRestResolver, session_id: str, login: str, token: Authorization
) -> Response[str]:
    context = {
        "title": "Delete personal access token",
        "root": site_root(app),
        "login": login,
        "csrf": csrf_token(session_id),
        "token": row(token, None),
        "current": "tokens",
    }
    return page(200, "settings_token_delete.html", context)


SCOPES_FIELD = "scopes[]"


def page_number(app: APIGatewayRestResolver) -> int:
    """`?page=N` (1 when absent or not a small positive number)."""
    given = app.current_event.get_query_string_value("page", "1") or "1"
    readable = given.isascii() and given.isdigit() and 0 < len(given) <= 4  # not "²" nor "٣"
    return int(given) if readable and int(given) > 0 else 1


def path_id(given: str) -> int:
    """An id in the path; anything that is not one is not found."""
    if not (given.isascii() and given.isdigit()) or len(given) > 19:
        raise NotFound()
    return int(given)
