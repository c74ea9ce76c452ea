"""OAuth scopes: GitHub's documented list is the default set of known scopes."""

from __future__ import annotations

GITHUB_SCOPES: frozenset[str] = frozenset(
    {
        "repo", "repo:status", "repo_deployment", "public_repo", "repo:invite", "security_events",
        "admin:repo_hook", "write:repo_hook", "read:repo_hook",
        "admin:org", "write:org", "read:org",
        "admin:public_key", "write:public_key", "read:public_key",
        "admin:org_hook", "gist", "notifications",
        "user", "read:user", "user:email", "user:follow",
        "project", "read:project", "delete_repo",
        "write:packages", "read:packages", "delete:packages",
        "admin:gpg_key", "write:gpg_key", "read:gpg_key",
        "codespace", "workflow", "write:discussion", "read:discussion",
        "admin:enterprise", "manage_runners:enterprise", "manage_billing:enterprise", "read:enterprise",
        "audit_log", "read:audit_log", "site_admin",
        "admin:ssh_signing_key", "write:ssh_signing_key", "read:ssh_signing_key",
        "copilot", "manage_billing:copilot",
    }
)  # fmt: skip


def dedupe(scopes: list[str]) -> list[str]:
    """Drop repeated scopes, keeping the order in which they were first given."""
    return list(dict.fromkeys(scopes))


def unknown(scopes: list[str], allowed: frozenset[str]) -> list[str]:
    return [scope for scope in scopes if scope not in allowed]
