"""The sign-in pages over HTTP, as a browser uses them: `GET /login`, `POST /session`, the two-factor step,
sign-out; their headers, cookies and CSRF tokens, against the session's server.

Users: web-* (made here; web-tfa with two-factor authentication on).
"""

from __future__ import annotations

import re
import secrets as random_secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from oauth_authz import totp
from tests.e2e.conftest import Cli
from tests.support.e2e import Secrets, Server

TOKEN = re.compile(r'name="authenticity_token" value="([^"]+)"')


@dataclass(frozen=True)
class WebUser:
    login: str
    password: str
    secret: str | None = None

    def code(self) -> str:
        assert self.secret is not None
        return totp.code_at(self.secret, totp.step_at(time.time()))


@pytest.fixture(scope="module")
def web_users(cli: Cli, secrets: Secrets) -> dict[str, WebUser]:
    made = {}
    for login in ("web-plain", "web-tfa", "web-out"):
        password = "pw-" + random_secrets.token_urlsafe(15)
        secrets.add(password)
        result = cli("users", "create", login, "--json", stdin=password + "\n")
        assert result.returncode == 0, result.stderr
        secret = None
        if login == "web-tfa":
            shown = cli("users", "enable-2fa", login, "--json").json()
            secret = shown["secret"]
            secrets.add(secret)
        made[login] = WebUser(login, password, secret)
    return made


class Browser:
    """A cookie jar and the site, redirects not followed (each answer is asserted)."""

    def __init__(self, server: Server) -> None:
        self.base = server.url
        self.http = requests.Session()

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return self.http.get(self.base + path, allow_redirects=False, timeout=30, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, data: dict[str, str], **kwargs: object) -> requests.Response:
        return self.http.post(self.base + path, data=data, allow_redirects=False, timeout=30, **kwargs)  # type: ignore[arg-type]

    def token(self, path: str) -> str:
        page = self.get(path)
        assert page.status_code == 200, page.text
        found = TOKEN.search(page.text)
        assert found, page.text
        return found.group(1)

    def cookie(self, name: str) -> str | None:
        return self.http.cookies.get(name)

    def sign_in(self, user: WebUser, return_to: str = "/logout") -> requests.Response:
        token = self.token("/login")
        return self.post(
            "/session",
            {
                "authenticity_token": token,
                "login": user.login,
                "password": user.password,
                "return_to": return_to,
            },
        )

    def signed_in_as(self) -> str | None:
        page = self.get("/logout")
        found = re.search(r"Signed in as <strong>([^<]+)</strong>", page.text)
        return found.group(1) if found else None


@pytest.fixture
def browser(server: Server) -> Browser:
    return Browser(server)


def test_the_sign_in_page_its_fields_headers_and_cookie(browser: Browser) -> None:
    page = browser.get("/login")

    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert '<label for="login_field">' in page.text and 'name="login" id="login_field"' in page.text
    assert '<label for="password">' in page.text and 'name="password" id="password"' in page.text
    assert (
        page.text.count("<script") == 1 and '<script src="/login/assets/copy.js" defer></script>' in page.text
    )
    assert "style=" not in page.text and "<style" not in page.text
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("oauth_authz_presession=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here (web/cookies.secret_cookie adds it over https)
    sheet = browser.get("/login/assets/style.css")
    assert sheet.status_code == 200 and sheet.headers["Content-Type"] == "text/css; charset=utf-8"


def test_signing_in_and_out(browser: Browser, web_users: dict[str, WebUser]) -> None:
    user = web_users["web-plain"]

    answer = browser.sign_in(user, return_to="/logout")

    assert answer.status_code == 303 and answer.headers["Location"] == "/logout"
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("oauth_authz_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert browser.signed_in_as() == user.login
    session_id = browser.cookie("oauth_authz_session")
    token = TOKEN.search(browser.get("/logout").text).group(1)  # type: ignore[union-attr]

    out = browser.post("/logout", {"authenticity_token": token})

    assert out.status_code == 303 and out.headers["Location"] == "/logout"
    assert "oauth_authz_session=;" in out.headers["Set-Cookie"] and "Max-Age=0" in out.headers["Set-Cookie"]
    assert browser.signed_in_as() is None
    replayed = requests.get(
        browser.base + "/logout", cookies={"oauth_authz_session": str(session_id)}, timeout=30
    )
    assert "Signed in as" not in replayed.text  # the session ended on the server, not only in the browser


def test_unknown_login_and_wrong_password_get_the_same_answer(
    browser: Browser, web_users: dict[str, WebUser]
) -> None:
    token = browser.token("/login")
    answers = [
        browser.post(
            "/session", {"authenticity_token": token, "login": login, "password": "not-it", "return_to": "/x"}
        )
        for login in ("web-out", "web-nobody")
    ]

    assert [a.status_code for a in answers] == [200, 200]
    bodies = [
        a.text.replace(login, "LOGIN") for a, login in zip(answers, ("web-out", "web-nobody"), strict=True)
    ]
    assert bodies[0] == bodies[1]
    assert "Incorrect username or password." in bodies[0]
    assert all("oauth_authz_session" not in a.headers.get("Set-Cookie", "") for a in answers)


def test_session_fixation_a_cookie_set_before_sign_in_is_never_the_session(
    browser: Browser, web_users: dict[str, WebUser]
) -> None:
    """Seen red with `Sessions._start` keeping the browser's previous id when it had one."""
    planted = "planted-" + random_secrets.token_urlsafe(16)
    browser.http.cookies.set("oauth_authz_session", planted, domain=urlsplit(browser.base).hostname, path="/")

    browser.sign_in(web_users["web-out"])

    assert browser.cookie("oauth_authz_session") not in (None, planted)
    assert browser.signed_in_as() == "web-out"
    fixed = requests.get(browser.base + "/logout", cookies={"oauth_authz_session": planted}, timeout=30)
    assert "Signed in as" not in fixed.text
    first = browser.cookie("oauth_authz_session")
    # signing in again (a sign-in form fetched without the session cookie): a new id, the previous one ended
    presession = str(browser.cookie("oauth_authz_presession"))
    form = requests.get(browser.base + "/login", cookies={"oauth_authz_presession": presession}, timeout=30)
    user = web_users["web-out"]
    fields = {"login": user.login, "password": user.password, "return_to": "/logout"}
    again = browser.post("/session", {**fields, "authenticity_token": TOKEN.search(form.text).group(1)})  # type: ignore[union-attr]
    assert again.status_code == 303
    assert browser.cookie("oauth_authz_session") != first
    old = requests.get(browser.base + "/logout", cookies={"oauth_authz_session": str(first)}, timeout=30)
    assert "Signed in as" not in old.text


@pytest.mark.parametrize("token", [None, "", "wrong", "A" * 43])
def test_a_form_without_its_csrf_token_changes_nothing(
    browser: Browser, web_users: dict[str, WebUser], token: str | None
) -> None:
    """Seen red with `require_csrf` not called in create_session and sign_out (the post signed in / out)."""
    user = web_users["web-out"]
    browser.token("/login")  # the pre-session cookie is there: only the token is missing or wrong
    fields = {"login": user.login, "password": user.password, "return_to": "/logout"}
    if token is not None:
        fields["authenticity_token"] = token

    refused = browser.post("/session", fields)

    assert refused.status_code == 422 and "Invalid authenticity token" in refused.text
    assert "oauth_authz_session" not in refused.headers.get("Set-Cookie", "")
    browser.sign_in(user)
    out_fields = {} if token is None else {"authenticity_token": token}
    assert browser.post("/logout", out_fields).status_code == 422
    assert browser.signed_in_as() == user.login


def test_a_token_from_another_browser_is_refused(server: Server, web_users: dict[str, WebUser]) -> None:
    mine, theirs = Browser(server), Browser(server)
    their_token = theirs.token("/login")
    mine.token("/login")
    user = web_users["web-out"]

    refused = mine.post(
        "/session", {"authenticity_token": their_token, "login": user.login, "password": user.password}
    )

    assert refused.status_code == 422


def test_two_factor_sign_in(browser: Browser, web_users: dict[str, WebUser]) -> None:
    user = web_users["web-tfa"]

    first = browser.sign_in(user, return_to="/logout")

    assert first.status_code == 303
    location = urlsplit(first.headers["Location"])
    assert location.path == "/sessions/two-factor" and parse_qs(location.query) == {"return_to": ["/logout"]}
    pending = browser.cookie("oauth_authz_session")
    assert browser.signed_in_as() is None  # the password alone signs nobody in
    page = browser.get(first.headers["Location"])
    assert '<label for="app_totp">' in page.text and 'name="app_otp"' in page.text
    token = TOKEN.search(page.text).group(1)  # type: ignore[union-attr]

    wrong = browser.post(
        "/sessions/two-factor", {"authenticity_token": token, "app_otp": "000000", "return_to": "/logout"}
    )
    assert wrong.status_code == 200 and "Two-factor authentication failed." in wrong.text

    code = user.code()
    done = browser.post(
        "/sessions/two-factor", {"authenticity_token": token, "app_otp": code, "return_to": "/logout"}
    )

    assert done.status_code == 303 and done.headers["Location"] == "/logout"
    assert browser.cookie("oauth_authz_session") != pending
    assert browser.signed_in_as() == user.login

    again = Browser(browser_server(browser))
    again.sign_in(user)
    token = TOKEN.search(again.get("/sessions/two-factor").text).group(1)  # type: ignore[union-attr]
    replayed = again.post("/sessions/two-factor", {"authenticity_token": token, "app_otp": code})
    assert replayed.status_code == 200 and "Two-factor authentication failed." in replayed.text


def browser_server(browser: Browser) -> Server:
    return type("S", (), {"url": browser.base})()  # type: ignore[return-value]


@pytest.mark.parametrize(
    "return_to",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "http:/evil.example",
        "/\tx",
        "evil",
        "",
    ],
)
def test_return_to_never_leaves_the_site(
    browser: Browser, web_users: dict[str, WebUser], return_to: str
) -> None:
    """Seen red with `safe_return_to` returning its value unchecked (a 303 to //evil.example)."""
    answer = browser.sign_in(web_users["web-out"], return_to=return_to)

    assert answer.status_code == 303
    assert answer.headers["Location"] == "/login"


def test_pages_answer_at_the_root_only(browser: Browser) -> None:
    assert browser.get("/api/v3/login").status_code == 404
    assert browser.post("/api/v3/session", {}).status_code == 404


@pytest.mark.parametrize(
    "body",
    [b"", b"%", b"login=%ff%fe&password=\x00", b"a=" + b"x" * 20000, b"&".join([b"f=1"] * 200), b"\xff\xfe"],
)
def test_hostile_forms_never_get_a_5xx(browser: Browser, body: bytes) -> None:
    browser.token("/login")
    for path in ("/session", "/sessions/two-factor", "/logout"):
        answer = browser.http.post(
            browser.base + path,
            data=body,
            allow_redirects=False,
            timeout=30,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert answer.status_code < 500, (path, answer.status_code)
    for path in (
        "/login?return_to=%00",
        "/login?return_to=" + "a" * 5000,
        "/sessions/two-factor?return_to=//x",
    ):
        assert browser.get(path).status_code < 500
