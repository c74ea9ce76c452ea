"""What `POST /login/oauth/access_token` answers (SPEC sections 9 and 10): a token or an error, always 200, in
the format the `Accept` header asks for: form-encoded by default, JSON, or XML, as GitHub does."""

from __future__ import annotations

from urllib.parse import urlencode
from xml.sax.saxutils import escape

from pydantic import BaseModel, ConfigDict

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
XML = "application/xml"
EXCHANGE_ERRORS_DOCS = (
    "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/"
)


class TokenResponse(BaseModel):
    model_config = ConfigDict(frozen=True)

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - OAuth's token type, not a secret
    scope: str  # comma-separated, always present (empty for a token without scopes)
    # an expiring token (SPEC section 10): seconds it lives, its refresh token and how long that lives
    expires_in: int | None = None
    refresh_token: str | None = None
    refresh_token_expires_in: int | None = None

    def fields(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.model_dump(exclude_none=True).items()}


class TokenError(BaseModel):
    model_config = ConfigDict(frozen=True)

    error: str
    error_description: str
    error_uri: str
    interval: int | None = None  # `slow_down`: the interval the client must keep from now on

    def fields(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.model_dump(exclude_none=True).items()}


class DeviceCodeResponse(BaseModel):
    """`POST /login/device/code`'s answer (SPEC section 10)."""

    model_config = ConfigDict(frozen=True)

    device_code: str
    user_code: str
    verification_uri: str
    expires_in: int
    interval: int

    def fields(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.model_dump().items()}


# GitHub's codes and texts ("Troubleshooting OAuth app access token request errors").
INCORRECT_CLIENT_CREDENTIALS = TokenError(
    error="incorrect_client_credentials",
    error_description="The client_id and/or client_secret passed are incorrect.",
    error_uri=EXCHANGE_ERRORS_DOCS + "#incorrect-client-credentials",
)
REDIRECT_URI_MISMATCH = TokenError(
    error="redirect_uri_mismatch",
    error_description="The redirect_uri MUST match the registered callback URL for this application.",
    error_uri="https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/"
    "#redirect-uri-mismatch2",
)
BAD_VERIFICATION_CODE = TokenError(
    error="bad_verification_code",
    error_description="The code passed is incorrect or expired.",
    error_uri=EXCHANGE_ERRORS_DOCS + "#bad-verification-code",
)
UNSUPPORTED_GRANT_TYPE = TokenError(
    error="unsupported_grant_type",
    error_description="The grant type must be authorization_code.",
    error_uri="https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps",
)

DEVICE_ERRORS_DOCS = (
    "https://docs.github.com/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow"
)
# The device flow's codes (GitHub's "Error codes for the device flow"), with the texts GitHub sends.
AUTHORIZATION_PENDING = TokenError(
    error="authorization_pending",
    error_description="The authorization request is still pending.",
    error_uri=DEVICE_ERRORS_DOCS,
)
SLOW_DOWN_DESCRIPTION = "Too many requests have been made in the same timeframe."
EXPIRED_TOKEN = TokenError(
    error="expired_token", error_description="The `device_code` has expired.", error_uri=DEVICE_ERRORS_DOCS
)
INCORRECT_DEVICE_CODE = TokenError(
    error="incorrect_device_code",
    error_description="The device_code provided is not valid.",
    error_uri=DEVICE_ERRORS_DOCS,
)
ACCESS_DENIED = TokenError(
    error="access_denied",
    error_description="The authorization request was denied.",
    error_uri=DEVICE_ERRORS_DOCS,
)
DEVICE_FLOW_DISABLED = TokenError(
    error="device_flow_disabled",
    error_description="Device Flow must be explicitly enabled for this App",
    error_uri="https://docs.github.com/developers/apps/building-oauth-apps/authorizing-oauth-apps#device-flow",
)
# "Refreshing user access tokens": GitHub answers a wrong, expired, spent or revoked refresh token so.
BAD_REFRESH_TOKEN = TokenError(
    error="bad_refresh_token",
    error_description="The refresh token passed is incorrect or expired.",
    error_uri=EXCHANGE_ERRORS_DOCS + "#bad-verification-code",
)


def slow_down(interval: int) -> TokenError:
    return TokenError(
        error="slow_down",
        error_description=SLOW_DOWN_DESCRIPTION,
        error_uri=DEVICE_ERRORS_DOCS,
        interval=interval,
    )


# The order GitHub writes the fields in, per format: form answers in alphabetical order, XML as its documents
# show it (a token: type, scope, token; the codes: device code, user code, URI, expiry, interval).
_XML_ORDER = (
    "token_type",
    "scope",
    "access_token",
    "device_code",
    "user_code",
    "verification_uri",
    "expires_in",
    "refresh_token",
    "refresh_token_expires_in",
    "error",
    "error_description",
    "error_uri",
    "interval",
)


def negotiated(accept: str | None) -> str:
    """The format an `Accept` header asks for: the JSON or XML type with the highest q, else form."""
    best, best_q = FORM, 0.0
    for part in (accept or "").split(","):
        media_type, *options = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        kind = {"application/json": JSON, "application/xml": XML, "text/xml": XML}.get(media_type.lower())
        if kind is not None and quality > best_q and quality > 0:
            best, best_q = kind, quality
    return best


Answer = TokenResponse | TokenError | DeviceCodeResponse


def render_token_answer(answer: Answer, accept: str | None) -> tuple[str, str]:
    """(body, Content-Type) of the answer in the format `accept` asks for."""
    fields = answer.fields()
    kind = negotiated(accept)
    if kind == JSON:
        return answer.model_dump_json(exclude_none=True), f"{JSON}; charset=utf-8"
    if kind == XML:
        inner = "".join(f"<{name}>{escape(fields[name])}</{name}>" for name in _XML_ORDER if name in fields)
        return f"<OAuth>{inner}</OAuth>", f"{XML}; charset=utf-8"
    ordered = sorted(fields.items())
    return urlencode(ordered), f"{FORM}; charset=utf-8"
