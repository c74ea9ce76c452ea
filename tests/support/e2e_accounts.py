"""The browser tests' accounts, made as an operator makes them, with the real CLI (`oauth-authz users create`,
`apps create`): a user with a random password, an OAuth app; every secret they come with is registered with
the suite's `Secrets` (the logs and the table are checked for them)."""

from __future__ import annotations

import secrets as random_secrets
from collections.abc import Callable
from dataclasses import dataclass

from tests.support.e2e import CliResult, Secrets

Cli = Callable[..., CliResult]
# A loopback callback matches any port (RFC 8252): each test's callback server picks its own.
WEB_FLOW = ("--callback-url", "http://127.0.0.1/callback")


@dataclass(frozen=True)
class CliApp:
    client_id: str
    client_secret: str
    name: str


@dataclass(frozen=True)
class WebUser:
    login: str
    password: str
    seed: str | None = None  # the TOTP seed, when two-factor is on


def register_app(
    cli: Cli, secrets: Secrets, name: str, *flags: str, url: str = "https://demo.example.com"
) -> CliApp:
    """`apps create --name <name> --url <url> <flags>` (`*WEB_FLOW` for the web flow, `--device-flow`)."""
    created = cli("apps", "create", "--name", name, "--url", url, *flags, "--json")
    assert created.returncode == 0, created.stderr
    app = created.json()
    secrets.add(app["client_secret"])
    return CliApp(app["client_id"], app["client_secret"], name)


def new_user(cli: Cli, secrets: Secrets, login: str, two_factor: bool = False) -> WebUser:
    """`users create <login>` with a random password (read from stdin), and `users enable-2fa` if asked."""
    password = "pw-" + random_secrets.token_urlsafe(15)
    secrets.add(password)
    result = cli("users", "create", login, "--json", stdin=password + "\n")
    assert result.returncode == 0, result.stderr
    seed = None
    if two_factor:
        shown = cli("users", "enable-2fa", login, "--json")
        assert shown.returncode == 0, shown.stderr
        seed = shown.json()["secret"]
        secrets.add(seed)
    return WebUser(login, password, seed)
