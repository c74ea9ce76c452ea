"""`oauth_authz.store.repository`: what only a unit test can see (its transactions' shapes, its file
boundary); its reads and writes on the moto table are the integration tests' subject."""

from __future__ import annotations

import ast
import inspect
from datetime import UTC, datetime
from typing import Any

import pytest

from oauth_authz.models.domain import Authorization, Grant, GrantEntry
from oauth_authz.store import repository as repository_module
from oauth_authz.store.repository import Repository
from oauth_authz.store.table import WriteConflict

T0 = datetime(2024, 11, 21, tzinfo=UTC)


class RecordingClient:
    """Accepts every transaction, or cancels the n-th (1-based) as a conflict on the grant."""

    def __init__(self, cancel: int | None = None) -> None:
        self.transactions: list[list[dict[str, Any]]] = []
        self.cancel = cancel

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.transactions.append(TransactItems)
        if len(self.transactions) == self.cancel:
            from botocore.exceptions import ClientError

            reasons = [{"Code": "None"}] * (len(TransactItems) - 1) + [{"Code": "ConditionalCheckFailed"}]
            raise ClientError(
                {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": reasons},
                "TransactWriteItems",
            )
        return {}


def app_authorization(auth_id: int) -> Authorization:
    return Authorization(
        id=auth_id, user_id=1, login="octocat", client_id="cid", app_name="App", app_url="https://x",
        scopes=["repo"], hashed_token=f"{auth_id:064x}", token_last_eight="12345678", note=None,
        note_url=None, fingerprint=f"fp-{auth_id}", created_at=T0, updated_at=T0,
    )  # fmt: skip


def grant_of(doomed: list[Authorization], version: int = 7) -> Grant:
    entries = {auth.id: GrantEntry(scopes=auth.scopes) for auth in doomed}
    return Grant(9, 1, "cid", "App", "https://x", T0, T0, entries, version=version)


def expected_version(action: dict[str, Any]) -> str:
    ((_, body),) = action.items()
    return str(body["ExpressionAttributeValues"][":version"]["N"])


@pytest.mark.parametrize(
    ("count", "sizes"), [(0, [2]), (1, [5]), (30, [92]), (31, [91, 5]), (65, [91, 91, 17])]
)
def test_a_grant_is_revoked_in_parts_of_30_tokens(count: int, sizes: list[int]) -> None:
    """Three deletes per token, then the grant's update (or, in the last part, the grant and its id guard);
    each part checks the version the previous one left."""
    doomed = [app_authorization(i + 1) for i in range(count)]
    client = RecordingClient()

    Repository("t-1", client).revoke_grant(grant_of(doomed), doomed, T0)

    assert [len(actions) for actions in client.transactions] == sizes
    grant_actions = [actions[3 * min(count - 30 * i, 30)] for i, actions in enumerate(client.transactions)]
    assert [expected_version(action) for action in grant_actions] == [str(7 + i) for i in range(len(sizes))]
    assert all("Update" in action for action in grant_actions[:-1])
    assert "Delete" in grant_actions[-1]
    assert [len(actions) for actions in client.transactions] == sizes
    assert client.transactions[-1][-1]["Delete"]["Key"] == {"PK": {"S": "GRANTID#9"}, "SK": {"S": "GRANTID"}}


def test_a_part_that_loses_a_race_stops_the_revocation() -> None:
    doomed = [app_authorization(i + 1) for i in range(65)]
    client = RecordingClient(cancel=2)

    with pytest.raises(WriteConflict) as conflict:
        Repository("t-1", client).revoke_grant(grant_of(doomed), doomed, T0)

    assert conflict.value.parts == {"grant"}
    assert len(client.transactions) == 2  # the third part is never tried


def test_the_request_paths_repository_never_scans() -> None:
    """STYLE: "never Scan on a request path", as a file boundary: nothing in `repository.py` names a scan
    (the admin CLI's scans are in `store/admin.py`)."""
    tree = ast.parse(inspect.getsource(repository_module))
    words = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    words |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    words |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    documented = {
        ast.get_docstring(node, clean=False)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
    }
    assert not [word for word in words - documented if "scan" in word.lower()]
