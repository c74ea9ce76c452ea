"""The embedded store is private to its data dir's owner (issue 13 item 4).

Before: moto listened on a loopback port that took any credentials, its port was in a world-readable
`endpoint` file, and the data dir was 0755: any local user could rewrite a password hash. Now:

- the data dir is 0700 and every file in it 0600 (`private_dir`, `private_file`);
- the store answers only requests signed (AWS Signature Version 4, as every AWS SDK signs) with the data
  dir's own secret key, `<data dir>/store.key` (0600, made on first use): the function workers get it as
  their `AWS_SECRET_ACCESS_KEY`, the admin CLI and the tests read it from the data dir. Anything else gets
  DynamoDB's own answer to bad credentials (400 `UnrecognizedClientException`), before moto sees it.

Why a signed secret rather than a Unix socket in the private dir: boto3 and every other DynamoDB client
(DynamoDB Local's tools, the AWS CLI, `--dynamodb-endpoint` users) speak HTTP to a URL, not to a socket, and
the functions already sign every request; a socket would need a custom transport in every client. The
signature is checked in full (the canonical request, its headers and the body's digest), so the key never
travels and a request cannot be altered; loopback traffic is not readable by other users.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

KEY_FILE = "store.key"
ACCESS_KEY_ID = "local"
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/,]+)/(?P<scope>[^,]+), *"
    r"SignedHeaders=(?P<signed>[a-z0-9;_.-]+), *Signature=(?P<signature>[0-9a-f]{64})$"
)
REFUSAL = json.dumps(
    {
        "__type": "com.amazonaws.dynamodb.v20120810#UnrecognizedClientException",
        "message": "The security token included in the request is invalid.",
    }
).encode("utf-8")


def private_dir(path: Path) -> Path:
    """The data dir, made (or made again) readable by its owner only."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.chmod(path, 0o600)


def store_key(data_dir: Path) -> str:
    """The data dir's store key, made on first use (written to a private file, then linked into place, so
    that two first users agree on one key)."""
    private_dir(data_dir)
    path = data_dir / KEY_FILE
    if not path.exists():
        draft = data_dir / f".{KEY_FILE}.{os.getpid()}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
    private_file(path)
    return path.read_text(encoding="ascii").strip()


def _header(environ: dict[str, Any], name: str) -> str | None:
    if name == "content-type":
        return environ.get("CONTENT_TYPE")
    if name == "content-length":
        return environ.get("CONTENT_LENGTH")
    value = environ.get("HTTP_" + name.upper().replace("-", "_"))
    return None if value is None else str(value)


def _canonical_query(query: str) -> str:
    pairs = sorted(
        (quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in parse_qsl(query, keep_blank_values=True)
    )
    return "&".join(f"{k}={v}" for k, v in pairs)


def signature_holds(environ: dict[str, Any], body: bytes, secret_key: str) -> bool:
    """Whether the request carries a valid SigV4 signature made with `secret_key`."""
    match = _AUTHORIZATION.match(str(environ.get("HTTP_AUTHORIZATION", "")))
    amz_date = environ.get("HTTP_X_AMZ_DATE")
    if match is None or not amz_date or not hmac.compare_digest(match["key"], ACCESS_KEY_ID):
        return False
    scope = match["scope"]
    parts = scope.split("/")
    if len(parts) != 4 or parts[3] != "aws4_request" or not str(amz_date).startswith(parts[0]):
        return False
    signed = match["signed"].split(";")
    headers: list[str] = []
    for name in signed:
        value = _header(environ, name)
        if value is None:
            return False
        headers.append(f"{name}:{' '.join(value.split())}\n")
    canonical = "\n".join(
        [
            environ.get("REQUEST_METHOD", ""),
            quote(environ.get("PATH_INFO", "") or "/", safe="/-_.~"),
            _canonical_query(environ.get("QUERY_STRING", "")),
            "".join(headers),
            match["signed"],
            hashlib.sha256(body).hexdigest(),
        ]
    )
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", str(amz_date), scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()]
    )
    key = ("AWS4" + secret_key).encode("utf-8")
    for part in parts:
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, match["signature"])


class SignedOnly:
    """WSGI middleware: the inner app sees only requests signed with the data dir's key."""

    MAX_BODY = 16 * 1024 * 1024  # DynamoDB's largest request is well under this

    def __init__(self, app: Callable[..., Iterable[bytes]], secret_key: str) -> None:
        self.app = app
        self.secret_key = secret_key

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        body = environ["wsgi.input"].read(length) if 0 <= length <= self.MAX_BODY else b""
        if 0 <= length <= self.MAX_BODY and signature_holds(environ, body, self.secret_key):
            environ["wsgi.input"] = io.BytesIO(body)
            return self.app(environ, start_response)
        start_response(
            "400 Bad Request",
            [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(REFUSAL)))],
        )
        return [REFUSAL]
