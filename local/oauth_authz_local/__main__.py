"""``python -m oauth_authz_local serve [...]`` starts the local API; other commands go to the admin CLI."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["serve"]:
        from .local_api import main as serve

        return serve(arguments[1:])
    if arguments[:1] == ["openapi"]:
        from .openapi import main as openapi

        return openapi(arguments[1:])
    if not arguments or arguments[0] in ("-h", "--help"):
        print(
            "usage: python -m oauth_authz_local serve [--host H] [--port P] [--dynamodb-endpoint URL] "
            "[--table NAME] [--data-dir DIR] [--template PATH]\n"
            "       python -m oauth_authz_local openapi [--write | --check]   (the API's OpenAPI document)\n"
            "       python -m oauth_authz_local <admin command> ...   (the oauth-authz CLI)",
            file=sys.stderr if not arguments else sys.stdout,
        )
        return 2 if not arguments else 0
    from .admin_cli import main as admin

    result = admin(arguments)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
