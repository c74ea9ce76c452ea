"""The end-to-end tests' view of the local API: an HTTP client that remembers every secret it sends or
receives (so the server's logs can be searched for them afterwards), GitHub's answers as assertions (exact
statuses, headers and bodies, each body checked against GitHub's reference description), and the admin CLI run
as a subprocess, as a user runs it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.support.data import (
    APPS_DOCS,
    AUTHORIZATIONS_DOCS,
    DOCS_URL,
    JSON_CONTENT_TYPE,
    MEDIA_TYPE,
    PERSONAL_CLIENT_ID,
)
from tests.support.schemas import (
    assert_matches_response,
    assert_matches_schema,
    reference,
)

__all__ = [
    "APPS_DOCS",
    "AUTHORIZATIONS_DOCS",
    "CLI",
    "DOCS_URL",
    "PERSONAL_CLIENT_ID",
    "PYTHON",
    "REPO_ROOT",
    "Accounts",
    "App",
    "CliResult",
    "Client",
    "Secrets",
    "Server",
    "User",
    "assert_authorization",
    "assert_error",
    "assert_github_headers",
    "assert_not_found",
    "assert_validation_failed",
    "check_schema",
    "clean_environment",
    "links",
    "run_cli",
    "sha256",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = REPO_ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python"
CLI = VENV_BIN / "oauth-authz"
TIMEOUT = 120

TOKEN = re.compile(r"gh[a-z]_[A-Za-z0-9]{20,60}")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
PERSONAL_TOKEN = re.compile(r"^ghp_[A-Za-z0-9]{36}$")
APP_TOKEN = re.compile(r"^gho_[A-Za-z0-9]{36}$")

# Settings the shell running the tests may have and the server or the CLI must not inherit.
_INHERITED_PREFIXES = ("AWS_", "OAUTH_AUTHZ_", "POWERTOOLS_", "PYTEST_")
_INHERITED_NAMES = ("TABLE_NAME", "ALLOWED_SCOPES", "MAX_TOKEN_LIFETIME_SECONDS", "PORT")


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a shell without this project's or AWS's settings (what a user's terminal has)."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_INHERITED_PREFIXES)
        and not name.startswith("LOCKOUT_")
        and name not in _INHERITED_NAMES
    }
    environment.update(extra or {})
    return environment


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------------------- server, accounts


@dataclass
class Server:
    """The local API the session started: its URL, data dir, process and log files."""

    url: str
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def logs(self) -> str:
        """Everything the server has written so far, stdout and stderr."""
        return self.stdout() + self.stderr()

    @property
    def store_endpoint(self) -> str:
        """The embedded DynamoDB's URL, as the server advertises it to the CLI (`<data dir>/endpoint`)."""
        return (self.data_dir / "endpoint").read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class User:
    """A user made with the CLI, and a client signed in as them."""

    login: str
    password: str
    id: int
    client: Client  # signed in as this user


@dataclass(frozen=True)
class App:
    """An OAuth app registered with the CLI, and a client signed in as it."""

    client_id: str
    client_secret: str
    name: str
    url: str
    client: Client  # signed in as this app

    @property
    def app_json(self) -> dict[str, str]:
        """The `app` object of this app's authorizations."""
        return {"client_id": self.client_id, "name": self.name, "url": self.url}


@dataclass
class Accounts:
    users: dict[str, User] = field(default_factory=dict)
    apps: dict[str, App] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------ secrets


class Secrets:
    """Every password, token, client secret and Authorization header value the tests used (thread-safe)."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, *values: str | None) -> None:
        with self._lock:
            for value in values:
                if value and len(value) >= 6:
                    self._values.add(value)

    def add_from_text(self, text: str) -> None:
        """Every token-looking string in `text` (a URL, a body)."""
        self.add(*TOKEN.findall(text))

    def add_authorization(self, header: str | None) -> None:
        """An Authorization header value, its credentials part, and for Basic the decoded password."""
        if not header:
            return
        self.add(header)
        scheme, _, credentials = header.partition(" ")
        self.add(credentials.strip())
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
            except ValueError:
                return
            self.add(decoded.partition(":")[2])

    @property
    def values(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._values)

    def found_in(self, text: str) -> list[str]:
        return sorted(value for value in self.values if value in text)


# ------------------------------------------------------------------------------------------------- client

_UNSET: Any = object()


class Client:
    """`requests` against the local API, signed in as `auth` (a (login, password) pair) unless told otherwise.

    Every request's Authorization header, every token in a URL or a body, and every token in an answer go into
    `secrets`. One `requests.Session` per thread, so a client can be shared by a thread pool.
    """

    def __init__(self, base_url: str, secrets: Secrets, auth: tuple[str, str] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.secrets = secrets
        self.auth = auth
        self._local = threading.local()

    def as_(self, auth: tuple[str, str] | None) -> Client:
        return Client(self.base_url, self.secrets, auth)

    @property
    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = _UNSET,
        data: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        auth: Any = _UNSET,
        params: Mapping[str, str] | None = None,
    ) -> requests.Response:
        chosen_auth = self.auth if auth is _UNSET else auth
        if chosen_auth is not None:
            self.secrets.add(chosen_auth[1])
        body: str | bytes | None = data
        sent_headers = dict(headers or {})
        if json_body is not _UNSET:
            body = json.dumps(json_body)
            sent_headers.setdefault("Content-Type", "application/json")
        url = self.url(path)
        self.secrets.add_from_text(url)
        if isinstance(body, str):
            self.secrets.add_from_text(body)
        response = self._session.request(
            method,
            url,
            data=body.encode("utf-8") if isinstance(body, str) else body,
            headers=sent_headers,
            auth=chosen_auth,
            params=params,
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        self.secrets.add_authorization(response.request.headers.get("Authorization"))
        self.secrets.add_from_text(response.text)
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = _UNSET, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json_body=body, **kwargs)

    def put(self, path: str, body: Any = _UNSET, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, json_body=body, **kwargs)

    def patch(self, path: str, body: Any = _UNSET, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, json_body=body, **kwargs)

    def delete(self, path: str, body: Any = _UNSET, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, json_body=body, **kwargs)


# ------------------------------------------------------------------------------------------------ answers


def assert_github_headers(response: requests.Response) -> None:
    """GitHub's media-type headers on every answer with a body; no body on 204 and 304."""
    where = f"{response.request.method} {response.request.path_url} -> {response.status_code}"
    if response.status_code in (204, 304):
        assert response.content == b"", f"{where}: a body {response.content[:200]!r}"
        return
    assert response.content, f"{where}: no body"
    assert response.headers.get("Content-Type") == JSON_CONTENT_TYPE, f"{where}: {response.headers}"
    assert response.headers.get("X-GitHub-Media-Type") == MEDIA_TYPE, f"{where}: {response.headers}"
    response.json()  # a JSON document


def _documented(path: str, method: str, status: int, name: str) -> bool:
    operation = reference(name)["paths"].get(path, {}).get(method.lower())
    return operation is not None and str(status) in operation["responses"]


def check_schema(response: requests.Response, path: str, method: str | None = None) -> None:
    """The body is what GitHub's reference documents for that operation and status (both reference
    versions, where they have the operation); an answer the operation does not document is checked against
    `basic-error` or `validation-error`."""
    method = method or str(response.request.method)
    status = response.status_code
    body = response.json() if response.content else None
    checked = False
    for name in ("ghes-2.22-oauth.json", "ghes-3.15-oauth.json"):
        if _documented(path, method, status, name):
            assert_matches_response(body, path, method, status, name)
            checked = True
    if checked:
        return
    if status == 422:
        assert_matches_schema(body, "validation-error")
    elif status >= 400:
        assert_matches_schema(body, "basic-error")
    else:
        raise AssertionError(f"{method} {path} {status} is documented nowhere")


def assert_error(response: requests.Response, status: int, message: str, path: str | None = None) -> None:
    """GitHub's plain error, exactly: `{"message": ..., "documentation_url": "https://docs.github.com/rest"}`."""
    assert_github_headers(response)
    got = (response.status_code, response.json())
    assert got == (status, {"message": message, "documentation_url": DOCS_URL}), got
    if path is not None:
        check_schema(response, path)
    else:
        assert_matches_schema(response.json(), "basic-error")


def assert_not_found(response: requests.Response, path: str | None = None) -> None:
    assert_error(response, 404, "Not Found", path)


def assert_validation_failed(
    response: requests.Response,
    *errors: tuple[str, str],
    documentation_url: str = AUTHORIZATIONS_DOCS,
    path: str | None = None,
) -> None:
    """A 422 whose errors are exactly these (field, code) pairs, resource OauthAccess."""
    assert_github_headers(response)
    assert response.status_code == 422, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"message", "errors", "documentation_url"}, body
    assert (body["message"], body["documentation_url"]) == ("Validation Failed", documentation_url), body
    got = [{key: e.get(key) for key in ("resource", "field", "code")} for e in body["errors"]]
    assert got == [{"resource": "OauthAccess", "field": field, "code": code} for field, code in errors], body
    for error in body["errors"]:  # a "message" only says more, never echoes the input
        assert set(error) <= {"resource", "field", "code", "message"}, error
    if path is not None:
        check_schema(response, path)
    assert_matches_schema(body, "validation-error")


LINK = re.compile(r'<([^>]+)>;\s*rel="([a-z]+)"')


def links(response: requests.Response) -> dict[str, str]:
    """The Link header as {rel: url}; {} without one."""
    header = response.headers.get("Link")
    if header is None:
        return {}
    found = {rel: url for url, rel in LINK.findall(header)}
    assert ", ".join(f'<{url}>; rel="{rel}"' for rel, url in found.items()) == header, header
    return found


def assert_authorization(
    body: Mapping[str, Any],
    base_url: str,
    *,
    token: str | None = None,
    personal: bool | None = None,
) -> None:
    """The fields every authorization has, consistent with each other; `token` is the plaintext expected in
    this answer ("" after creation), `personal` whether it is a personal access token."""
    assert isinstance(body["id"], int) and 0 < body["id"] < 2**53, body
    assert body["url"] == f"{base_url}/authorizations/{body['id']}", body
    assert TIMESTAMP.match(body["created_at"]) and TIMESTAMP.match(body["updated_at"]), body
    assert body["updated_at"] >= body["created_at"], body
    assert body["expires_at"] is None, body
    assert re.fullmatch(r"[0-9a-f]{64}", body["hashed_token"]), body
    assert len(body["token_last_eight"]) == 8, body
    if token is not None:
        assert body["token"] == token, body
    if body["token"]:
        assert body["hashed_token"] == sha256(body["token"]), body
        assert body["token_last_eight"] == body["token"][-8:], body
    if personal is True:
        assert body["app"]["client_id"] == PERSONAL_CLIENT_ID, body
        assert body["app"]["name"] == body["note"], body
        assert body["app"]["url"].startswith("https://"), body
        if body["token"]:
            assert PERSONAL_TOKEN.match(body["token"]), body
    elif personal is False:
        assert body["app"]["client_id"] != PERSONAL_CLIENT_ID, body
        if body["token"]:
            assert APP_TOKEN.match(body["token"]), body


# -------------------------------------------------------------------------------------------------- CLI


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(
    *args: str,
    data_dir: Path | None = None,
    stdin: str | None = None,
    environment: Mapping[str, str] | None = None,
    secrets: Secrets | None = None,
) -> CliResult:
    """`oauth-authz [--data-dir DIR] ARGS...` as a subprocess (stdin given, or empty), never a traceback."""
    command = [str(CLI)]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    command += list(args)
    completed = subprocess.run(
        command,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=REPO_ROOT,
        env=dict(environment) if environment is not None else clean_environment(),
        check=False,
    )
    assert "Traceback" not in completed.stderr, completed.stderr
    result = CliResult(completed.returncode, completed.stdout, completed.stderr)
    if secrets is not None:
        if stdin:
            secrets.add(stdin.splitlines()[0] if stdin.strip() else None)
        secrets.add(*re.findall(r'"client_secret": "([0-9a-f]+)"', result.stdout))
        secrets.add(*re.findall(r"client_secret:\s+([0-9a-f]+)", result.stdout))
    return result
