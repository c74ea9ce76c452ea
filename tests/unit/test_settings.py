"""Settings: read from the environment once, validated."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from oauth_authz.scopes import GITHUB_SCOPES
from oauth_authz.settings import Settings, get_settings


def test_defaults() -> None:
    settings = Settings.from_environ({"TABLE_NAME": "oauth-authz"})

    assert settings.table_name == "oauth-authz"
    assert settings.allowed_scopes == GITHUB_SCOPES
    assert settings.max_token_lifetime_seconds == 0
    assert settings.lockout_threshold == 10
    assert settings.lockout_window_seconds == 900


def test_every_variable() -> None:
    settings = Settings.from_environ(
        {
            "TABLE_NAME": "t-1",
            "ALLOWED_SCOPES": "repo, user ,,gist",
            "MAX_TOKEN_LIFETIME_SECONDS": "3600",
            "LOCKOUT_THRESHOLD": "5",
            "LOCKOUT_WINDOW_SECONDS": "60",
            "AUTH_CACHE_SECONDS": "0",
        }
    )

    assert settings.allowed_scopes == frozenset({"repo", "user", "gist"})
    assert settings.max_token_lifetime_seconds == 3600
    assert settings.lockout_threshold == 5
    assert settings.lockout_window_seconds == 60
    assert settings.auth_cache_seconds == 0


def test_a_warm_authorizer_trusts_a_verified_password_for_a_minute_by_default() -> None:
    assert Settings.from_environ({"TABLE_NAME": "ttt"}).auth_cache_seconds == 60


@pytest.mark.parametrize("value", ["", " ", " , ,", ","])
def test_empty_allowed_scopes_mean_githubs_list(value: str) -> None:
    assert (
        Settings.from_environ({"TABLE_NAME": "ttt", "ALLOWED_SCOPES": value}).allowed_scopes == GITHUB_SCOPES
    )


@pytest.mark.parametrize(
    "name",
    ["MAX_TOKEN_LIFETIME_SECONDS", "LOCKOUT_THRESHOLD", "LOCKOUT_WINDOW_SECONDS", "AUTH_CACHE_SECONDS"],
)
def test_empty_numbers_mean_the_default(name: str) -> None:
    assert Settings.from_environ({"TABLE_NAME": "ttt", name: ""}) == Settings.from_environ(
        {"TABLE_NAME": "ttt"}
    )


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"TABLE_NAME": ""},
        {"TABLE_NAME": "ab"},
        {"TABLE_NAME": "t" * 256},
        {"TABLE_NAME": "ttt", "MAX_TOKEN_LIFETIME_SECONDS": "-1"},
        {"TABLE_NAME": "ttt", "MAX_TOKEN_LIFETIME_SECONDS": "an hour"},
        {"TABLE_NAME": "ttt", "LOCKOUT_THRESHOLD": "0"},
        {"TABLE_NAME": "ttt", "LOCKOUT_WINDOW_SECONDS": "0"},
        {"TABLE_NAME": "ttt", "AUTH_CACHE_SECONDS": "-1"},
        {"TABLE_NAME": "ttt", "AUTH_CACHE_SECONDS": "3601"},
    ],
)
def test_bad_environments_fail_at_cold_start(environ: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Settings.from_environ(environ)


def test_get_settings_reads_the_process_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "first-table")
    monkeypatch.setenv("ALLOWED_SCOPES", "repo")
    first = get_settings()
    monkeypatch.setenv("TABLE_NAME", "second-table")

    assert first.table_name == "first-table"
    assert first.allowed_scopes == frozenset({"repo"})
    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().table_name == "second-table"
