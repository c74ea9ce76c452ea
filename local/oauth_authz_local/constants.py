"""The names the local API gives what AWS would name, and API Gateway's limits: one definition each.

The account, region, API id and stage are what the events, ARNs and pseudo parameters say locally (the
stage is not part of a local URL); the embedded store and the clients of a local endpoint sign for the
same region. Imports nothing: the template tests read it from aws-sam-cli's own interpreter.
"""

from __future__ import annotations

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
API_ID = "local"
STAGE = "local"

DEFAULT_TABLE = "oauth-authz"
DEFAULT_PORT = 3000

#: API Gateway's limit on a request's body (REQUEST_TOO_LARGE above it).
MAX_BODY_BYTES = 10 * 1024 * 1024
#: API Gateway's own limit on an integration, whatever the function's Timeout.
MAX_INTEGRATION_SECONDS = 29.0
