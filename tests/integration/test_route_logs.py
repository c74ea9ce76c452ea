"""What the route functions log, in-process (the twin of tests/e2e/test_e2e_zz_logs.py, issue 13 item 10):
every route handler run with its logger and the root logger at DEBUG, on requests that carry a password, a
client secret and tokens in every place they can (the Authorization header, the path, the body, the answer),
successes and refusals; then every line written to stdout or stderr and every log record is scanned for every
one of those secrets.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_debug_logging import Logged, debug_logging  # noqa: F401 - the fixture
from tests.support.api import Api, AppApi
from tests.support.data import EVENT_CLIENT_ID, EVENT_CLIENT_SECRET, EVENT_TOKEN, OCTOCAT_PASSWORD

pytestmark = pytest.mark.usefixtures("octocat", "oauth_app", "event_app_authorization")


def _every_route(api: Api, app_api: AppApi) -> list[str]:
    """Every route function at least once (both forms of the app routes), with the secrets it saw."""
    seen = [OCTOCAT_PASSWORD, EVENT_CLIENT_SECRET, EVENT_TOKEN]
    secret = {"client_secret": EVENT_CLIENT_SECRET, "scopes": ["repo"]}

    def token_of(result: Any) -> str:
        assert result.status in (200, 201), result.body
        token: str = result.json["token"]
        if token:
            seen.append(token)
        return token

    personal = api.create({"note": "logs", "scopes": ["gist"]})
    token_of(personal)
    assert api.list().status == 200
    assert api.get(personal.json["id"]).status == 200
    assert api.update(personal.json["id"], {"note": "logs, renamed"}).status == 200
    assert api.create({"note": "logs, renamed"}).status == 422  # a refusal
    token_of(api.get_or_create(EVENT_CLIENT_ID, secret))
    fingerprinted = token_of(api.get_or_create(EVENT_CLIENT_ID, secret, "logs-laptop"))
    assert api.get_or_create(EVENT_CLIENT_ID, {"client_secret": "not-it" + EVENT_CLIENT_SECRET}).status == 422
    grants = api.list_grants()
    assert grants.status == 200
    assert api.get_grant(grants.json[0]["id"]).status == 200
    for form in ("path", "body"):
        assert app_api.check(fingerprinted, form).status == 200
        fingerprinted = token_of(app_api.reset(fingerprinted, form))
        assert app_api.check("gho_" + "x" * 36, form).status == 404  # a malformed token: a refusal
    assert app_api.revoke(fingerprinted, "path").status == 204
    token_of(app_api.reset(EVENT_TOKEN, "body"))
    again = token_of(api.get_or_create(EVENT_CLIENT_ID, secret, "logs-desktop"))
    assert app_api.revoke(again, "body").status == 204
    third = token_of(api.get_or_create(EVENT_CLIENT_ID, secret, "logs-3"))
    assert app_api.revoke_grant(third, "path").status == 204
    fourth = token_of(api.get_or_create(EVENT_CLIENT_ID, secret, "logs-4"))
    assert app_api.revoke_grant(fourth, "body").status == 204
    assert api.delete(personal.json["id"]).status == 204
    last = api.get_or_create(EVENT_CLIENT_ID, secret, "logs-5")
    token_of(last)
    assert api.delete_grant(api.list_grants().json[0]["id"]).status == 204
    return seen


def test_route_handlers_log_no_secret(
    api: Api,
    app_api: AppApi,
    debug_logging: Logged,  # noqa: F811 - the fixture of test_debug_logging
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Seen red with one handler logging its event (`log_event=True` on check_authorization's
    `inject_lambda_context`): the token in its path found."""
    secrets = _every_route(api, app_api)

    logged = debug_logging.text(capfd)
    assert debug_logging.records  # the capture works: DEBUG records of the libraries (moto's among them)
    leaked = [s[:8] for s in secrets if s in logged]
    assert not leaked, leaked
