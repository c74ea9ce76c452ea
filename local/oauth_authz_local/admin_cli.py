"""`oauth-authz`: administration of users and OAuth apps, on the local store or any DynamoDB table.

By default it works on the local API's store (the running `make serve`, or the data dir directly when the
server is stopped). `--endpoint-url` points it at another DynamoDB endpoint and `--aws` at AWS itself with the
usual credentials chain; `--table` names the table (for a deployed stack: its TableName output).
Passwords are read from standard input or a prompt, never from an argument.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from botocore.exceptions import ClientError

from oauth_authz.clock import iso
from oauth_authz.models.domain import App, User
from oauth_authz.secretbox import SecretBoxError
from oauth_authz.service.accounts import AccountError, Accounts
from oauth_authz.store.repository import Repository

from .constants import DEFAULT_TABLE


def _common(defaults: bool) -> argparse.ArgumentParser:
    """Options accepted before or after the command (`oauth-authz --json users list` or `... list --json`)."""
    parser = argparse.ArgumentParser(add_help=False)

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument("--json", action="store_true", default=default(False), help="machine-readable output")
    parser.add_argument(
        "--endpoint-url", default=default(None), help="a DynamoDB endpoint (DynamoDB Local, ...)"
    )
    parser.add_argument("--aws", action="store_true", default=default(False), help="use AWS's own endpoint")
    parser.add_argument(
        "--table",
        default=default(os.environ.get("OAUTH_AUTHZ_TABLE", DEFAULT_TABLE)),
        help=f"the table (default: $OAUTH_AUTHZ_TABLE or {DEFAULT_TABLE})",
    )
    parser.add_argument("--data-dir", default=default(None), help="the local store's data dir")
    parser.add_argument(
        "--kms-key-id",
        default=default(os.environ.get("TOTP_KMS_KEY_ID")),
        help="with --aws: the KMS key that seals TOTP seeds (the stack's TotpKeyId output)",
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    common = _common(defaults=False)
    parser = argparse.ArgumentParser(
        prog="oauth-authz",
        description=__doc__,
        parents=[_common(defaults=True)],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    groups = parser.add_subparsers(dest="group", required=True)

    users = groups.add_parser("users", help="users who sign in with Basic auth").add_subparsers(
        dest="command", required=True
    )
    create = users.add_parser("create", parents=[common], help="create a user; the password comes from stdin")
    create.add_argument("login")
    create.add_argument("--name", help="the user's name (GET /user shows it)")
    create.add_argument("--email", help="the user's email address (GET /user and /user/emails show it)")
    create.set_defaults(run=_users_create)
    update = users.add_parser("update", parents=[common], help="change a user's name or email")
    update.add_argument("login")
    update.add_argument("--name", help="the new name (empty: none)")
    update.add_argument("--email", help="the new email address (empty: none)")
    update.set_defaults(run=_users_update)
    users.add_parser("list", parents=[common], help="list users").set_defaults(run=_users_list)
    delete = users.add_parser("delete", parents=[common], help="delete a user and all their tokens")
    delete.add_argument("login")
    delete.set_defaults(run=_users_delete)

    enable = users.add_parser(
        "enable-2fa", parents=[common], help="give a user a TOTP seed; prints it and an otpauth:// URI once"
    )
    enable.add_argument("login")
    enable.set_defaults(run=_users_enable_2fa)
    disable = users.add_parser(
        "disable-2fa", parents=[common], help="remove a user's two-factor authentication"
    )
    disable.add_argument("login")
    disable.set_defaults(run=_users_disable_2fa)

    apps = groups.add_parser("apps", help="OAuth apps").add_subparsers(dest="command", required=True)
    create = apps.add_parser("create", parents=[common], help="register an app; prints its secret once")
    create.add_argument("--name", required=True)
    create.add_argument("--url", required=True)
    create.add_argument("--callback-url", help="where the web flow sends users back (SPEC section 9)")
    create.add_argument(
        "--device-flow", action="store_true", help="turn the device flow on (SPEC section 10)"
    )
    create.add_argument(
        "--expiring-tokens", action="store_true", help="tokens expire after 8 hours, with refresh tokens"
    )
    create.add_argument(
        "--owner", metavar="LOGIN", help="the user who owns it (it shows on their /settings/developers)"
    )
    create.set_defaults(run=_apps_create)
    update = apps.add_parser(
        "update", parents=[common], help="change an app's name, URL, callback URL or flows"
    )
    update.add_argument("client_id")
    update.add_argument("--name")
    update.add_argument("--url")
    update.add_argument("--callback-url")
    update.add_argument("--device-flow", action=argparse.BooleanOptionalAction, default=None)
    update.add_argument("--expiring-tokens", action=argparse.BooleanOptionalAction, default=None)
    update.set_defaults(run=_apps_update)
    apps.add_parser("list", parents=[common], help="list apps").set_defaults(run=_apps_list)
    delete = apps.add_parser("delete", parents=[common], help="delete an app and revoke its tokens")
    delete.add_argument("client_id")
    delete.set_defaults(run=_apps_delete)
    return parser


# Commands ------------------------------------------------------------------------------------------------

Output = Callable[[Any, str], None]


def _users_create(accounts: Accounts, args: argparse.Namespace, out: Output) -> None:
    user = accounts.create_user(args.login, read_password(sys.stdin), name=args.name, email=args.email)
    out(_user_json(user), f"Created user {user.login} (id {user.id}).")


def _users_update(accounts: Accounts, args: argparse.Namespace, out: Output) -> None:
    user = accounts.update_user(args.login, args.name, args.email)
    out(_user_json(user), f"Updated user {user.login}: name {user.name!r}, email {user.email!r}.")


def _users_list(accounts: Accounts, args: argparse.Namespace, out: Output) -> None:
    users = accounts.list_users()
    lines = [f"{'LOGIN':<40} {'ID':>16}  CREATED"] + [
        f"{u.login:<40} {u.id:>16}  {iso(u.created_at)}" for u in users
    ]
    out([_user_json(u) for u in users], "\n".join(lines))


def _users_delete(accounts: Accounts, args: argparse.Namespace, out: Output) -> None:
    user = accounts.delete_user(args.login)
    out({"deleted": user.login, "id": user.id}, f"Deleted user {user.login} and every token of theirs.")


def _users_enable_2fa(accounts: Accounts, args: argparse.Namespace, out: Output) -> None:
    setup = accounts.enable_two_factor(args.login)
    out(
        {"login": setup.user.login, "secret": setup.secret, "otpauth_uri": setup.uri},
        f"Two-factor authentication is on for {setup.user.login}. Add this to an authenticator app:\n"
        f"secret: {setup.secret}\n"
        f"uri:    {setup.uri}\n"
        "Every request must now carry X-GitHub-OTP: <code>. The seed is shown only now (stored sealed).",
    )


def _users_disable_2fa(accounts: Accounts, args: argparse.Namespace, out: Output) -> None:
    user = accounts.disable_two_factor(args.login)
    out({"login": user.login, "two_factor": False}, f"Two-factor authentication is off for {user.login}.")


def _apps_create(accounts: Accounts, args: argparse.Namespace, out: Output) -> None:
    created = accounts.create_app(
        args.name, args.url, args.callback_url, args.device_flow, args.expiring_tokens, args.owner
    )
    data = {**_app_json(created.app, args.owner), "client_secret": created.client_secret}
    out(
        data,
        f"Registered {created.app.name}.\n"
        f"client_id:     {created.app.client_id}\n"
        f"client_secret: {created.client_secret}\n"
        "The secret is shown only now: it is stored as a hash and cannot be read back.",
    )


def _apps_update(accounts: Accounts, args: argparse.Namespace, out: Output) -> None:
    app = accounts.update_app(
        args.client_id, args.name, args.url, args.callback_url, args.device_flow, args.expiring_tokens
    )
    out(_app_json(app), f"Updated {app.name} ({app.client_id}).")


def _apps_list(accounts: Accounts, args: argparse.Namespace, out: Output) -> None:
    apps = accounts.list_apps()
    owners = accounts.owner_logins(apps)
    login = {a.client_id: owners.get(a.owner_id) if a.owner_id is not None else None for a in apps}
    lines = [f"{'CLIENT_ID':<22} {'NAME':<30} {'OWNER':<20} URL"] + [
        f"{a.client_id:<22} {a.name:<30} {login[a.client_id] or '-':<20} {a.url}" for a in apps
    ]
    out([_app_json(a, login[a.client_id]) for a in apps], "\n".join(lines))


def _apps_delete(accounts: Accounts, args: argparse.Namespace, out: Output) -> None:
    app, revoked = accounts.delete_app(args.client_id)
    out(
        {"deleted": app.client_id, "revoked_tokens": revoked},
        f"Deleted app {app.name} ({app.client_id}); revoked {revoked} token(s).",
    )


def _user_json(user: User) -> dict[str, Any]:
    return {
        "login": user.login,
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "created_at": iso(user.created_at),
    }


def _app_json(app: App, owner: str | None = None) -> dict[str, Any]:
    return {
        "owner": owner,
        "client_id": app.client_id,
        "id": app.id,
        "name": app.name,
        "url": app.url,
        "callback_url": app.callback_url,
        "device_flow": app.device_flow,
        "expiring_tokens": app.expiring_tokens,
        "created_at": iso(app.created_at),
    }


# Plumbing ------------------------------------------------------------------------------------------------


def read_password(stream: TextIO) -> str:
    """From a prompt (typed twice) on a terminal, else the first line of standard input."""
    if stream.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != first:
            raise AccountError("The passwords do not match.")
        return first
    line = stream.readline()
    return line[:-1] if line.endswith("\n") else line


@contextlib.contextmanager
def _repository(args: argparse.Namespace) -> Iterator[Repository]:
    from oauth_authz_local import embedded_dynamodb
    from oauth_authz_local.totp_key import local_totp_key

    if args.aws:
        import boto3

        if args.kms_key_id:
            os.environ["TOTP_KMS_KEY_ID"] = args.kms_key_id
        yield Repository(args.table, boto3.client("dynamodb"))
        return
    # The local API seals TOTP seeds with a key kept in its data dir, whatever DynamoDB it uses.
    os.environ.pop("TOTP_KMS_KEY_ID", None)
    os.environ["TOTP_LOCAL_KEY"] = local_totp_key(args.data_dir)
    if args.endpoint_url:
        served = embedded_dynamodb.served_from(args.endpoint_url, args.data_dir)
        yield Repository(args.table, embedded_dynamodb.client(args.endpoint_url, served))
        return
    with embedded_dynamodb.open_store(args.data_dir) as connection:
        embedded_dynamodb.ensure_table(connection.endpoint, args.table, data_dir=connection.data_dir)
        yield Repository(args.table, connection.client())


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    def out(data: Any, text: str) -> None:
        print(json.dumps(data, indent=2) if args.json else text)

    try:
        with _repository(args) as repository:
            args.run(Accounts(repository), args, out)
    except (AccountError, SecretBoxError) as error:
        print(f"oauth-authz: {error}", file=sys.stderr)
        return 1
    except ClientError as error:  # e.g. a store that refuses this data dir's key: one line, no traceback
        code = error.response.get("Error", {}).get("Code", "")
        print(f"oauth-authz: the store refused the request ({code})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
