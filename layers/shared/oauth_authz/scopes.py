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


# What a scope implies, as GitHub's "Scopes for OAuth apps" lists it: a token with `user` can do what one with
# `user:email` can, so a request for both is normalised to `user`.
IMPLIED: dict[str, frozenset[str]] = {
    "repo": frozenset({"repo:status", "repo_deployment", "public_repo", "repo:invite", "security_events"}),
    "admin:repo_hook": frozenset({"write:repo_hook", "read:repo_hook"}),
    "write:repo_hook": frozenset({"read:repo_hook"}),
    "admin:org": frozenset({"write:org", "read:org"}),
    "write:org": frozenset({"read:org"}),
    "admin:public_key": frozenset({"write:public_key", "read:public_key"}),
    "write:public_key": frozenset({"read:public_key"}),
    "user": frozenset({"read:user", "user:email", "user:follow"}),
    "project": frozenset({"read:project"}),
    "write:packages": frozenset({"read:packages"}),
    "admin:gpg_key": frozenset({"write:gpg_key", "read:gpg_key"}),
    "write:gpg_key": frozenset({"read:gpg_key"}),
    "write:discussion": frozenset({"read:discussion"}),
    "admin:enterprise": frozenset(
        {"manage_runners:enterprise", "manage_billing:enterprise", "read:enterprise"}
    ),
    "audit_log": frozenset({"read:audit_log"}),
    "admin:ssh_signing_key": frozenset({"write:ssh_signing_key", "read:ssh_signing_key"}),
    "write:ssh_signing_key": frozenset({"read:ssh_signing_key"}),
}


def implied_by(scopes: list[str]) -> set[str]:
    """Every scope the given ones grant, themselves included."""
    granted = set(scopes)
    for scope in scopes:
        granted |= IMPLIED.get(scope, frozenset())
    return granted


def normalise(requested: str, allowed: frozenset[str]) -> list[str]:
    """A `scope` parameter (space- or comma-separated) as GitHub stores it: unknown scopes dropped,
    duplicates and scopes implied by another requested one dropped, in the order given."""
    given = dedupe([s for s in requested.replace(",", " ").split() if s in allowed])
    return [
        s for s in given if not any(s in IMPLIED.get(other, frozenset()) for other in given if other != s)
    ]


def covers(granted: list[str], requested: list[str]) -> bool:
    """Whether a grant's scopes already give every requested one."""
    return set(requested) <= implied_by(granted)
