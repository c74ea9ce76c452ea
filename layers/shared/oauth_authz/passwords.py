"""Password hashing (argon2id). App secrets: `oauth_authz.app_secrets`."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# RFC 9106's second recommended option (64 MiB, 3 passes), one lane per Lambda vCPU share.
_HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash of nobody's password made with _HASHER's parameters, so that the first unknown login of an instance
# costs one verification like every other, not a hash on top (computing it on first use did: a timing
# difference). Computed after all only if the parameters above change.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=1$VHlT65H/sguA1esNRRc+8g$qLpc2zNDo5NNJz+6c6zt9w6OmDN5l6tn6TTtj7S6mdk"
)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    if not _HASHER.check_needs_rehash(_DUMMY_HASH):
        return _DUMMY_HASH
    return _HASHER.hash("not a password of anyone")


def burn_verify(password: str) -> None:
    """Spend the time of a real verification, so an unknown login answers like a wrong password."""
    verify_password(_dummy_hash(), password)
