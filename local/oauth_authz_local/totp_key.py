"""The local API's key for secrets at rest (TOTP seeds): 256 random bits in the data dir, readable only by
its owner. Deployed, a KMS key does this job (template.yaml, `TotpKey`)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from oauth_authz.secretbox import new_local_key

from .embedded_dynamodb import default_data_dir

KEY_FILE = "totp.key"


def local_totp_key(data_dir: str | os.PathLike[str] | None = None) -> str:
    """The data dir's key, made on first use: written whole to a private file, then linked into place
    (an atomic create that fails if a key is there already, so two first users agree on one key)."""
    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / KEY_FILE
    if not path.exists():
        draft = directory / f".{KEY_FILE}.{os.getpid()}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(new_local_key() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
    return path.read_text(encoding="ascii").strip()
