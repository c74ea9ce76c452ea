"""Settings, read once from the environment and validated when the function initialises: every function's
module calls `get_settings()` at import, so a bad environment fails the cold start with a message naming the
variables, not the first request.

The variables are the fields' names in capitals (`TABLE_NAME`, `LOCKOUT_THRESHOLD`, ...); an empty one is
absent (the default holds), as the template leaves its optional parameters empty. Values are text, converted
by pydantic's lax mode (`"3600"` an int, `"true"`/`"false"` a bool). A plain pydantic model read from
`os.environ` rather than pydantic-settings' `BaseSettings`: importing pydantic-settings (and python-dotenv,
which it imports) cost every cold start 35-65 ms (bench/'s cold-start ratios) for nothing a Lambda function's
environment needs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from oauth_authz.scopes import GITHUB_SCOPES


class InvalidSettings(ValueError):
    """The function's environment is not a valid configuration; the message names each variable and why."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    table_name: str = Field(min_length=3, max_length=255)
    # A comma-separated list (not JSON); empty, or only commas and spaces: GitHub's scopes.
    allowed_scopes: frozenset[str] = GITHUB_SCOPES
    max_token_lifetime_seconds: int = Field(default=0, ge=0)
    # May a personal access token made on the settings page never expire (SPEC 11)?
    allow_tokens_without_expiry: bool = True
    lockout_threshold: int = Field(default=10, ge=1)
    lockout_window_seconds: int = Field(default=900, ge=1)
    # How long a warm authorizer trusts a password it verified (0 = verify with argon2 every time).
    auth_cache_seconds: int = Field(default=60, ge=0, le=3600)
    # The public URL of the site's root layout (`https://github.example.com`), when the operator sets one:
    # URLs in bodies and headers start with it (and `/api/v3` in that layout) instead of the request's host.
    public_base_url: str | None = Field(default=None, pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$")

    @field_validator("allowed_scopes", mode="before")
    @classmethod
    def _split_scopes(cls, value: object) -> object:
        if isinstance(value, str):
            scopes = frozenset(s.strip() for s in value.split(",") if s.strip())
            return scopes or GITHUB_SCOPES
        return value

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Settings:
        """Each field from its variable in capitals; an empty variable is absent (the default holds)."""
        given = {name: environ[name.upper()] for name in cls.model_fields if environ.get(name.upper(), "")}
        return cls.model_validate(given)


def load_settings() -> Settings:
    """The settings from this process's environment, or `InvalidSettings` saying what is wrong."""
    try:
        return Settings.from_environment(os.environ)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']).upper()}: {problem['msg']}"
            for problem in error.errors(include_input=False, include_url=False)
        )
        raise InvalidSettings(f"invalid settings in the environment: {problems}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
