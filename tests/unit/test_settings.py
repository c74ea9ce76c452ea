"""Settings: a pydantic model read from os.environ once, validated when a function initialises."""

from __future__ import annotations

from pathlib import Path

import pytest

from oauth_authz.scopes import GITHUB_SCOPES
from oauth_authz.settings import InvalidSettings, Settings, get_settings, load_settings
from tests.support.lambdas import FUNCTIONS_DIR, load_handler

VARIABLES = (
    "TABLE_NAME",
    "ALLOWED_SCOPES",
    "MAX_TOKEN_LIFETIME_SECONDS",
    "LOCKOUT_THRESHOLD",
    "LOCKOUT_WINDOW_SECONDS",
    "AUTH_CACHE_SECONDS",
)
FUNCTIONS = sorted(path.parent.name for path in Path(FUNCTIONS_DIR).glob("*/app.py"))


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """An environment with none of the settings' variables."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def settings_from(environ: pytest.MonkeyPatch, **variables: str) -> Settings:
    for name, value in variables.items():
        environ.setenv(name, value)
    return load_settings()


def test_defaults(environ: pytest.MonkeyPatch) -> None:
    settings = settings_from(environ, TABLE_NAME="oauth-authz")

    assert settings.table_name == "oauth-authz"
    assert settings.allowed_scopes == GITHUB_SCOPES
    assert settings.max_token_lifetime_seconds == 0
    assert settings.lockout_threshold == 10
    assert settings.lockout_window_seconds == 900


def test_every_variable(environ: pytest.MonkeyPatch) -> None:
    settings = settings_from(
        environ,
        TABLE_NAME="t-1",
        ALLOWED_SCOPES="repo, user ,,gist",
        MAX_TOKEN_LIFETIME_SECONDS="3600",
        LOCKOUT_THRESHOLD="5",
        LOCKOUT_WINDOW_SECONDS="60",
        AUTH_CACHE_SECONDS="0",
    )

    assert settings.table_name == "t-1"
    assert settings.allowed_scopes == frozenset({"repo", "user", "gist"})
    assert settings.max_token_lifetime_seconds == 3600
    assert settings.lockout_threshold == 5
    assert settings.lockout_window_seconds == 60
    assert settings.auth_cache_seconds == 0


def test_a_warm_authorizer_trusts_a_verified_password_for_a_minute_by_default(
    environ: pytest.MonkeyPatch,
) -> None:
    assert settings_from(environ, TABLE_NAME="ttt").auth_cache_seconds == 60


@pytest.mark.parametrize("value", ["", " ", " , ,", ","])
def test_empty_allowed_scopes_mean_githubs_list(environ: pytest.MonkeyPatch, value: str) -> None:
    assert settings_from(environ, TABLE_NAME="ttt", ALLOWED_SCOPES=value).allowed_scopes == GITHUB_SCOPES


@pytest.mark.parametrize("value", ['["repo"]', "repo"])
def test_allowed_scopes_are_a_comma_separated_list_not_json(environ: pytest.MonkeyPatch, value: str) -> None:
    assert settings_from(environ, TABLE_NAME="ttt", ALLOWED_SCOPES=value).allowed_scopes == {value}


@pytest.mark.parametrize(
    "name",
    ["MAX_TOKEN_LIFETIME_SECONDS", "LOCKOUT_THRESHOLD", "LOCKOUT_WINDOW_SECONDS", "AUTH_CACHE_SECONDS"],
)
def test_empty_numbers_mean_the_default(environ: pytest.MonkeyPatch, name: str) -> None:
    default = settings_from(environ, TABLE_NAME="ttt")

    assert settings_from(environ, **{name: ""}) == default


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({}, "TABLE_NAME: Field required"),
        ({"TABLE_NAME": ""}, "TABLE_NAME: Field required"),
        ({"TABLE_NAME": "ab"}, "TABLE_NAME: String should have at least 3 characters"),
        ({"TABLE_NAME": "t" * 256}, "TABLE_NAME: String should have at most 255 characters"),
        (
            {"TABLE_NAME": "ttt", "MAX_TOKEN_LIFETIME_SECONDS": "-1"},
            "MAX_TOKEN_LIFETIME_SECONDS: Input should",
        ),
        ({"TABLE_NAME": "ttt", "MAX_TOKEN_LIFETIME_SECONDS": "an hour"}, "MAX_TOKEN_LIFETIME_SECONDS: Input"),
        ({"TABLE_NAME": "ttt", "LOCKOUT_THRESHOLD": "0"}, "LOCKOUT_THRESHOLD: Input should be greater"),
        ({"TABLE_NAME": "ttt", "LOCKOUT_WINDOW_SECONDS": "0"}, "LOCKOUT_WINDOW_SECONDS: Input should"),
        ({"TABLE_NAME": "ttt", "AUTH_CACHE_SECONDS": "-1"}, "AUTH_CACHE_SECONDS: Input should"),
        ({"TABLE_NAME": "ttt", "AUTH_CACHE_SECONDS": "3601"}, "AUTH_CACHE_SECONDS: Input should be less"),
    ],
)
def test_a_bad_environment_is_refused_naming_the_variable(
    environ: pytest.MonkeyPatch, variables: dict[str, str], named: str
) -> None:
    with pytest.raises(InvalidSettings) as refused:
        settings_from(environ, **variables)

    assert str(refused.value).startswith("invalid settings in the environment: ")
    assert named in str(refused.value)


def test_every_problem_is_named_and_no_value_is_echoed(environ: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidSettings) as refused:
        settings_from(environ, TABLE_NAME="t" * 256, LOCKOUT_THRESHOLD="minus-one")

    message = str(refused.value)
    assert "TABLE_NAME" in message and "LOCKOUT_THRESHOLD" in message
    assert "t" * 256 not in message and "minus-one" not in message


def test_get_settings_reads_the_process_environment_once(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("TABLE_NAME", "first-table")
    environ.setenv("ALLOWED_SCOPES", "repo")
    first = get_settings()
    environ.setenv("TABLE_NAME", "second-table")

    assert first.table_name == "first-table"
    assert first.allowed_scopes == frozenset({"repo"})
    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().table_name == "second-table"


@pytest.mark.parametrize("folder", FUNCTIONS)
def test_every_function_refuses_a_bad_environment_at_init(environ: pytest.MonkeyPatch, folder: str) -> None:
    """At import (Lambda's init phase), not at the first request: seen to fail with the module-scope
    `get_settings()` taken out of a function (its import then succeeded)."""
    environ.setenv("TABLE_NAME", "oauth-authz")
    environ.setenv("LOCKOUT_THRESHOLD", "0")

    with pytest.raises(InvalidSettings, match="LOCKOUT_THRESHOLD"):
        load_handler(folder)


def test_there_are_functions_to_check() -> None:
    # 21 API functions, the token endpoint, the device code route, 30 pages, the authorizer
    assert len(FUNCTIONS) == 54 and "authorizer" in FUNCTIONS
