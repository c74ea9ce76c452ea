"""`web/token_views.py` and `web/security_views.py`: reading a page number and a path id, the scope groups,
and the QR code drawn as inline SVG."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from oauth_authz.errors import NotFound
from oauth_authz.scopes import GITHUB_SCOPES
from oauth_authz.web.security_views import qr_svg
from oauth_authz.web.token_views import SCOPE_GROUPS, page_number, path_id


def app_with(query: dict[str, str] | None) -> Any:
    event = SimpleNamespace(get_query_string_value=lambda name, default: (query or {}).get(name, default))
    return SimpleNamespace(current_event=event)


@pytest.mark.parametrize(
    ("given", "page"), [(None, 1), ({"page": "3"}, 3), ({"page": "0"}, 1), ({"page": "-2"}, 1),
                        ({"page": "x"}, 1), ({"page": "99999"}, 1), ({"page": "²"}, 1)],
)  # fmt: skip
def test_page_number(given: dict[str, str] | None, page: int) -> None:
    """Seen red before the ASCII check: `?page=²` passed `isdigit()` and `int()` raised (a 500)."""
    assert page_number(app_with(given)) == page


def test_path_id() -> None:
    """Seen red before the ASCII check: the Arabic-Indic "٣" was read as id 3."""
    assert path_id("42") == 42
    for bad in ("", "x", "-1", "1" * 20, "٣"):
        with pytest.raises(NotFound):
            path_id(bad)


def test_every_scope_is_offered_once() -> None:
    offered = [head for head, _ in SCOPE_GROUPS] + [scope for _, members in SCOPE_GROUPS for scope in members]
    assert len(offered) == len(set(offered))
    assert set(offered) == set(GITHUB_SCOPES)


def test_the_qr_code_is_inline_svg_with_a_name_and_no_script() -> None:
    svg = str(qr_svg("otpauth://totp/oauth-authz:octocat?secret=JBSWY3DPEHPK3PXP&issuer=oauth-authz"))
    assert svg.startswith('<svg role="img" aria-label="QR code for your authenticator app" ')
    assert "<script" not in svg and "style=" not in svg and "JBSWY3DPEHPK3PXP" not in svg
