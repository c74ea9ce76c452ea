"""The security settings page as its functions answer it: two-factor on or off, and the setup step with the
seed as a QR code (an SVG drawn on the server by segno: no script, no image from elsewhere) and as text."""

from __future__ import annotations

import segno
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from markupsafe import Markup

from oauth_authz.models.domain import User
from oauth_authz.service.sessions import csrf_token
from oauth_authz.service.two_factor_settings import Setup
from oauth_authz.web.page_resolver import site_root
from oauth_authz.web.rendering import page

CODE_REFUSED = "Two-factor code verification failed. Please try again."
DISABLE_REFUSED = "Incorrect password or two-factor code."


def qr_svg(uri: str) -> Markup:
    """The QR code of `uri` as inline SVG, titled for screen readers: segno's own markup (paths of the
    modules; the URI is drawn, never written into it), so it needs no escaping."""
    label = "QR code for your authenticator app"
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, title=label)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    return Markup(svg)  # noqa: S704 - segno's markup, nothing of the request's in it


def security_page(
    app: APIGatewayRestResolver,
    session_id: str,
    user: User,
    *,
    setup: Setup | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response[str]:
    context = {
        "title": "Password and authentication",
        "root": site_root(app),
        "login": user.login,
        "csrf": csrf_token(session_id),
        "error": error,
        "enabled": user.has_two_factor,
        "setup": setup,
        "qr": qr_svg(setup.uri) if setup else None,
        "current": "security",
    }
    return page(status, "settings_security.html", context)
