"""The web application flow's core (SPEC section 9): the authorize request's rules, the user's decision,
codes, and the code exchange of `POST /login/oauth/access_token`.

The pages (sign-in, consent) call `parse_authorize_request`, `needs_consent`, `approve` and `deny`; the token
endpoint calls `exchange`. Codes are 20 random hex characters followed by the user's id in hex: the id lets
the exchange read the code, the app and the user's grant in one BatchGetItem; it is no secret (the client
learns it from `GET /user`), and a code whose id part was changed hashes to nothing stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict

from oauth_authz import clock
from oauth_authz.app_secrets import app_secret_matches
from oauth_authz.errors import StoreUnavailable
from oauth_authz.models.domain import App, AuthorizationCode, Grant, Principal
from oauth_authz.redirect_rule import redirect_allowed
from oauth_authz.scopes import covers, normalise
from oauth_authz.service import device_flow, refresh
from oauth_authz.service.authorizations import AuthorizationService
from oauth_authz.service.device_flow import DEVICE_CODE_GRANT
from oauth_authz.service.retries import backoff
from oauth_authz.settings import Settings, get_settings
from oauth_authz.store.refresh_tokens import family_of, refresh_put
from oauth_authz.store.repository import Repository
from oauth_authz.store.table import WriteConflict
from oauth_authz.token_answers import (
    BAD_VERIFICATION_CODE,
    INCORRECT_CLIENT_CREDENTIALS,
    REDIRECT_URI_MISMATCH,
    UNSUPPORTED_GRANT_TYPE,
    TokenError,
    TokenResponse,
)

__all__ = [
    "AuthorizeApp",
    "AuthorizeError",
    "AuthorizeRequest",
    "NoCallbackUrl",
    "RedirectError",
    "TokenError",
    "TokenResponse",
    "UnknownClient",
    "WebFlow",
    "approve",
    "deny",
    "exchange",
    "needs_consent",
    "parse_authorize_request",
    "web_flow",
]

CODE_LIFETIME = timedelta(minutes=10)
MAX_STATE = 1024
MAX_ID = 2**53
_CODE = re.compile(r"^[0-9a-f]{21,34}$")
_RANDOM_PART = 20
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url of a SHA-256, without padding
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")  # RFC 7636 section 4.1
AUTHORIZE_ERRORS_DOCS = (
    "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/"
)
ATTEMPTS = 6


# What the pages receive -------------------------------------------------------------------------------------


class AuthorizeApp(BaseModel):
    model_config = ConfigDict(frozen=True)

    client_id: str
    name: str
    url: str
    callback_url: str


class AuthorizeRequest(BaseModel):
    """A valid `GET /login/oauth/authorize` request: what the consent page shows and `approve` binds."""

    model_config = ConfigDict(frozen=True)

    app: AuthorizeApp
    redirect_uri: str  # where the browser goes back to: the one given, or the registered callback
    redirect_uri_given: str | None
    scopes: list[str]
    state: str | None = None
    login: str | None = None
    prompt: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    offline_access: bool = False  # `offline_access` asked for: an expiring token with a refresh token


class AuthorizeError(Exception):
    """An authorize request that cannot go on; the subclass says how the page answers."""


class UnknownClient(AuthorizeError):
    """No app with that client_id: an error page (404), never a redirect."""


class NoCallbackUrl(AuthorizeError):
    """The app has no callback URL registered (apps made before the web flow): an error page saying so."""

    def __init__(self, app_name: str) -> None:
        super().__init__(app_name)
        self.app_name = app_name


class RedirectError(AuthorizeError):
    """Send the browser to `redirect_to`, which carries `error`, `error_description`, `error_uri`, `state`."""

    def __init__(self, redirect_to: str) -> None:
        super().__init__("redirect")
        self.redirect_to = redirect_to


def with_query(url: str, params: Mapping[str, str | None]) -> str:
    """`url` with `params` added to its query (those that are None left out), keeping what it had."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(name, value) for name, value in params.items() if value is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _error_redirect(url: str, error: str, description: str, anchor: str, state: str | None) -> str:
    return with_query(
        url,
        {
            "error": error,
            "error_description": description,
            "error_uri": AUTHORIZE_ERRORS_DOCS + anchor,
            "state": state,
        },
    )


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _code_user(code: str) -> int | None:
    """The user id a code carries, or None for anything that cannot be a code (answered without a read)."""
    if not _CODE.match(code):
        return None
    user_id = int(code[_RANDOM_PART:], 16)
    return user_id if 0 < user_id < MAX_ID else None


class WebFlow:
    def __init__(
        self, repository: Repository, settings: Settings, authorizations: AuthorizationService
    ) -> None:
        self.repository = repository
        self.settings = settings
        self.authorizations = authorizations

    # authorize ---------------------------------------------------------------------------------------------

    def parse_authorize_request(self, params: Mapping[str, str]) -> AuthorizeRequest:
        client_id = params.get("client_id") or ""
        app = self.repository.get_app(client_id) if readable_client_id(client_id) else None
        return self.check_authorize_request(params, app)

    def check_authorize_request(self, params: Mapping[str, str], app: App | None) -> AuthorizeRequest:
        """`parse_authorize_request` with the app of `params["client_id"]` read already (None: there is no
        such app), e.g. in the same BatchGetItem as the browser's session."""
        client_id = params.get("client_id") or ""
        if app is None or app.client_id != client_id:
            raise UnknownClient(client_id)
        if app.callback_url is None:
            raise NoCallbackUrl(app.name)
        state = params.get("state")
        if state is not None and len(state) > MAX_STATE:
            state = None
        given = params.get("redirect_uri") or None
        if given is not None and not redirect_allowed(app.callback_url, given):
            raise RedirectError(
                _error_redirect(
                    app.callback_url,
                    "redirect_uri_mismatch",
                    "The redirect_uri MUST match the registered callback URL for this application.",
                    "#redirect-uri-mismatch",
                    state,
                )
            )
        redirect_uri = given or app.callback_url
        challenge, method = params.get("code_challenge") or None, params.get("code_challenge_method") or None
        if challenge is not None or method is not None:
            problem = None
            if method != "S256":
                problem = "The code_challenge_method must be S256: plain is not supported."
            elif challenge is None or not _CHALLENGE.match(challenge):
                problem = (
                    "The code_challenge must be the base64url SHA-256 of the code_verifier (43 characters)."
                )
            if problem is not None:
                raise RedirectError(
                    with_query(
                        redirect_uri,
                        {"error": "invalid_request", "error_description": problem, "state": state},
                    )
                )
        prompt = params.get("prompt")
        login = params.get("login") or None
        return AuthorizeRequest(
            app=AuthorizeApp(
                client_id=app.client_id, name=app.name, url=app.url, callback_url=app.callback_url
            ),
            redirect_uri=redirect_uri,
            redirect_uri_given=given,
            scopes=normalise(params.get("scope") or "", self.settings.allowed_scopes),
            state=state,
            login=login if login is not None and len(login) <= 39 else None,
            prompt=prompt if prompt == "select_account" else None,
            code_challenge=challenge,
            code_challenge_method=method,
            offline_access=refresh.asks_offline(params.get("scope") or ""),
        )

    def needs_consent(self, request: AuthorizeRequest, user_id: int) -> bool:
        """False when the user's grant for the app already gives every requested scope (one read)."""
        grant = self.repository.get_grant(user_id, request.app.client_id)
        if grant is None:
            return True
        moment = clock.now()
        return not grant.is_held(moment) or not covers(grant.scopes(moment), request.scopes)

    def approve(self, request: AuthorizeRequest, user_id: int, login: str | None = None) -> str:
        """Store a code bound to what the user approved; the URL to send the browser to (`code`, `state`)."""
        if login is None:
            login = self.repository.login_of(user_id)
        code = secrets.token_hex(_RANDOM_PART // 2) + format(user_id, "x")
        moment = clock.now()
        self.repository.create_code(
            AuthorizationCode(
                hashed_code=_hash(code),
                client_id=request.app.client_id,
                user_id=user_id,
                login=login,
                redirect_uri=request.redirect_uri_given,
                scopes=list(request.scopes),
                code_challenge=request.code_challenge,
                created_at=moment,
                expires_at=moment + CODE_LIFETIME,
                offline=request.offline_access,
            )
        )
        return with_query(request.redirect_uri, {"code": code, "state": request.state})

    @staticmethod
    def deny(request: AuthorizeRequest) -> str:
        return _error_redirect(
            request.redirect_uri,
            "access_denied",
            "The user has denied your application access.",
            "#access-denied",
            request.state,
        )

    # the code exchange --------------------------------------------------------------------------------------

    def exchange(
        self, params: Mapping[str, str], basic: tuple[str, str] | None
    ) -> TokenResponse | TokenError:
        """`POST /login/oauth/access_token` for `grant_type` authorization_code (or none)."""
        grant_type = params.get("grant_type") or "authorization_code"
        handler = self._grant_types().get(grant_type)
        if handler is None:
            return UNSUPPORTED_GRANT_TYPE
        return handler(params, basic)

    def _grant_types(
        self,
    ) -> dict[str, Callable[[Mapping[str, str], tuple[str, str] | None], TokenResponse | TokenError]]:
        """What each `grant_type` is answered by."""
        return {
            "authorization_code": self._authorization_code,
            "refresh_token": refresh.refresher().refresh,
            DEVICE_CODE_GRANT: device_flow.device_flow().poll,
        }

    def _authorization_code(
        self, params: Mapping[str, str], basic: tuple[str, str] | None
    ) -> TokenResponse | TokenError:
        client_id, client_secret = params.get("client_id") or "", params.get("client_secret") or ""
        if basic is not None and not (client_id and client_secret):
            client_id, client_secret = basic
        if not client_id or len(client_id) > 64 or not client_secret:
            return INCORRECT_CLIENT_CREDENTIALS
        code = params.get("code") or ""
        user_id = _code_user(code)
        if user_id is None:
            # Credentials first (one read): a wrong secret must not learn whether a code is well formed.
            app = self.repository.get_app(client_id)
            if app is None or not app_secret_matches(app, client_secret):
                return INCORRECT_CLIENT_CREDENTIALS
            return BAD_VERIFICATION_CODE
        hashed = _hash(code)
        for round_ in range(ATTEMPTS):
            context = self.repository.exchange_context(hashed, client_id, user_id)
            if context.app is None or not app_secret_matches(context.app, client_secret):
                return INCORRECT_CLIENT_CREDENTIALS
            found = context.code
            if found is None or found.client_id != client_id or found.user_id != user_id:
                return BAD_VERIFICATION_CODE
            if found.issued_auth_id is not None:
                self._revoke_issued(found)
                return BAD_VERIFICATION_CODE
            refused = self._refusal(found, context.app, params)
            if refused is not None:
                return refused
            try:
                return self._issue(found, context.app, context.grant)
            except WriteConflict:
                # Lost a race (the code spent meanwhile, or the grant changed): read again; a spent code is
                # then a replay.
                backoff(round_)
        raise StoreUnavailable()

    def _refusal(self, code: AuthorizationCode, app: App, params: Mapping[str, str]) -> TokenError | None:
        if code.is_expired(clock.now()):
            return BAD_VERIFICATION_CODE
        redirect_uri = params.get("redirect_uri") or None
        if redirect_uri is not None:
            if code.redirect_uri is not None:
                matches = redirect_uri == code.redirect_uri
            else:
                matches = app.callback_url is not None and redirect_allowed(app.callback_url, redirect_uri)
            if not matches:
                return REDIRECT_URI_MISMATCH
        verifier = params.get("code_verifier") or None
        if code.code_challenge is None:
            # a verifier for a code that had no challenge: a PKCE downgrade (OAuth 2.0 Security BCP 4.8.2)
            return None if verifier is None else BAD_VERIFICATION_CODE
        if verifier is None or not _VERIFIER.match(verifier):
            return BAD_VERIFICATION_CODE
        if not hmac.compare_digest(_s256(verifier), code.code_challenge):
            return BAD_VERIFICATION_CODE
        return None

    def _issue(self, code: AuthorizationCode, app: App, grant: Grant | None) -> TokenResponse:
        user = Principal(kind="user", user_id=code.user_id, login=code.login)
        if app.expiring_tokens or code.offline:
            pair = refresh.new_pair(
                self.authorizations, user, app, grant, list(code.scopes), from_device=False
            )
            revoked = (
                None
                if pair.fresh_grant is not None
                else self.authorizations.oldest_over_cap(grant, code.scopes)
            )
            self.repository.exchange_code(
                code,
                pair.authorization,
                pair.fresh_grant,
                grant,
                revoked,
                family_of(pair.refresh, pair.authorization),
                [refresh_put(pair.refresh)],
            )
            return pair.answer()
        issued, fresh = self.authorizations.new_app_token(user, app, grant, list(code.scopes), web_flow=True)
        revoked = None if fresh is not None else self.authorizations.oldest_over_cap(grant, code.scopes)
        self.repository.exchange_code(code, issued.authorization, fresh, grant, revoked)
        auth = issued.authorization
        return TokenResponse(access_token=issued.token, scope=",".join(auth.scopes))

    def _revoke_issued(self, code: AuthorizationCode) -> None:
        """A code presented again: the token its first exchange issued goes (OAuth 2.0 Security BCP 4.5)."""
        if code.issued_auth_id is None:
            return
        for round_ in range(ATTEMPTS):
            auth = self.repository.get_authorization(code.user_id, code.issued_auth_id)
            if auth is None:
                return
            try:
                self.repository.delete_authorization(auth, clock.now())
                return
            except WriteConflict:
                backoff(round_)


@lru_cache(maxsize=1)
def web_flow() -> WebFlow:
    settings = get_settings()
    repository = Repository(settings.table_name)
    return WebFlow(repository, settings, AuthorizationService(repository, settings))


# The interface the pages and the token endpoint call --------------------------------------------------------


def readable_client_id(client_id: str) -> bool:
    """Worth a read: a client_id that could be an app's (longer ones are nobody's, and no key is built)."""
    return 0 < len(client_id) <= 64


def parse_authorize_request(params: Mapping[str, str]) -> AuthorizeRequest:
    return web_flow().parse_authorize_request(params)


def check_authorize_request(params: Mapping[str, str], app: App | None) -> AuthorizeRequest:
    return web_flow().check_authorize_request(params, app)


def needs_consent(request: AuthorizeRequest, user_id: int) -> bool:
    return web_flow().needs_consent(request, user_id)


def approve(request: AuthorizeRequest, user_id: int, login: str | None = None) -> str:
    return web_flow().approve(request, user_id, login)


def deny(request: AuthorizeRequest) -> str:
    return WebFlow.deny(request)


def exchange(params: Mapping[str, str], basic_auth_header: str | None) -> TokenResponse | TokenError:
    """The token endpoint: parameters (form, JSON or query, merged) and the Authorization header if any."""
    return web_flow().exchange(params, _basic_credentials(basic_auth_header))


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except ValueError:
        return None
    client_id, colon, client_secret = decoded.partition(":")
    return (client_id, client_secret) if colon else None
