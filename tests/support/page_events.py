"""The web pages' events, `events/<page>.json`: what a browser sends each page function through API
Gateway, built from the token endpoint's event (the same stage, host and request context) with the values
of `tests.support.data`. `python -m tests.support.page_events` rewrites them; a test checks they are current.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlencode

from oauth_authz import totp
from oauth_authz.service.sessions import csrf_token
from tests.support.data import (
    EVENT_CLIENT_ID,
    EVENT_GRANT_ID,
    EVENT_MOMENT,
    EVENT_PENDING_SESSION_ID,
    EVENT_PERSONAL_TOKEN_ID,
    EVENT_PRESESSION_ID,
    EVENT_SESSION_ID,
    EVENT_TOTP_SEED,
    OCTOCAT_LOGIN,
    OCTOCAT_PASSWORD,
)
from tests.support.events import EVENTS_DIR, load_event

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
AUTHORIZE_QUERY = {"client_id": EVENT_CLIENT_ID, "scope": "repo user", "state": "af0ifjsldkj"}
RETURN_TO = "/v1/login/oauth/authorize?" + urlencode(AUTHORIZE_QUERY)
EVENT_USER_CODE = "WDJB-MJHT"  # GitHub's example user code: the device pages' events type it
FORM = "application/x-www-form-urlencoded"


def event_code() -> str:
    """The TOTP code of the events' seed at the events' moment."""
    return totp.code_at(EVENT_TOTP_SEED, totp.step_at(EVENT_MOMENT))


def _event(
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    cookie: tuple[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> dict[str, Any]:
    event = copy.deepcopy(load_event("access_token"))
    headers = {
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        "User-Agent": BROWSER,
        "X-Amzn-Trace-Id": event["headers"]["X-Amzn-Trace-Id"],
        "X-Forwarded-For": "203.0.113.10",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    if cookie is not None:
        headers["Cookie"] = f"{cookie[0]}={cookie[1]}"
    if form is not None:
        headers["Content-Type"] = FORM
        headers["Origin"] = "https://abc123.execute-api.us-east-1.amazonaws.com"
    event["headers"] = headers
    event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    event["resource"] = event["path"] = path
    event["httpMethod"] = method
    event["queryStringParameters"] = dict(query) if query else None
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    event["body"] = urlencode(form) if form is not None else None
    context = event["requestContext"]
    context.update(resourcePath=path, httpMethod=method, path=f"/v1{path}")
    context["identity"]["userAgent"] = BROWSER
    return event


def page_events() -> dict[str, dict[str, Any]]:
    session = ("oauth_authz_session", EVENT_SESSION_ID)
    pending = ("oauth_authz_session", EVENT_PENDING_SESSION_ID)
    presession = ("oauth_authz_presession", EVENT_PRESESSION_ID)
    decision = {"authenticity_token": csrf_token(EVENT_SESSION_ID), **AUTHORIZE_QUERY, "authorize": "1"}
    return {
        "login_page": _event("GET", "/login", query={"return_to": RETURN_TO}),
        "create_session": _event(
            "POST",
            "/session",
            cookie=presession,
            form={
                "authenticity_token": csrf_token(EVENT_PRESESSION_ID),
                "return_to": RETURN_TO,
                "login": OCTOCAT_LOGIN,
                "password": OCTOCAT_PASSWORD,
            },
        ),
        "two_factor_page": _event(
            "GET", "/sessions/two-factor", query={"return_to": RETURN_TO}, cookie=pending
        ),
        "verify_two_factor": _event(
            "POST",
            "/sessions/two-factor",
            cookie=pending,
            form={
                "authenticity_token": csrf_token(EVENT_PENDING_SESSION_ID),
                "return_to": RETURN_TO,
                "app_otp": event_code(),
            },
        ),
        "logout_page": _event("GET", "/logout", cookie=session),
        "sign_out": _event(
            "POST", "/logout", cookie=session, form={"authenticity_token": csrf_token(EVENT_SESSION_ID)}
        ),
        "authorize_page": _event("GET", "/login/oauth/authorize", query=AUTHORIZE_QUERY, cookie=session),
        "authorize_decision": _event("POST", "/login/oauth/authorize", cookie=session, form=decision),
        "page_stylesheet": _event("GET", "/login/assets/style.css"),
        "page_script": _event("GET", "/login/assets/copy.js"),
        "device_page": _event("GET", "/login/device", cookie=session),
        "device_entry": _event(
            "POST",
            "/login/device",
            cookie=session,
            form={"authenticity_token": csrf_token(EVENT_SESSION_ID), "user-code": EVENT_USER_CODE},
        ),
        "device_decision": _event(
            "POST",
            "/login/device/authorize",
            cookie=session,
            form={
                "authenticity_token": csrf_token(EVENT_SESSION_ID),
                "user-code": EVENT_USER_CODE,
                "authorize": "1",
            },
        ),
        "settings_tokens_page": _event("GET", "/settings/tokens", cookie=session),
        "generate_token": _event(
            "POST",
            "/settings/tokens",
            cookie=session,
            form={
                "authenticity_token": csrf_token(EVENT_SESSION_ID),
                "note": "deploy script",
                "expiration": "30",
                "expiration_date": "",
                "scopes[]": "repo",
            },
        ),
        "settings_applications_page": _event("GET", "/settings/applications", cookie=session),
        "settings_security_page": _event("GET", "/settings/security", cookie=session),
        "enable_two_factor": _event(
            "POST",
            "/settings/security/two-factor",
            cookie=session,
            form={"authenticity_token": csrf_token(EVENT_SESSION_ID)},
        ),
        "disable_two_factor": _event(
            "POST",
            "/settings/security/two-factor/disable",
            cookie=session,
            form={
                "authenticity_token": csrf_token(EVENT_SESSION_ID),
                "password": OCTOCAT_PASSWORD,
                "app_otp": event_code(),
            },
        ),
        "sign_out_everywhere": _event(
            "POST",
            "/settings/security/sessions/sign-out",
            cookie=session,
            form={"authenticity_token": csrf_token(EVENT_SESSION_ID)},
        ),
        "revoke_application": _with_path_id(
            _event(
                "POST",
                f"/settings/applications/{EVENT_GRANT_ID}/revoke",
                cookie=session,
                form={"authenticity_token": csrf_token(EVENT_SESSION_ID), "confirm": "1"},
            ),
            "/settings/applications/{grant_id}/revoke",
            {"grant_id": str(EVENT_GRANT_ID)},
        ),
        "delete_personal_token": _with_path_id(
            _event(
                "POST",
                f"/settings/tokens/{EVENT_PERSONAL_TOKEN_ID}/delete",
                cookie=session,
                form={"authenticity_token": csrf_token(EVENT_SESSION_ID), "confirm": "1"},
            ),
            "/settings/tokens/{token_id}/delete",
            {"token_id": str(EVENT_PERSONAL_TOKEN_ID)},
        ),
        **developer_events(session),
    }


def developer_events(session: tuple[str, str]) -> dict[str, dict[str, Any]]:
    """The /settings/developers pages' events: octocat's app is the events' app (`EVENT_CLIENT_ID`)."""
    csrf = csrf_token(EVENT_SESSION_ID)
    app_form = {
        "authenticity_token": csrf,
        "name": "Octo Deploy",
        "url": "https://deploy.example.com",
        "callback_url": "https://deploy.example.com/callback",
        "device_flow": "1",
    }
    app_path = "/settings/developers/{client_id}"
    client = {"client_id": EVENT_CLIENT_ID}
    own = f"/settings/developers/{EVENT_CLIENT_ID}"
    return {
        "settings_developers_page": _event("GET", "/settings/developers", cookie=session),
        "new_developer_app_page": _event("GET", "/settings/developers/new", cookie=session),
        "register_developer_app": _event("POST", "/settings/developers", cookie=session, form=app_form),
        "developer_app_page": _with_path_id(_event("GET", own, cookie=session), app_path, client),
        "update_developer_app": _with_path_id(
            _event("POST", own, cookie=session, form=app_form), app_path, client
        ),
        "generate_client_secret": _with_path_id(
            _event("POST", f"{own}/secrets", cookie=session, form={"authenticity_token": csrf}),
            app_path + "/secrets",
            client,
        ),
        "delete_client_secret": _with_path_id(
            _event(
                "POST",
                f"{own}/secrets/1/delete",
                cookie=session,
                form={"authenticity_token": csrf, "confirm": "1"},
            ),
            app_path + "/secrets/{secret_id}/delete",
            {**client, "secret_id": "1"},
        ),
        "delete_developer_app": _with_path_id(
            _event(
                "POST", f"{own}/delete", cookie=session, form={"authenticity_token": csrf, "confirm": "1"}
            ),
            app_path + "/delete",
            client,
        ),
    }


def _with_path_id(event: dict[str, Any], resource: str, parameters: dict[str, str]) -> dict[str, Any]:
    """The event of a route with a path parameter: API Gateway names the resource by its template."""
    event["resource"] = resource
    event["pathParameters"] = parameters
    event["requestContext"]["resourcePath"] = resource
    return event


def render(event: dict[str, Any]) -> str:
    return json.dumps(event, indent=2) + "\n"


def main() -> None:
    for name, event in page_events().items():
        (EVENTS_DIR / f"{name}.json").write_text(render(event), encoding="utf-8")


if __name__ == "__main__":
    main()
