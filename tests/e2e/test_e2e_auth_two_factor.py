"""Two-factor authentication (TOTP) over HTTP, on the session's server: `oauth-authz users enable-2fa` and its
otpauth:// URI, GitHub's challenge (401, `X-GitHub-OTP: required; app`) for a missing, wrong or replayed code,
one step of clock drift either way, each step accepted at most once and never one earlier than the last,
`disable-2fa`; and what GitHub's clients (PyGithub, github3.py, octokit) make of the challenge.

Users: tfa-* (made here, with two-factor authentication on).
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import re
import secrets as random_secrets
import subprocess
import sys
import textwrap
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
import requests

from oauth_authz import totp
from tests.support.e2e import REPO_ROOT, Client, CliResult, Secrets, Server, clean_environment
from tests.support.e2e_auth import (
    BAD_CREDENTIALS,
    assert_otp_challenge,
    assert_refusal,
    code_for_step,
    current_step,
    rfc6238,
    wait_for_room_in_step,
    wrong_code,
)

LIST = "/authorizations"
Cli = Callable[..., CliResult]
USERS = ("tfa-flow", "tfa-drift", "tfa-later", "tfa-race", "tfa-clients")
# A Python with PyGithub and github3.py (e.g. a throwaway venv outside the project), when this one has none.
CLIENTS_PYTHON = "OAUTH_AUTHZ_E2E_CLIENTS_PYTHON"


@dataclass
class TwoFactorUser:
    login: str
    password: str
    secret: str
    uri: str
    client: Client

    def get(self, otp: str | None = None, password: str | None = None) -> requests.Response:
        headers = {} if otp is None else {"X-GitHub-OTP": otp}
        auth = (self.login, self.password if password is None else password)
        return self.client.get(LIST, headers=headers, auth=auth)


def enable(cli: Cli, login: str, secrets: Secrets) -> dict[str, str]:
    result = cli("users", "enable-2fa", login, "--json")
    assert result.returncode == 0, result.stderr
    shown: dict[str, str] = result.json()
    secrets.add(shown["secret"])  # the session's log search looks for the seeds too
    return shown


@pytest.fixture(scope="module")
def tfa(cli: Cli, anonymous: Client, secrets: Secrets) -> dict[str, TwoFactorUser]:
    """The module's users, each with two-factor authentication on (made with the CLI, several at a time)."""

    def make(login: str) -> TwoFactorUser:
        password = "pw-" + random_secrets.token_urlsafe(15)
        created = cli("users", "create", login, "--json", stdin=password + "\n")
        assert created.returncode == 0, created.stderr
        shown = enable(cli, login, secrets)
        assert set(shown) == {"login", "secret", "otpauth_uri"}, shown
        return TwoFactorUser(
            login, password, shown["secret"], shown["otpauth_uri"], anonymous.as_((login, password))
        )

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(USERS, pool.map(make, USERS), strict=True))


# ------------------------------------------------------------------------------------------------- TOTP


def test_rfc6238_test_vectors() -> None:
    """The tests' own TOTP and the product's agree with RFC 6238's SHA-1 test vectors (appendix B)."""
    key = b"12345678901234567890"
    vectors = {
        59: "94287082",
        1111111109: "07081804",
        1111111111: "14050471",
        1234567890: "89005924",
        2000000000: "69279037",
        20000000000: "65353130",
    }
    secret = base64.b32encode(key).decode().rstrip("=")
    for seconds, expected in vectors.items():
        assert rfc6238(key, seconds, digits=8) == expected
        assert rfc6238(key, seconds) == expected[-6:]
        assert totp.code_at(secret, totp.step_at(seconds)) == expected[-6:]
    assert totp.step_at(59) == 1 and totp.step_at(60) == 2


def test_enable_2fa_prints_a_seed_and_its_otpauth_uri(tfa: dict[str, TwoFactorUser]) -> None:
    for user in tfa.values():
        assert re.fullmatch(r"[A-Z2-7]{32}", user.secret), user.login  # 160 bits, base32, no padding
        label = re.escape(f"oauth-authz:{user.login}").replace(":", "(?::|%3A)")
        assert re.fullmatch(
            rf"otpauth://totp/{label}\?secret={user.secret}&issuer=oauth-authz&algorithm=SHA1&digits=6&period=30",
            user.uri,
        ), user.uri
        parts = urlsplit(user.uri)
        assert (parts.scheme, parts.netloc, unquote(parts.path)) == (
            "otpauth",
            "totp",
            f"/oauth-authz:{user.login}",
        )
        assert dict(parse_qsl(parts.query)) == {
            "secret": user.secret,
            "issuer": "oauth-authz",
            "algorithm": "SHA1",
            "digits": "6",
            "period": "30",
        }
    assert len({user.secret for user in tfa.values()}) == len(tfa)


# ---------------------------------------------------------------------------------------------- the flow


def test_the_challenge_the_code_and_no_replay(
    cli: Cli, tfa: dict[str, TwoFactorUser], secrets: Secrets
) -> None:
    user = tfa["tfa-flow"]
    step = current_step()
    # The right password without a code, with an empty one, a wrong one, malformed ones: the challenge.
    assert_otp_challenge(user.get())
    assert_otp_challenge(user.get(otp=""))
    assert_otp_challenge(user.get(otp=wrong_code(user.secret, step)))
    for malformed in ("12345", "abcdef"):  # each wrong code is a failed attempt: few of them
        assert_otp_challenge(user.get(otp=malformed))
    # A wrong password is bad credentials, code or not: the challenge only follows the right password.
    assert_refusal(user.get(password=user.password + "x"), 401, BAD_CREDENTIALS)
    assert_refusal(
        user.get(otp=code_for_step(user.secret, step), password="not-" + user.password), 401, BAD_CREDENTIALS
    )

    code = code_for_step(user.secret, current_step())
    accepted = user.get(otp=code)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == []
    assert "X-GitHub-OTP" not in accepted.headers
    # The same code again: a replay, answered with the same challenge.
    assert_otp_challenge(user.get(otp=code))
    created = user.client.post(LIST, {"note": "never"}, headers={"X-GitHub-OTP": code})
    assert_otp_challenge(created)

    # Off: no code is needed (one sent is ignored); on again: a new seed, the old one is worth nothing.
    off = cli("users", "disable-2fa", user.login, "--json")
    assert off.returncode == 0, off.stderr
    assert off.json() == {"login": user.login, "two_factor": False}
    assert user.get().status_code == 200
    assert user.get(otp=code).status_code == 200
    shown = enable(cli, user.login, secrets)
    assert shown["secret"] != user.secret
    old = code_for_step(user.secret, current_step())
    if old != code_for_step(shown["secret"], current_step()):
        assert_otp_challenge(user.get(otp=old))
    assert_otp_challenge(user.get())
    assert user.get(otp=code_for_step(shown["secret"], current_step())).status_code == 200


def test_one_step_of_drift_either_way_each_step_once(tfa: dict[str, TwoFactorUser]) -> None:
    user = tfa["tfa-drift"]
    # The first requests must reach the server within this step (`now` is its clock, one step = 30 s).
    now = wait_for_room_in_step(6)
    assert_otp_challenge(user.get(otp=code_for_step(user.secret, now + 2)))  # beyond the drift
    assert_otp_challenge(user.get(otp=code_for_step(user.secret, now - 2)))
    for step in (now - 1, now, now + 1):  # the previous step, this one, the next: once each, in order
        response = user.get(otp=code_for_step(user.secret, step))
        assert response.status_code == 200, (step - now, response.text)
    for step in (now + 1, now, now - 1):  # each again: none is later than the last accepted
        assert_otp_challenge(user.get(otp=code_for_step(user.secret, step)))


def test_after_a_later_step_only_later_steps_are_accepted(tfa: dict[str, TwoFactorUser]) -> None:
    user = tfa["tfa-later"]
    now = current_step()
    ahead = user.get(otp=code_for_step(user.secret, now + 1))  # a clock one step ahead
    assert ahead.status_code == 200, ahead.text
    # This step's code and the previous one's are still within the drift, but earlier than the last used.
    assert_otp_challenge(user.get(otp=code_for_step(user.secret, now)))
    assert_otp_challenge(user.get(otp=code_for_step(user.secret, now - 1)))
    assert_otp_challenge(user.get(otp=code_for_step(user.secret, now + 1)))


def test_a_code_sent_at_once_by_several_clients_is_accepted_once(tfa: dict[str, TwoFactorUser]) -> None:
    """Parallel requests run in different function instances (worker processes): the step is taken once."""
    user = tfa["tfa-race"]
    code = code_for_step(user.secret, current_step())
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: user.get(otp=code), range(4)))
    statuses = sorted(response.status_code for response in answers)
    assert statuses == [200, 401, 401, 401], [(r.status_code, r.text) for r in answers]
    for response in answers:
        if response.status_code == 401:
            assert_otp_challenge(response)


# ------------------------------------------------------------------------------------------------ clients


def _challenge(user: TwoFactorUser) -> requests.Response:
    response = user.get()
    assert_otp_challenge(response)
    return response


def test_clients_recognise_the_challenge_and_not_a_wrong_password(tfa: dict[str, TwoFactorUser]) -> None:
    """What GitHub's clients test, transcribed from their sources:

    - PyGithub (`github/Requester.py`, `createException`): `status == 401 and "x-github-otp" in headers and
      "required" in headers["x-github-otp"]` (headers lower-cased) -> `TwoFactorException`; checked after
      `status == 401 and message.lower() == "bad credentials"` -> `BadCredentialsException`.
    - github3.py (`github3/session.py`, `requires_2fa`): `response.status_code == 401 and "X-GitHub-OTP" in
      response.headers and "required" in response.headers["X-GitHub-OTP"]` -> calls the two-factor callback
      and sends the request again with `X-GitHub-OTP: <code>`.
    - octokit (`@octokit/auth-basic`, `requestWith2Fa`): `error.status === 401` and
      `/required/.test(headers["x-github-otp"])`; `/sms/` in it would make it trigger an SMS first.
    """
    user = tfa["tfa-clients"]
    challenge = _challenge(user)
    wrong = user.get(password=user.password + "x")

    def pygithub(response: requests.Response) -> str:
        headers = {name.lower(): value for name, value in response.headers.items()}
        message = (response.json().get("message") or "").lower()
        if response.status_code == 401 and message == "bad credentials":
            return "BadCredentialsException"
        if (
            response.status_code == 401
            and "x-github-otp" in headers
            and "required" in headers["x-github-otp"]
        ):
            return "TwoFactorException"
        return "GithubException"

    def github3(response: requests.Response) -> bool:
        return (
            response.status_code == 401
            and "X-GitHub-OTP" in response.headers
            and "required" in response.headers["X-GitHub-OTP"]
        )

    def octokit(response: requests.Response) -> tuple[bool, bool]:
        header = response.headers.get("x-github-otp") or ""
        return response.status_code == 401 and re.search("required", header) is not None, "sms" in header

    assert (pygithub(challenge), github3(challenge), octokit(challenge)) == (
        "TwoFactorException",
        True,
        (True, False),
    )
    assert (pygithub(wrong), github3(wrong), octokit(wrong)) == (
        "BadCredentialsException",
        False,
        (False, False),
    )


CLIENT_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import github, github3
    from github import Auth, Github

    url, login, password, codes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
    seen = {}
    gh = Github(base_url=url, auth=Auth.Login(login, password), retry=None)
    try:
        list(gh.get_user().get_authorizations())
    except github.TwoFactorException as error:
        otp = error.headers.get("x-github-otp")
        seen["pygithub_missing_code"] = ["TwoFactorException", error.status, error.data, otp]
    try:
        wrong = Github(base_url=url, auth=Auth.Login(login, password + "x"), retry=None)
        wrong.get_user().get_authorization(1)
    except github.BadCredentialsException as error:
        seen["pygithub_wrong_password"] = ["BadCredentialsException", error.status]
    created = gh.get_user().create_authorization(scopes=["repo"], note="pygithub", onetime_password=codes[0])
    seen["pygithub_with_code"] = [created.note, created.scopes, bool(created.token)]
    print("TOKEN " + created.token, file=sys.stderr)

    asked = []
    g3 = github3.GitHub()
    g3.session.base_url = url
    g3.login(login, password, two_factor_callback=lambda: asked.append(1) or codes[1])
    listed = [auth.note for auth in g3.authorizations()]
    seen["github3_callback_calls"] = len(asked)
    seen["github3_listed"] = listed
    print(json.dumps(seen))
    """
)


def _clients_python() -> str | None:
    if importlib.util.find_spec("github") is not None and importlib.util.find_spec("github3") is not None:
        return sys.executable
    configured = os.environ.get(CLIENTS_PYTHON)
    return configured if configured and Path(configured).is_file() else None


def test_pygithub_and_github3_against_the_challenge(
    server: Server, tfa: dict[str, TwoFactorUser], secrets: Secrets
) -> None:
    """The real clients (in the dev group; `$OAUTH_AUTHZ_E2E_CLIENTS_PYTHON` may name another Python that
    has them): PyGithub raises `TwoFactorException` for the challenge and `BadCredentialsException` for a
    wrong password, and sends a code; github3.py asks its callback for a code once and goes on."""
    python = _clients_python()
    assert python is not None, f"PyGithub and github3.py are missing: `make setup`, or set {CLIENTS_PYTHON}"
    user = tfa["tfa-clients"]
    now = current_step()  # the codes are good whichever of now-1 .. now+1 the server's step is
    codes = [code_for_step(user.secret, now), code_for_step(user.secret, now + 1)]
    secrets.add(user.password)
    completed = subprocess.run(
        [python, "-c", CLIENT_SCRIPT, server.url, user.login, user.password, ",".join(codes)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        env=clean_environment(),
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    secrets.add(*re.findall(r"TOKEN (\S+)", completed.stderr))
    seen: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    assert seen == {
        "pygithub_missing_code": [
            "TwoFactorException",
            401,
            {
                "message": "Must specify two-factor authentication OTP code.",
                "documentation_url": "https://docs.github.com/rest",
            },
            "required; app",
        ],
        "pygithub_wrong_password": ["BadCredentialsException", 401],
        "pygithub_with_code": ["pygithub", ["repo"], True],
        "github3_callback_calls": 1,
        "github3_listed": ["pygithub"],
    }
