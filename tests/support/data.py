"""The fixed names the events in `events/` were written for (so the handlers can run on them as they are)."""

from __future__ import annotations

TABLE_NAME = "oauth-authz-test"

# The user every `events/*.json` authenticates as (Basic b2N0b2NhdDpodW50ZXIyLWNvcnJlY3QtaG9yc2U=).
OCTOCAT_ID = 1
OCTOCAT_LOGIN = "octocat"
OCTOCAT_PASSWORD = "hunter2-correct-horse"

# A second user, for ownership rules.
HUBOT_ID = 2
HUBOT_LOGIN = "hubot"

# The OAuth app the get-or-create events name.
EVENT_CLIENT_ID = "abcde12345fghij67890"
EVENT_CLIENT_SECRET = "3ef4ad510c59b0a3fe9d5c4c2a7f1e0d1a2b3c4d"
EVENT_FINGERPRINT = "jklmnop12345678"
EVENT_APP_NAME = "Octo App"
EVENT_APP_URL = "https://octo-app.example.com"

# What the events' Host header and stage make of every URL.
BASE_URL = "https://abc123.execute-api.us-east-1.amazonaws.com/v1"

PERSONAL_CLIENT_ID = "00000000000000000000"
DOCS_URL = "https://docs.github.com/rest"
AUTHORIZATIONS_DOCS = "https://docs.github.com/enterprise-server@2.22/rest/reference/oauth-authorizations"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
MEDIA_TYPE = "github.v3; format=json"

# The OAuth token the application endpoints' events name (a well-formed gho_ token), the grant id they use.
EVENT_TOKEN = "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"
EVENT_GRANT_ID = 1
EVENT_PERSONAL_TOKEN_ID = 42  # the personal access token the settings pages' delete event names
APPS_DOCS = "https://docs.github.com/enterprise-server@2.22/rest/reference/apps#oauth-applications"


# SPEC section 6: every Accept value is served JSON (and one that is not JSON at all, as GitHub does).
ACCEPT_VALUES = [
    None,
    "application/vnd.github+json",
    "application/vnd.github.v3+json",
    "application/vnd.github.v3.full+json",
    "application/vnd.github.v3.raw+json",
    "application/vnd.github.doctor-strange-preview+json",
    "application/json",
    "*/*",
    "text/html",
]

# The web pages' events (`events/<page>.json`, written by `tests/support/page_events.py`): the browser's
# cookies (a signed-in session, a session waiting for its two-factor code, the sign-in form's pre-session),
# octocat's TOTP seed in the two-factor events, and the moment the event's code is valid.
EVENT_SESSION_ID = "EventSession-0123456789abcdefghijklmnopqrstuv"
EVENT_PENDING_SESSION_ID = "EventPendingSession-0123456789abcdefghijklmno"
EVENT_PRESESSION_ID = "EventPresession-0123456789abcdefghijklmnopqrst"
EVENT_TOTP_SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
EVENT_MOMENT = 1732200000  # the events' requestTimeEpoch, in seconds
EVENT_CALLBACK_URL = "https://octo-app.example.com/oauth/callback"
