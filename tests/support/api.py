"""The authorization routes as a client sees them: one method per route, each running the route's function on
its own event (changed only where the call says so), signed in as octocat unless told otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oauth_authz.models.domain import User
from tests.support.data import AUTHORIZATIONS_DOCS, DOCS_URL, EVENT_CLIENT_ID
from tests.support.events import UNSET, app_context, build_event, user_context
from tests.support.lambdas import HttpResult
from tests.support.schemas import assert_matches_schema

Invoke = Callable[[str, dict[str, Any]], HttpResult]


class Api:
    def __init__(self, invoke: Invoke, user: User | None = None) -> None:
        self._invoke = invoke
        self._context = user_context() if user is None else user_context(user.id, user.login)

    def as_user(self, user: User) -> Api:
        return Api(self._invoke, user)

    def _call(self, folder: str, event_name: str, **changes: Any) -> HttpResult:
        changes.setdefault("authorizer", self._context)
        return self._invoke(folder, build_event(event_name, **changes))

    def create(self, body: Any, **changes: Any) -> HttpResult:
        return self._call("create_authorization", "create_authorization", body=body, **changes)

    def list(self, query: dict[str, Any] | None = None, **changes: Any) -> HttpResult:
        return self._call("list_authorizations", "list_authorizations", query=query, **changes)

    def get(self, auth_id: int | str, **changes: Any) -> HttpResult:
        params = {"authorization_id": str(auth_id)}
        return self._call("get_authorization", "get_authorization", path_params=params, **changes)

    def update(self, auth_id: int | str, body: Any, method: str = "PATCH", **changes: Any) -> HttpResult:
        params = {"authorization_id": str(auth_id)}
        return self._call(
            "update_authorization",
            "update_authorization",
            path_params=params,
            body=body,
            method=method,
            **changes,
        )

    def delete(self, auth_id: int | str, **changes: Any) -> HttpResult:
        params = {"authorization_id": str(auth_id)}
        return self._call("delete_authorization", "delete_authorization", path_params=params, **changes)

    def get_or_create(
        self, client_id: str, body: Any = UNSET, fingerprint: str | None = None, **changes: Any
    ) -> HttpResult:
        if fingerprint is None:
            params = {"client_id": client_id}
            return self._call(
                "get_or_create_for_app", "get_or_create_for_app", path_params=params, body=body, **changes
            )
        params = {"client_id": client_id, "fingerprint": fingerprint}
        return self._call(
            "get_or_create_for_fingerprint",
            "get_or_create_for_fingerprint",
            path_params=params,
            body=body,
            **changes,
        )

    # grants (a user's) --------------------------------------------------------------------------------------

    def list_grants(self, query: dict[str, Any] | None = None, **changes: Any) -> HttpResult:
        return self._call("list_grants", "list_grants", query=query, **changes)

    def get_grant(self, grant_id: int | str, **changes: Any) -> HttpResult:
        return self._call("get_grant", "get_grant", path_params={"grant_id": str(grant_id)}, **changes)

    def delete_grant(self, grant_id: int | str, **changes: Any) -> HttpResult:
        return self._call("delete_grant", "delete_grant", path_params={"grant_id": str(grant_id)}, **changes)


class AppApi:
    """The application endpoints, signed in as an app (the events' app unless told otherwise).

    Each operation has a path form (token in the URL) and a body form (token in a JSON body): `form="path"` or
    `form="body"`; both must behave the same.
    """

    PATH_FORMS = {
        "check": "check_authorization",
        "reset": "reset_authorization",
        "revoke": "revoke_authorization",
        "revoke_grant": "revoke_grant",
    }
    BODY_FORMS = {
        "check": "check_token",
        "reset": "reset_token",
        "revoke": "delete_token",
        "revoke_grant": "delete_app_authorization",
    }

    def __init__(
        self, invoke: Invoke, client_id: str = EVENT_CLIENT_ID, as_client: str | None = None
    ) -> None:
        self._invoke = invoke
        self.client_id = client_id
        self._context = app_context(as_client or client_id)

    def signed_in_as(self, client_id: str) -> AppApi:
        """The same paths, but authenticated as another app."""
        return AppApi(self._invoke, self.client_id, as_client=client_id)

    def for_client(self, client_id: str) -> AppApi:
        """Another app's paths and credentials."""
        return AppApi(self._invoke, client_id)

    def call(self, operation: str, token: str, form: str = "path", **changes: Any) -> HttpResult:
        changes.setdefault("authorizer", self._context)
        if form == "path":
            folder = self.PATH_FORMS[operation]
            params = {"client_id": self.client_id, "access_token": token}
            return self._invoke(folder, build_event(folder, path_params=params, **changes))
        folder = self.BODY_FORMS[operation]
        changes.setdefault("body", {"access_token": token})
        return self._invoke(folder, build_event(folder, path_params={"client_id": self.client_id}, **changes))

    def check(self, token: str, form: str = "path", **changes: Any) -> HttpResult:
        return self.call("check", token, form, **changes)

    def reset(self, token: str, form: str = "path", **changes: Any) -> HttpResult:
        return self.call("reset", token, form, **changes)

    def revoke(self, token: str, form: str = "path", **changes: Any) -> HttpResult:
        return self.call("revoke", token, form, **changes)

    def revoke_grant(self, token: str, form: str = "path", **changes: Any) -> HttpResult:
        return self.call("revoke_grant", token, form, **changes)


def assert_error(result: HttpResult, status: int, message: str) -> None:
    """GitHub's plain error: exactly `{"message": ..., "documentation_url": "https://docs.github.com/rest"}`."""
    assert (result.status, result.json) == (status, {"message": message, "documentation_url": DOCS_URL})
    assert_matches_schema(result.json, "basic-error")


def assert_not_found(result: HttpResult) -> None:
    assert_error(result, 404, "Not Found")


def assert_validation_failed(
    result: HttpResult, *errors: dict[str, str], documentation_url: str = AUTHORIZATIONS_DOCS
) -> None:
    """A 422 whose errors are exactly these `{"field": ..., "code": ...}` (resource OauthAccess)."""
    assert result.status == 422, result.body
    body = result.json
    assert_matches_schema(body, "validation-error")
    assert body["message"] == "Validation Failed"
    assert body["documentation_url"] == documentation_url
    got = [{k: e[k] for k in ("resource", "field", "code")} for e in body["errors"]]
    assert got == [{"resource": "OauthAccess", **error} for error in errors], body
