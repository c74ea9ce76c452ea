"""A mixed workload for the local API (the load run and the kill -9 test): each client thread signs in as a
user of its own and creates, reads, updates, deletes, checks and resets tokens, keeping a model of what the
server acknowledged (2xx) so the survivors can be checked afterwards.

Accounts are written straight into the server's store (its DynamoDB endpoint) with a low-cost argon2id
password hash, as the integration fixtures do: a load run of the product's 64 MiB hash would measure argon2,
not the API.
"""

from __future__ import annotations

import random
import secrets as random_secrets
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from argon2 import PasswordHasher

from oauth_authz import clock, ids
from oauth_authz.models.domain import User
from oauth_authz.service.accounts import Accounts
from oauth_authz.store.repository import Repository
from tests.support.e2e import Server
from tests.support.e2e_auth import TABLE, store_client

TIMEOUT = 60


def store_repository(server: Server) -> Repository:
    return Repository(TABLE, store_client(server))


@dataclass(frozen=True)
class Account:
    login: str
    password: str


@dataclass(frozen=True)
class AppAccount:
    client_id: str
    client_secret: str


def make_accounts(server: Server, users: int) -> tuple[list[Account], AppAccount]:
    repository = store_repository(server)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    made = []
    for n in range(users):
        login = f"load-{n}-{random_secrets.token_hex(3)}"
        password = "pw-" + random_secrets.token_urlsafe(12)
        repository.create_user(
            User(id=ids.new_id(), login=login, created_at=clock.now(), password_hash=cheap.hash(password))
        )
        made.append(Account(login, password))
    app = Accounts(repository).create_app("Load App", "https://load.example.com")
    return made, AppAccount(app.app.client_id, app.client_secret)


@dataclass
class Known:
    """An authorization as the server acknowledged it; `uncertain` once a request about it got no answer."""

    id: int
    token: str
    scopes: list[str]
    app: bool
    uncertain: bool = False


@dataclass
class Outcome:
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    live: dict[int, Known] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + len(self.errors)


class Worker:
    """One client thread: one user, one session, a model of that user's authorizations."""

    def __init__(self, base_url: str, account: Account, app: AppAccount, seed: int) -> None:
        self.base = base_url
        self.user = requests.Session()
        self.user.auth = (account.login, account.password)
        self.app_session = requests.Session()
        self.app_session.auth = (app.client_id, app.client_secret)
        self.app = app
        self.random = random.Random(seed)
        self.outcome = Outcome()
        self.counter = 0
        #: Called after every write the server acknowledged (the crash test kills the server from here).
        self.after_write: Callable[[], None] | None = None

    def _send(self, session: requests.Session, method: str, path: str, body: Any = None) -> requests.Response:
        response = session.request(method, self.base + path, json=body, timeout=TIMEOUT)
        self.outcome.statuses[response.status_code] += 1
        return response

    def _acknowledged_write(self) -> None:
        if self.after_write is not None:
            self.after_write()

    def _expect(self, response: requests.Response, *statuses: int) -> bool:
        if response.status_code not in statuses:
            self.outcome.errors.append(
                f"{response.request.method} {response.request.path_url[:60]} -> {response.status_code} "
                f"{response.text[:200]}"
            )
            return False
        return True

    def step(self) -> None:
        """One request of the mix: about half writes."""
        live = self.outcome.live
        sure = [known for known in live.values() if not known.uncertain]
        choice = self.random.random()
        self.counter += 1
        pending: Known | None = None
        try:
            if choice < 0.15 or not sure:
                note = f"load {self.counter} {random_secrets.token_hex(2)}"
                answer = self._send(self.user, "POST", "/authorizations", {"note": note, "scopes": ["gist"]})
                if self._expect(answer, 201):
                    body = answer.json()
                    live[body["id"]] = Known(body["id"], body["token"], ["gist"], app=False)
                    self._acknowledged_write()
            elif choice < 0.30:
                answer = self._send(
                    self.user,
                    "PUT",
                    f"/authorizations/clients/{self.app.client_id}/fp-{self.counter}",
                    {"client_secret": self.app.client_secret, "scopes": ["repo"]},
                )
                if self._expect(answer, 201):
                    body = answer.json()
                    live[body["id"]] = Known(body["id"], body["token"], ["repo"], app=True)
                    self._acknowledged_write()
            elif choice < 0.45:
                pending = self.random.choice(sure)
                answer = self._send(self.user, "GET", f"/authorizations/{pending.id}")
                self._expect(answer, 200)
            elif choice < 0.55:
                answer = self._send(self.user, "GET", "/authorizations?per_page=100")
                self._expect(answer, 200)
            elif choice < 0.62:
                answer = self._send(self.user, "GET", "/applications/grants")
                self._expect(answer, 200)
            elif choice < 0.72:
                pending = self.random.choice(sure)
                scope = self.random.choice(["user", "repo", "gist", "read:org"])
                pending.uncertain = True
                answer = self._send(
                    self.user, "PATCH", f"/authorizations/{pending.id}", {"add_scopes": [scope]}
                )
                if self._expect(answer, 200):
                    pending.scopes = answer.json()["scopes"]
                    pending.uncertain = False
                    self._acknowledged_write()
            elif choice < 0.80:
                pending = self.random.choice(sure)
                pending.uncertain = True
                answer = self._send(self.user, "DELETE", f"/authorizations/{pending.id}")
                if self._expect(answer, 204):
                    del live[pending.id]
                    self.outcome.deleted.add(pending.id)
                    self._acknowledged_write()
            else:
                apps = [known for known in sure if known.app]
                if not apps:
                    answer = self._send(self.user, "GET", "/authorizations?per_page=100")
                    self._expect(answer, 200)
                    return
                pending = self.random.choice(apps)
                path = f"/applications/{self.app.client_id}/token"
                if choice < 0.92:
                    answer = self._send(self.app_session, "POST", path, {"access_token": pending.token})
                    self._expect(answer, 200)
                else:
                    pending.uncertain = True
                    answer = self._send(self.app_session, "PATCH", path, {"access_token": pending.token})
                    if self._expect(answer, 200):
                        pending.token = answer.json()["token"]
                        pending.uncertain = False
                        self._acknowledged_write()
        except requests.RequestException as error:  # no answer: whatever it was about is now uncertain
            self.outcome.errors.append(f"no answer: {type(error).__name__}")
            raise


def make_workers(base_url: str, accounts: list[Account], app: AppAccount) -> list[Worker]:
    return [Worker(base_url, account, app, seed) for seed, account in enumerate(accounts)]


def acknowledged(workers: list[Worker]) -> int:
    return sum(n for w in workers for status, n in list(w.outcome.statuses.items()) if 200 <= status < 300)


def run_workload(workers: list[Worker], total: int, stop: threading.Event | None = None) -> None:
    """`total` requests spread over the workers, one thread each (or until `stop` is set, or a request gets
    no answer: the server died)."""
    each = -(-total // len(workers))

    def run(worker: Worker) -> None:
        for _ in range(each):
            if stop is not None and stop.is_set():
                return
            try:
                worker.step()
            except requests.RequestException:
                return

    threads = [threading.Thread(target=run, args=(worker,), daemon=True) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=900)
