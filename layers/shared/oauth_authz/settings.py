"""Settings, read once from the environment and validated at cold start."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field, field_validator

from oauth_authz.scopes import GITHUB_SCOPES


class Settings(BaseModel):
    table_name: str = Field(min_length=3, max_length=255)
    allowed_scopes: frozenset[str] = GITHUB_SCOPES
    max_token_lifetime_seconds: int = Field(default=0, ge=0)
    lockout_threshold: int = Field(default=10, ge=1)
    lockout_window_seconds: int = Field(default=900, ge=1)
    # How long a warm authorizer trusts a password it verified (0 = verify with argon2 every time).
    auth_cache_seconds: int = Field(default=60, ge=0, le=3600)

    @field_validator("allowed_scopes", mode="before")
    @classmethod
    def _split_scopes(cls, value: object) -> object:
        if isinstance(value, str):
            scopes = frozenset(s.strip() for s in value.split(",") if s.strip())
            return scopes or GITHUB_SCOPES
        return value

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {"table_name": env.get("TABLE_NAME", "")}
        for field, name in (
            ("allowed_scopes", "ALLOWED_SCOPES"),
            ("max_token_lifetime_seconds", "MAX_TOKEN_LIFETIME_SECONDS"),
            ("lockout_threshold", "LOCKOUT_THRESHOLD"),
            ("lockout_window_seconds", "LOCKOUT_WINDOW_SECONDS"),
            ("auth_cache_seconds", "AUTH_CACHE_SECONDS"),
        ):
            if env.get(name, "") != "":
                values[field] = env[name]
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environ()
