"""End-to-end fixtures: the real local API started as a user starts it, and accounts made with the real CLI.

One server for the whole session: `.venv/bin/python -m oauth_authz_local serve --port <free port> --data-dir
<tmp>` (what `make serve` runs) in a subprocess of its own session, with a clean environment; its stdout and
stderr go to files (every log line it writes: the gateway's access log on stderr, the functions' JSON logs on
stdout). When the session ends it is stopped with SIGTERM: it must exit 0, leave no process behind, give its
port and data dir back, and none of the secrets the tests used may appear in anything it logged.

Users and OAuth apps are created with the admin CLI as subprocesses (`printf 'pw\\n' | oauth-authz
--data-dir <tmp> users create alice`, `oauth-authz apps create --name .. --url .. --json`) against the same
data dir while the server runs, all at once at the start of the session (a CLI run costs a Python start-up
and, for a user, an argon2 hash). Each test module works with users of its own, so that modules never see
each other's data.
"""

from __future__ import annotations

import fcntl
import secrets as random_secrets
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.support.e2e import (
    Accounts,
    App,
    Client,
    CliResult,
    Secrets,
    Server,
    User,
    run_cli,
)
from tests.support.e2e_auth import start_server, stop_server

HERE = Path(__file__).resolve().parent
LAST_MODULE = "test_e2e_zz_logs.py"
CHILDREN_GRACE = 10.0  # after the server exits, its workers have this long to follow

# Each test module owns some of these users (see the module's docstring); the apps are shared (grants and
# tokens are per user, so sharing an app shares nothing).
USERS = ("alice", "bob", "paula", "carol", "gina", "erin", "frank", "conny", "fuzzy", "vera", "lara", "ivan")
APPS = {
    "alpha": ("Alpha CI", "https://alpha.example.com"),
    "beta": ("Beta Bot", "https://beta.example.com/app"),
    "gamma": ("Gamma Sync", "http://gamma.example.org"),
    "delta": ("Delta Fuzz", "https://delta.example.net"),  # test_e2e_fuzz.py only: its tokens get revoked
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark this directory's tests `e2e` and run them after the others, the `slow` ones (they grow the table)
    next to last and the log search last (it reads the logs of everything before it)."""
    ours = [item for item in items if HERE in Path(str(item.path)).resolve().parents]
    for item in ours:
        item.add_marker(pytest.mark.e2e)

    def rank(item: pytest.Item) -> int:
        if Path(str(item.path)).name == LAST_MODULE:
            return 2
        return 1 if item.get_closest_marker("slow") else 0

    chosen = set(map(id, ours))
    items[:] = [item for item in items if id(item) not in chosen] + sorted(ours, key=rank)


# ---------------------------------------------------------------------------------------------- server


@pytest.fixture(scope="session")
def secrets() -> Secrets:
    """Every secret the tests send or receive; the server's logs must hold none of them."""
    return Secrets()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, secrets: Secrets) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    logs_dir = tmp_path_factory.mktemp("e2e-logs")
    started = start_server(data_dir, logs_dir, overrides={})
    yield started

    returncode, leftovers = stop_server(started)
    assert returncode == 0, f"the local API exited with {returncode} on SIGTERM:\n{started.stderr()[-3000:]}"
    assert not leftovers, f"processes left running after the local API stopped: {leftovers}"
    assert "oauth-authz local API stopped" in started.stderr()
    assert not (data_dir / "endpoint").exists(), "the store's endpoint file outlived the server"
    with (data_dir / "lock").open("a+") as lock:  # the data dir is free for the next server
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(lock, fcntl.LOCK_UN)
    with socket.socket() as probe, pytest.raises(OSError):
        probe.settimeout(2)
        probe.connect(("127.0.0.1", started.port))
    leaked = secrets.found_in(started.logs())
    assert not leaked, f"{len(leaked)} secret(s) in the server's logs, e.g. {leaked[0][:12]}..."
    assert "Traceback" not in started.logs(), started.logs()[-3000:]


# ------------------------------------------------------------------------------------------- accounts


Cli = Callable[..., CliResult]


@pytest.fixture(scope="session")
def cli(server: Server, secrets: Secrets) -> Cli:
    """`cli("users", "list", "--json", stdin=...)`: the admin CLI on the server's data dir (a subprocess)."""

    def run(*args: str, stdin: str | None = None, data_dir: bool = True) -> CliResult:
        return run_cli(*args, data_dir=server.data_dir if data_dir else None, stdin=stdin, secrets=secrets)

    return run


@pytest.fixture(scope="session")
def anonymous(server: Server, secrets: Secrets) -> Client:
    """A client without credentials."""
    return Client(server.url, secrets)


def new_password() -> str:
    return "pw-" + random_secrets.token_urlsafe(15)


@pytest.fixture(scope="session")
def accounts(server: Server, cli: Cli, anonymous: Client) -> Accounts:
    """The session's users and apps, made with the CLI, several at a time."""

    def make_user(login: str) -> User:
        password = new_password()
        result = cli("users", "create", login, "--json", stdin=password + "\n")
        assert result.returncode == 0, result.stderr
        created = result.json()
        assert created["login"] == login
        return User(login, password, created["id"], anonymous.as_((login, password)))

    def make_app(key: str) -> App:
        name, url = APPS[key]
        result = cli("apps", "create", "--name", name, "--url", url, "--json")
        assert result.returncode == 0, result.stderr
        created = result.json()
        client_id, client_secret = created["client_id"], created["client_secret"]
        return App(client_id, client_secret, name, url, anonymous.as_((client_id, client_secret)))

    made = Accounts()
    with ThreadPoolExecutor(max_workers=4) as pool:
        users = {login: pool.submit(make_user, login) for login in USERS}
        apps = {key: pool.submit(make_app, key) for key in APPS}
        made.users = {login: future.result() for login, future in users.items()}
        made.apps = {key: future.result() for key, future in apps.items()}
    return made


def _user_fixture(login: str) -> Any:
    @pytest.fixture(scope="session", name=login)
    def fixture(accounts: Accounts) -> User:
        return accounts.users[login]

    return fixture


def _app_fixture(key: str) -> Any:
    @pytest.fixture(scope="session", name=key)
    def fixture(accounts: Accounts) -> App:
        return accounts.apps[key]

    return fixture


for _login in USERS:
    globals()[f"_user_{_login}"] = _user_fixture(_login)
for _key in APPS:
    globals()[f"_app_{_key}"] = _app_fixture(_key)
