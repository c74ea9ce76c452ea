"""How an invocation fails, as the gateway sees it (the integration's 502 or 504)."""

from __future__ import annotations

__all__ = ["FunctionError", "InvocationError", "InvocationTimeout"]


class InvocationError(Exception):
    """The function failed (an exception, or an answer API Gateway cannot use)."""


class InvocationTimeout(InvocationError):
    """The function ran past its Timeout."""


class FunctionError(InvocationError):
    """The handler raised: the exception's type name and message, as its worker reported them."""

    def __init__(self, error_type: str, error_message: str) -> None:
        super().__init__(f"{error_type}: {error_message}")
        self.error_type = error_type
        self.error_message = error_message
