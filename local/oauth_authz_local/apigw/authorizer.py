"""A Lambda authorizer's answer as API Gateway takes it: the result's shape, the IAM policy evaluated
against the method ARN, and the cache of results (``ReauthorizeEvery``)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AuthorizerCache",
    "AuthorizerError",
    "AuthorizerResult",
    "denied_message",
    "evaluate_policy",
    "parse_authorizer_result",
]


class AuthorizerError(Exception):
    """The authorizer's answer is not one API Gateway accepts (AUTHORIZER_FAILURE)."""


@dataclass(frozen=True)
class AuthorizerResult:
    principal_id: str
    policy: dict[str, Any]
    context: dict[str, str]

    def request_context(self) -> dict[str, str]:
        return {"principalId": self.principal_id, **self.context}


def _context_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    raise AuthorizerError(f"context values must be strings, numbers or booleans, got {type(value).__name__}")


def parse_authorizer_result(result: Any) -> AuthorizerResult:
    """Validate an authorizer's return value as API Gateway does; context values become strings."""
    if not isinstance(result, dict):
        raise AuthorizerError("the authorizer did not return an object")
    principal_id = result.get("principalId")
    if principal_id is None or isinstance(principal_id, dict | list):
        raise AuthorizerError("principalId is missing")
    policy = result.get("policyDocument")
    if not isinstance(policy, dict) or not policy.get("Statement"):
        raise AuthorizerError("policyDocument is missing or has no Statement")
    context = result.get("context") or {}
    if not isinstance(context, dict):
        raise AuthorizerError("context must be an object")
    return AuthorizerResult(
        principal_id=_context_value(principal_id),
        policy=policy,
        context={str(key): _context_value(value) for key, value in context.items()},
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    expression = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.fullmatch(expression, value, flags | re.DOTALL) is not None


def evaluate_policy(policy: Mapping[str, Any], arn: str, action: str = "execute-api:Invoke") -> bool:
    """True when the policy allows ``action`` on ``arn``: an explicit Deny wins, no Allow means no.

    Raises :class:`AuthorizerError` for a policy API Gateway would reject.
    """
    statements = policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise AuthorizerError("policy without statements")
    allowed = False
    for statement in statements:
        if not isinstance(statement, dict):
            raise AuthorizerError("a policy statement is not an object")
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise AuthorizerError(f"invalid Effect {effect!r}")
        if "Action" in statement:
            action_matches = any(
                _wildcard(str(p), action, case_sensitive=False) for p in _as_list(statement["Action"])
            )
        elif "NotAction" in statement:
            action_matches = not any(
                _wildcard(str(p), action, case_sensitive=False) for p in _as_list(statement["NotAction"])
            )
        else:
            raise AuthorizerError("statement without Action")
        if "Resource" in statement:
            resource_matches = any(_wildcard(str(p), arn) for p in _as_list(statement["Resource"]))
        elif "NotResource" in statement:
            resource_matches = not any(_wildcard(str(p), arn) for p in _as_list(statement["NotResource"]))
        else:
            raise AuthorizerError("statement without Resource")
        if action_matches and resource_matches:
            if effect == "Deny":
                return False
            allowed = True
    return allowed


def denied_message(policy: Mapping[str, Any], arn: str) -> str:
    statements = policy.get("Statement")
    for statement in _as_list(statements):
        if (
            isinstance(statement, dict)
            and statement.get("Effect") == "Deny"
            and any(_wildcard(str(p), arn) for p in _as_list(statement.get("Resource")))
        ):
            return "User is not authorized to access this resource with an explicit deny"
    return "User is not authorized to access this resource"


class AuthorizerCache:
    """Authorizer results by authorizer and identity source values, each kept for its authorizer's
    ``ReauthorizeEvery`` seconds."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, tuple[str, ...]], tuple[float, AuthorizerResult]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, tuple[str, ...]]) -> AuthorizerResult | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            return entry[1]

    def put(self, key: tuple[str, tuple[str, ...]], result: AuthorizerResult, seconds: float) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + seconds, result)
