"""Scopes: GitHub's documented list, deduplication keeping order, unknown scopes."""

from __future__ import annotations

import pytest

from oauth_authz.scopes import GITHUB_SCOPES, dedupe, unknown


@pytest.mark.parametrize(
    "scope",
    [
        "repo", "repo:status", "repo_deployment", "public_repo", "repo:invite",
        "security_events", "admin:repo_hook", "write:repo_hook", "read:repo_hook",
        "admin:org", "write:org", "read:org", "admin:public_key", "write:public_key",
        "read:public_key", "admin:org_hook", "gist", "notifications", "user", "read:user",
        "user:email", "user:follow", "delete_repo", "write:discussion", "read:discussion",
        "write:packages", "read:packages", "delete:packages", "admin:gpg_key",
        "write:gpg_key", "read:gpg_key", "workflow", "codespace", "project", "read:project",
        "admin:enterprise", "site_admin",
    ],
)  # fmt: skip
def test_githubs_documented_scopes_are_known(scope: str) -> None:
    assert scope in GITHUB_SCOPES


@pytest.mark.parametrize("scope", ["", "REPO", "repo ", "admin", "write:everything", "user:*"])
def test_other_strings_are_not_scopes(scope: str) -> None:
    assert scope not in GITHUB_SCOPES


def test_dedupe_keeps_the_first_occurrence_in_order() -> None:
    assert dedupe(["user", "repo", "user", "gist", "repo"]) == ["user", "repo", "gist"]
    assert dedupe([]) == []


def test_unknown_lists_the_unknown_ones_in_order() -> None:
    assert unknown(["repo", "nope", "user", "also-nope"], GITHUB_SCOPES) == ["nope", "also-nope"]
    assert unknown(["repo"], frozenset({"user"})) == ["repo"]
    assert unknown([], frozenset()) == []
