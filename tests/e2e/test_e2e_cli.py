"""The admin CLI (`oauth-authz`) as a user runs it, against the running server's data dir: users and apps are
created, listed and deleted, and the API sees it at once; refusals are one clear line on stderr and exit 1.

Users: its own (cli-*), made here.
"""

from __future__ import annotations

import re
import secrets as random_secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from tests.support.e2e import (
    App,
    Client,
    CliResult,
    Secrets,
    Server,
    User,
    assert_error,
    assert_not_found,
    clean_environment,
    run_cli,
)

Cli = Callable[..., CliResult]


def new_login() -> str:
    return "cli-" + random_secrets.token_hex(4)


def new_password() -> str:
    return "cli-pw-" + random_secrets.token_urlsafe(12)


def succeeded(result: CliResult) -> CliResult:
    assert (result.returncode, result.stderr) == (0, ""), result
    return result


def refused(result: CliResult, message: str) -> None:
    """Exit 1, one line on stderr, nothing on stdout, no traceback."""
    assert result.returncode == 1, result
    assert result.stdout == "", result
    assert result.stderr == f"oauth-authz: {message}\n", result.stderr


def test_a_user_from_creation_to_deletion(cli: Cli, anonymous: Client, alpha: App) -> None:
    login, password = new_login(), new_password()
    created = succeeded(cli("users", "create", login, stdin=password + "\n"))
    found = re.fullmatch(rf"Created user {login} \(id (\d+)\)\.\n", created.stdout)
    assert found, created.stdout
    user_id = int(found.group(1))

    listed = succeeded(cli("--json", "users", "list")).json()  # --json before the command works too
    [entry] = [user for user in listed if user["login"] == login]
    assert entry["id"] == user_id and set(entry) == {"login", "id", "name", "email", "created_at"}
    assert (entry["name"], entry["email"]) == (None, None)
    updated = succeeded(
        cli("users", "update", login, "--name", "Ann", "--email", "ann@example.com", "--json")
    )
    assert (updated.json()["name"], updated.json()["email"]) == ("Ann", "ann@example.com")
    refused(
        cli("users", "update", login, "--email", "no address"),
        "An email is an address like mona@example.com.",
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry["created_at"])
    text = succeeded(cli("users", "list")).stdout.splitlines()
    assert text[0].split() == ["LOGIN", "ID", "CREATED"]
    assert any(line.split()[:2] == [login, str(user_id)] for line in text[1:])

    # The API knows them at once; their tokens work.
    api = anonymous.as_((login, password))
    assert api.get("/authorizations").json() == []
    personal = api.post("/authorizations", {"note": "before deletion"})
    assert personal.status_code == 201
    app_token = api.put(f"/authorizations/clients/{alpha.client_id}", {"client_secret": alpha.client_secret})
    assert app_token.status_code == 201
    check = f"/applications/{alpha.client_id}/token"
    checked = alpha.client.post(check, {"access_token": app_token.json()["token"]})
    assert checked.status_code == 200 and checked.json()["user"]["login"] == login

    deleted = succeeded(cli("users", "delete", login, "--json")).json()
    assert deleted == {"deleted": login, "id": user_id}
    assert_error(api.get("/authorizations"), 401, "Bad credentials")
    assert_not_found(alpha.client.post(check, {"access_token": app_token.json()["token"]}))
    refused(cli("users", "delete", login), f"No user '{login}'.")


def test_refused_users(cli: Cli, alice: User) -> None:
    long_login = "a" * 40
    cases = [
        (alice.login, new_password(), f"The login '{alice.login}' is taken."),
        (alice.login.upper(), new_password(), f"The login '{alice.login.upper()}' is taken."),
        ("bad-", new_password(), None),
        (long_login, new_password(), None),
        ("cli-short-" + random_secrets.token_hex(3), "short", "A password has 8 to {} characters."),
    ]

    def create(case: tuple[str, str, str | None]) -> CliResult:
        login, password, _ = case
        return cli("users", "create", login, stdin=password + "\n")

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(create, cases))
    login_rule = "A login is 1 to 39 letters, digits or single hyphens, not starting or ending with a hyphen."
    for (login, password, message), result in zip(cases, results, strict=True):
        assert result.returncode == 1, (login, result)
        if message is None:
            refused(result, login_rule)
        elif "{}" in message:
            assert re.fullmatch(r"oauth-authz: A password has 8 to \d+ characters\.\n", result.stderr), result
            assert result.stdout == ""
        else:
            refused(result, message)
        if len(password) >= 6:
            assert password not in result.stderr + result.stdout


def test_an_app_from_registration_to_deletion(
    cli: Cli, server: Server, anonymous: Client, conny: User
) -> None:
    name = "CLI App " + random_secrets.token_hex(3)
    created = succeeded(cli("apps", "create", "--name", name, "--url", "https://cli.example.com/app"))
    lines = created.stdout.splitlines()
    assert lines[0] == f"Registered {name}."
    client_id = re.fullmatch(r"client_id:\s+([0-9a-f]{20})", lines[1])
    client_secret = re.fullmatch(r"client_secret:\s+([0-9a-f]{40})", lines[2])
    assert client_id and client_secret, created.stdout
    assert "shown only now" in lines[3]
    app = App(
        client_id.group(1),
        client_secret.group(1),
        name,
        "https://cli.example.com/app",
        anonymous.as_((client_id.group(1), client_secret.group(1))),
    )

    listed = succeeded(cli("apps", "list", "--json")).json()
    [entry] = [found for found in listed if found["client_id"] == app.client_id]
    assert {key: entry[key] for key in ("name", "url")} == {"name": name, "url": app.url}
    assert "client_secret" not in entry
    text = succeeded(cli("apps", "list")).stdout
    assert app.client_secret not in text
    assert any(line.startswith(app.client_id) and name in line for line in text.splitlines())

    token = conny.client.put(f"/authorizations/clients/{app.client_id}", {"client_secret": app.client_secret})
    assert token.status_code == 201 and token.json()["app"] == app.app_json
    check = f"/applications/{app.client_id}/token"
    assert app.client.post(check, {"access_token": token.json()["token"]}).status_code == 200

    deleted = succeeded(cli("apps", "delete", app.client_id, "--json")).json()
    assert deleted == {"deleted": app.client_id, "revoked_tokens": 1}
    assert_error(app.client.post(check, {"access_token": token.json()["token"]}), 401, "Bad credentials")
    assert_not_found(conny.client.get(f"/authorizations/{token.json()['id']}"))
    grants = conny.client.get("/applications/grants").json()
    assert app.client_id not in [grant["app"]["client_id"] for grant in grants]
    refused(cli("apps", "delete", app.client_id), f"No app with client_id '{app.client_id}'.")


def test_refused_apps(cli: Cli) -> None:
    cases = [
        (("--name", "x", "--url", "ftp://example.com"), "An app's URL is an absolute http(s) URL."),
        (("--name", "", "--url", "https://example.com"), "An app's name has 1 to 255 characters."),
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda case: cli("apps", "create", *case[0]), cases))
    for (_, message), result in zip(cases, results, strict=True):
        refused(result, message)


def test_the_store_endpoint_of_the_running_server(
    server: Server, secrets: Secrets, cli: Cli, anonymous: Client, alice: User
) -> None:
    """`--endpoint-url` at the DynamoDB endpoint the server advertises: the same table, the same users. The
    data dir comes from `OAUTH_AUTHZ_DATA_DIR`, as the server takes it (issue 13 item 9): its key signs the
    requests, which the store refuses otherwise. Seen red with the CLI's `--data-dir` defaulting to
    `.local-data` whatever the environment (UnrecognizedClientException: the wrong data dir's key)."""
    endpoint = server.store_endpoint
    assert endpoint.startswith("http://127.0.0.1:")
    environment = clean_environment({"OAUTH_AUTHZ_DATA_DIR": str(server.data_dir)})

    def remote(*args: str, stdin: str | None = None) -> CliResult:
        return run_cli(
            "--endpoint-url",
            endpoint,
            "--table",
            "oauth-authz",
            *args,
            stdin=stdin,
            secrets=secrets,
            environment=environment,
        )

    logins = [user["login"] for user in succeeded(remote("users", "list", "--json")).json()]
    assert alice.login in logins
    login, password = new_login(), new_password()
    succeeded(remote("users", "create", login, "--json", stdin=password + "\n"))
    assert anonymous.as_((login, password)).get("/authorizations").status_code == 200
    assert succeeded(remote("users", "delete", login)).stdout.startswith(f"Deleted user {login}")
    assert_error(anonymous.as_((login, password)).get("/authorizations"), 401, "Bad credentials")


def test_an_apps_callback_url_from_creation_to_update(cli: Cli) -> None:
    created = succeeded(
        cli(
            "apps", "create", "--name", "Web CLI App", "--url", "https://web.example.com",
            "--callback-url", "https://web.example.com/cb", "--json",
        )
    ).json()  # fmt: skip
    assert created["callback_url"] == "https://web.example.com/cb"
    client_id = created["client_id"]

    updated = succeeded(
        cli("apps", "update", client_id, "--callback-url", "http://127.0.0.1/cb", "--json")
    ).json()
    assert {k: updated[k] for k in ("name", "url", "callback_url")} == {
        "name": "Web CLI App",
        "url": "https://web.example.com",
        "callback_url": "http://127.0.0.1/cb",
    }
    text = succeeded(cli("apps", "update", client_id, "--name", "Renamed")).stdout
    assert text == f"Updated Renamed ({client_id}).\n"
    [listed] = [
        app for app in succeeded(cli("apps", "list", "--json")).json() if app["client_id"] == client_id
    ]
    assert (listed["name"], listed["callback_url"]) == ("Renamed", "http://127.0.0.1/cb")
    refused(
        cli("apps", "update", client_id, "--callback-url", "https://evil@web.example.com/cb"),
        "An app's callback URL is an absolute http(s) URL without a user name, fragment, dot segments or "
        "encoded separators.",
    )
    refused(
        cli("apps", "update", "0123456789abcdef0123", "--name", "x"),
        "No app with client_id '0123456789abcdef0123'.",
    )


def test_an_apps_device_flow_and_expiring_tokens_from_creation_to_update(cli: Cli) -> None:
    plain = succeeded(
        cli("apps", "create", "--name", "Plain", "--url", "https://plain.example.com", "--json")
    )
    assert {k: plain.json()[k] for k in ("device_flow", "expiring_tokens")} == {
        "device_flow": False,
        "expiring_tokens": False,
    }
    created = succeeded(
        cli(
            "apps", "create", "--name", "Device CLI App", "--url", "https://device.example.com",
            "--device-flow", "--expiring-tokens", "--json",
        )
    ).json()  # fmt: skip
    assert (created["device_flow"], created["expiring_tokens"]) == (True, True)
    client_id = created["client_id"]

    off = succeeded(cli("apps", "update", client_id, "--no-device-flow", "--json")).json()
    assert (off["device_flow"], off["expiring_tokens"]) == (False, True)
    both = succeeded(
        cli("apps", "update", client_id, "--device-flow", "--no-expiring-tokens", "--json")
    ).json()
    assert (both["device_flow"], both["expiring_tokens"]) == (True, False)
    renamed = succeeded(cli("apps", "update", client_id, "--name", "Renamed", "--json")).json()
    assert (renamed["device_flow"], renamed["expiring_tokens"]) == (True, False)  # what is not given stays


def test_the_cli_follows_oauth_authz_data_dir(server: Server, secrets: Secrets, anonymous: Client) -> None:
    """No `--data-dir`, no `--endpoint-url`: the store of `$OAUTH_AUTHZ_DATA_DIR`, the server's (issue 13 item
    9). Seen red with `--data-dir` defaulting to `.local-data` (the user went to another store)."""
    login, password = new_login(), new_password()
    environment = clean_environment({"OAUTH_AUTHZ_DATA_DIR": str(server.data_dir)})

    created = run_cli(
        "users", "create", login, stdin=password + "\n", environment=environment, secrets=secrets
    )

    assert created.returncode == 0, created.stderr
    assert anonymous.as_((login, password)).get("/authorizations").status_code == 200
    succeeded(run_cli("users", "delete", login, environment=environment))


def test_an_app_with_an_owner_is_listed_with_the_owners_login(cli: Cli, conny: User) -> None:
    """`apps create --owner LOGIN`: the app shows on that user's /settings/developers; `apps list` says whose
    it is ("-" for the CLI's own); an unknown owner is refused and nothing is registered."""
    name = "Owned App " + random_secrets.token_hex(3)
    fields = ["--name", name, "--url", "https://own.example.com"]
    created = succeeded(cli("apps", "create", *fields, "--owner", conny.login, "--json")).json()
    assert created["owner"] == conny.login

    listed = {app["client_id"]: app for app in succeeded(cli("apps", "list", "--json")).json()}
    assert listed[created["client_id"]]["owner"] == conny.login
    rows = succeeded(cli("apps", "list")).stdout.splitlines()
    line = next(row for row in rows if row.startswith(created["client_id"]))
    assert line.split()[-2] == conny.login

    nobody = ["--name", "Nobody's", "--url", "https://x.example", "--owner", "no-such-user"]
    refused(cli("apps", "create", *nobody), "No user 'no-such-user'.")
    assert "Nobody's" not in succeeded(cli("apps", "list")).stdout
    succeeded(cli("apps", "delete", created["client_id"]))
