"""The pages' DynamoDB round trips (`make bench` has the same budgets: bench/routes.py `_page_scenarios`):
the authorize page for a signed-in user who consented already is two reads (the session and the app in one
BatchGetItem, the grant) and the code's write; the consent decision one read and the code; the sign-in
post one read, the attempt reserved and given back, the session; the sign-in page nothing; sign out of all
sessions a read, a Query and one transaction; the device pages (below)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from oauth_authz import clock
from oauth_authz.models.domain import App, DeviceRequest, User, WebSession
from oauth_authz.service import oauth_web_flow
from oauth_authz.service.sessions import csrf_token, hashed
from oauth_authz.store.session_store import SessionStore
from oauth_authz.store.table import dynamodb_client
from tests.integration.test_developer_page_events import owned_app
from tests.integration.test_device_pages import device_request
from tests.integration.test_page_events import RunPage, callback_app, run_page, signed_in
from tests.integration.test_page_security import Run, run
from tests.support.data import EVENT_CLIENT_ID, EVENT_CLIENT_SECRET, EVENT_SESSION_ID
from tests.support.tables import TableView

__all__ = [
    "callback_app",
    "device_request",
    "owned_app",
    "run",
    "run_page",
    "signed_in",
]  # the fixtures, shared

Calls = Callable[[Callable[[], object]], list[str]]


@pytest.fixture
def calls() -> Iterator[Calls]:
    def count(run: Callable[[], object]) -> list[str]:
        made: list[str] = []

        def record(model: Any, **_: Any) -> None:
            made.append(model.name)

        events = dynamodb_client().meta.events
        events.register("before-call.dynamodb", record)
        try:
            run()
        finally:
            events.unregister("before-call.dynamodb", record)
        return made

    yield count


def _consent(user: User) -> None:
    """octocat's grant for the events' app covers `repo user` (a code approved and exchanged)."""
    params = {"client_id": EVENT_CLIENT_ID, "scope": "repo user"}
    redirect = oauth_web_flow.approve(oauth_web_flow.parse_authorize_request(params), user.id, user.login)
    code = redirect.split("code=", 1)[1].split("&", 1)[0]
    secret = {"client_id": EVENT_CLIENT_ID, "client_secret": EVENT_CLIENT_SECRET, "code": code}
    assert getattr(oauth_web_flow.exchange(secret, None), "access_token", None)


def test_the_authorize_page_for_a_user_who_consented_is_two_reads_and_the_code(
    run_page: RunPage, signed_in: User, callback_app: App, calls: Calls
) -> None:
    """Seen red (four calls) with the page reading the session and the app one after the other."""
    _consent(signed_in)
    made = calls(lambda: run_page("authorize_page"))
    assert made == ["BatchGetItem", "GetItem", "TransactWriteItems"]


def test_the_consent_decision_is_one_read_and_the_code(
    run_page: RunPage, signed_in: User, callback_app: App, calls: Calls
) -> None:
    assert calls(lambda: run_page("authorize_decision")) == ["BatchGetItem", "TransactWriteItems"]


def test_the_sign_in_post_is_one_read_the_attempt_and_the_session(
    run_page: RunPage, octocat: User, calls: Calls
) -> None:
    made = calls(lambda: run_page("create_session"))
    assert made[0] == "BatchGetItem" and made[-1] == "TransactWriteItems" and len(made) == 4
    assert [name for name in made if name in ("GetItem", "BatchGetItem", "Query")] == ["BatchGetItem"]


def test_the_sign_in_page_reads_nothing(run_page: RunPage, calls: Calls) -> None:
    assert calls(lambda: run_page("login_page")) == []


def test_signing_out_every_session_is_a_read_a_query_and_one_transaction(
    run_page: RunPage, signed_in: User, calls: Calls, table: TableView
) -> None:
    """Three sessions of one user (the event's and two more): the session, the references, one transaction
    for all (bench/routes.py `sign_out_everywhere`, budget 3). Seen red (five calls) with `END_PART` at 1."""
    expires = clock.now() + timedelta(hours=1)
    for n in range(2):
        session = WebSession(signed_in.id, signed_in.login, expires)
        SessionStore(table.name).start(hashed(f"another browser {n}"), session)

    made = calls(lambda: run_page("sign_out_everywhere"))

    assert made == ["GetItem", "Query", "TransactWriteItems"]


# the device pages (SPEC 10, 11): the events' request has the user code WDJB-MJHT


def test_the_device_page_reads_the_session_only(run_page: RunPage, signed_in: User, calls: Calls) -> None:
    assert calls(lambda: run_page("device_page")) == ["GetItem"]


def test_a_typed_user_code_is_the_session_the_attempt_the_code_and_the_request(
    run_page: RunPage, signed_in: User, calls: Calls, device_request: DeviceRequest
) -> None:
    """The session; the user's wrong-code count read and the attempt reserved (a conditional write, so a
    burst of guesses cannot pass the limit); the user code and its request; the attempt given back (a code
    that was right)."""
    made = calls(lambda: run_page("device_entry"))
    assert made == ["GetItem", "GetItem", "PutItem", "GetItem", "GetItem", "UpdateItem"]


def test_the_device_decision_is_the_entrys_reads_the_grant_and_the_approval(
    run_page: RunPage, signed_in: User, calls: Calls, device_request: DeviceRequest
) -> None:
    """The code checked again as the entry checks it (the session, the attempt reserved and given back, the
    user code and its request), then the user's grant for the app and the request approved (one
    conditional UpdateItem)."""
    made = calls(lambda: run_page("device_decision"))
    assert made == [
        "GetItem",
        "GetItem",
        "PutItem",  # the user's first attempt in this window: the count is made
        "GetItem",
        "GetItem",
        "UpdateItem",
        "GetItem",
        "UpdateItem",
    ]


@pytest.mark.parametrize(
    ("page", "made"),
    [
        ("settings_developers_page", ["GetItem", "Query", "BatchGetItem"]),
        ("new_developer_app_page", ["GetItem"]),
        ("developer_app_page", ["GetItem", "GetItem"]),
        ("update_developer_app", ["GetItem", "GetItem", "TransactWriteItems"]),
        ("delete_client_secret", ["GetItem", "GetItem", "TransactWriteItems"]),
        ("delete_developer_app", ["GetItem", "GetItem", "Query", "Query", "TransactWriteItems"]),
    ],
)
def test_the_developer_pages_round_trips(run_page: RunPage, owned_app: App, calls: Calls, page: str,
                                         made: list[str]) -> None:  # fmt: skip
    """The session and the app (a GetItem each) and one conditional write; the list one Query of the owner's
    references and one BatchGetItem of the apps; an app without tokens deleted with two reads of the
    ByClientId index and one transaction. Seen red (a GetItem in place of the BatchGetItem) with
    `owned_apps` reading each app by GetItem."""
    assert calls(lambda: run_page(page)) == made


def test_a_secrets_deletion_asks_first_with_the_session_and_the_app(
    run: Run, owned_app: App, calls: Calls
) -> None:
    """The confirmation step (no `confirm=1`) reads and writes nothing more (bench/routes.py, budget 2)."""
    body = f"authenticity_token={csrf_token(EVENT_SESSION_ID)}"
    assert calls(lambda: run("delete_client_secret", body=body)) == ["GetItem", "GetItem"]


def test_registering_is_the_session_and_one_transaction(
    run_page: RunPage, signed_in: User, calls: Calls
) -> None:
    assert calls(lambda: run_page("register_developer_app")) == ["GetItem", "TransactWriteItems"]
