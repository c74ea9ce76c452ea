"""Helpers for the web flow's tests: an app with a callback, codes got the way the consent page gets them."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

from oauth_authz.models.domain import User
from oauth_authz.service import oauth_web_flow
from oauth_authz.service.oauth_web_flow import AuthorizeRequest

CALLBACK = "https://octo-app.example.com/oauth/callback"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636's example
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # its S256, as RFC 7636 appendix B gives it


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def query(url: str) -> dict[str, str]:
    """The query parameters of a URL, one value each (the redirect URLs never repeat one)."""
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def without_query(url: str) -> str:
    return url.split("?", 1)[0]


def authorize(client_id: str, **params: Any) -> AuthorizeRequest:
    return oauth_web_flow.parse_authorize_request({"client_id": client_id, **params})


def code_for(client_id: str, user: User, **params: Any) -> str:
    """A code as the consent page's Authorize button gets one (until the pages exist)."""
    redirect = oauth_web_flow.approve(authorize(client_id, **params), user.id, user.login)
    return query(redirect)["code"]
