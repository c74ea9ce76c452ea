"""lambda_runtime.failures: what an invocation's failure keeps of the handler's exception."""

from __future__ import annotations

from oauth_authz_local.lambda_runtime.failures import FunctionError, InvocationError


def test_function_error_keeps_the_type_and_message_only() -> None:
    error = FunctionError("Exception", "Unauthorized")
    assert isinstance(error, InvocationError)
    assert (error.error_type, error.error_message, str(error)) == (
        "Exception",
        "Unauthorized",
        "Exception: Unauthorized",
    )
