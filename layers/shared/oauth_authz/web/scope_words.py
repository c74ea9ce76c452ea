"""What each scope lets an app do, in the words GitHub's consent page and its docs ("Scopes for OAuth apps")
use."""

from __future__ import annotations

NO_SCOPE = "Read-only access to public information"

WORDS = {
    "repo": "Full control of private repositories",
    "repo:status": "Access commit status",
    "repo_deployment": "Access deployment status",
    "public_repo": "Access public repositories",
    "repo:invite": "Access repository invitations",
    "security_events": "Read and write security events",
    "admin:repo_hook": "Full control of repository hooks",
    "write:repo_hook": "Write repository hooks",
    "read:repo_hook": "Read repository hooks",
    "admin:org": "Full control of orgs and teams, read and write org projects",
    "write:org": "Read and write org and team membership, read and write org projects",
    "read:org": "Read org and team membership, read org projects",
    "admin:public_key": "Full control of user public keys",
    "write:public_key": "Write user public keys",
    "read:public_key": "Read user public keys",
    "admin:org_hook": "Full control of organization hooks",
    "gist": "Create gists",
    "notifications": "Access notifications",
    "user": "Update ALL user data",
    "read:user": "Read ALL user profile data",
    "user:email": "Access user email addresses (read-only)",
    "user:follow": "Follow and unfollow users",
    "project": "Full control of projects",
    "read:project": "Read access of projects",
    "delete_repo": "Delete repositories",
    "write:packages": "Upload packages to GitHub Package Registry",
    "read:packages": "Download packages from GitHub Package Registry",
    "delete:packages": "Delete packages from GitHub Package Registry",
    "admin:gpg_key": "Full control of public user GPG keys",
    "write:gpg_key": "Write public user GPG keys",
    "read:gpg_key": "Read public user GPG keys",
    "codespace": "Full control of codespaces",
    "workflow": "Update GitHub Action workflows",
    "admin:enterprise": "Full control of enterprises",
    "manage_runners:enterprise": "Manage enterprise runners and runner groups",
    "manage_billing:enterprise": "Read and write enterprise billing data",
    "read:enterprise": "Read enterprise profile data",
    "audit_log": "Full control of audit log",
    "read:audit_log": "Read access of audit log",
    "admin:ssh_signing_key": "Full control of public user SSH signing keys",
    "write:ssh_signing_key": "Write public user SSH signing keys",
    "read:ssh_signing_key": "Read public user SSH signing keys",
    "write:discussion": "Read and write team discussions",
    "read:discussion": "Read team discussions",
    "copilot": "Full control of GitHub Copilot settings and seat assignments",
    "manage_billing:copilot": "View and edit Copilot Business seat assignments",
    "site_admin": "Full control of the GitHub Enterprise instance",
}


def in_words(scopes: list[str]) -> list[tuple[str, str]]:
    """(scope, what it allows) for each requested scope, or the public-information line for none."""
    if not scopes:
        return [("", NO_SCOPE)]
    return [(scope, WORDS.get(scope, scope)) for scope in scopes]
