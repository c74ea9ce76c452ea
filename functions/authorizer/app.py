"""The REQUEST authorizer: Basic auth as a user or as an app, and a user's token on the token routes.

It always answers Allow for the called method, with a context that either names the principal or says why the
caller is refused; the function then answers the refusal with GitHub's status, body and headers. A Deny would
become one fixed gateway response, which cannot give 401 `Bad credentials`, 403 for a token, or the
`X-GitHub-OTP` header. A request without an Authorization header never gets here: API Gateway answers it
with the UNAUTHORIZED gateway response (401 `Requires authentication`). Credentials are never logged.

The policy is written here, not with Powertools' `APIGatewayAuthorizerResponse` and
`APIGatewayAuthorizerRequestEvent`: importing them imports all of Powertools' event data classes (about
+35 ms on this function's cold start, measured), and `allow_route` refuses a method ARN whose path has a
character outside `[/.a-zA-Z0-9-_*{}+]` (a fingerprint with a space, `%20`), which would crash the authorizer.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.service.authentication import Outcome, authenticator, is_app_route, is_token_route
from oauth_authz.settings import get_settings

get_settings()  # validated at init: a bad environment fails the cold start, not a request


def _header(headers: dict[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def policy(method_arn: str, outcome: Outcome) -> dict[str, Any]:
    if outcome.principal is None:
        principal_id = "anonymous"
        context: dict[str, str | int] = {"auth_error": str(outcome.failure)}
    elif outcome.principal.kind == "user":
        principal_id = f"user:{outcome.principal.user_id}"
        context = {
            "principal_type": "user",
            "user_id": outcome.principal.user_id,
            "login": outcome.principal.login,
        }
        token = outcome.principal.token
        if token is not None:  # what the token may do: X-OAuth-Scopes, X-OAuth-Client-Id, scope checks
            context["token_scopes"] = ",".join(token.scopes)
            if token.client_id is not None:
                context["token_client_id"] = token.client_id
    else:
        principal_id = f"app:{outcome.principal.client_id}"
        context = {"principal_type": "app", "client_id": outcome.principal.client_id}
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": method_arn}],
        },
        "context": context,
    }


# The event carries the Authorization header: no event logging here, and no correlation id from it.
@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    resource = str(event.get("resource") or "")
    app_route = is_app_route(resource)
    headers = event.get("headers")
    outcome = authenticator().authenticate(
        _header(headers, "authorization"),
        app_route,
        otp=_header(headers, "x-github-otp"),
        token_route=is_token_route(resource),
    )
    extra: dict[str, str] = {
        "principal_type": "app" if app_route else "user",
        "outcome": "allowed" if outcome.principal else str(outcome.failure),
    }
    if outcome.principal is None:  # a refusal: where it came from, never what was tried (no login either)
        identity = (event.get("requestContext") or {}).get("identity") or {}
        extra["source_ip"] = str(identity.get("sourceIp") or "")
    logger.info("authentication", extra=extra)
    return policy(event["methodArn"], outcome)
