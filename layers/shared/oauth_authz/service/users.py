"""The token-authenticated user API (SPEC section 8): the caller's own profile and email addresses.

One GetItem (the user's item, by the login the authorizer found), so `GET /user` costs at most one DynamoDB
call beyond the authorizer's.
"""

from __future__ import annotations

from functools import lru_cache

from oauth_authz.errors import AuthenticationFailed, AuthFailure
from oauth_authz.models.domain import Principal, User
from oauth_authz.settings import get_settings
from oauth_authz.store.repository import Repository


class UserService:
    def __init__(self, repository: Repository) -> None:
        self.repository = repository

    def me(self, caller: Principal) -> User:
        """The caller's user; a user deleted since the authorizer read the token is bad credentials."""
        user = self.repository.get_user(caller.login)
        if user is None or user.id != caller.user_id:
            raise AuthenticationFailed(AuthFailure.BAD_CREDENTIALS)
        return user


@lru_cache(maxsize=1)
def user_service() -> UserService:
    return UserService(Repository(get_settings().table_name))
