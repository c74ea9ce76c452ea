"""The web flow's code exchange over HTTP against the local API, with real parallel clients.

50 concurrent exchanges of one code: exactly one token comes out (the others are answered
`bad_verification_code`, and, being replays, revoke it: OAuth 2.0 Security BCP); the server's whole table
keeps every invariant afterwards. The code comes from `approve` on the server's own store (the consent page
is the pages engineer's).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from oauth_authz import tokens
from oauth_authz.service.accounts import Accounts
from oauth_authz.service.authorizations import AuthorizationService
from oauth_authz.service.oauth_web_flow import WebFlow
from oauth_authz.settings import Settings
from tests.support.e2e import Server
from tests.support.e2e_auth import TABLE, table_items
from tests.support.invariants import assert_invariants
from tests.support.web_flow import query
from tests.support.workload import make_accounts, store_repository

pytestmark = [pytest.mark.reliability]

CLIENTS = 50
CALLBACK = "http://127.0.0.1/callback"


def test_fifty_exchanges_of_one_code_give_exactly_one_token(server: Server) -> None:
    """Seen red with the code's `attribute_not_exists(issued_auth_id)` condition removed from
    `Repository.exchange_code`: several exchanges each got a token."""
    repository = store_repository(server)
    (account,), _ = make_accounts(server, 1)
    user = repository.get_user(account.login)
    assert user is not None
    app = Accounts(repository).create_app("Race App", "https://race.example.com", CALLBACK)
    settings = Settings(table_name=TABLE)
    flow = WebFlow(repository, settings, AuthorizationService(repository, settings))
    request = flow.parse_authorize_request({"client_id": app.app.client_id, "scope": "repo", "state": "s"})
    code = query(flow.approve(request, user.id, user.login))["code"]
    form = {"client_id": app.app.client_id, "client_secret": app.client_secret, "code": code}

    barrier = threading.Barrier(CLIENTS)
    sessions = [requests.Session() for _ in range(CLIENTS)]

    def exchange(i: int) -> dict[str, Any]:
        barrier.wait(timeout=60)
        response = sessions[i].post(
            f"{server.url}/login/oauth/access_token",
            data=form,
            headers={"Accept": "application/json"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        answers = list(pool.map(exchange, range(CLIENTS)))

    issued = [a["access_token"] for a in answers if "access_token" in a]
    assert len(issued) == 1, answers
    assert [a["error"] for a in answers if "error" in a] == ["bad_verification_code"] * (CLIENTS - 1)
    assert issued[0].startswith("gho_")
    # The replays revoked it: nothing of it is left, and the table is whole.
    assert repository.get_by_token(tokens.hash_token(issued[0])) is None
    assert_invariants(table_items(server))
