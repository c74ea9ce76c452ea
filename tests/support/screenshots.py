"""Where the browser tests put their screenshots: the README's pictures (docs/screenshots/) are rewritten only
when asked (`UPDATE_SCREENSHOTS=1 make test`), so that a test run leaves the working tree as it was; otherwise
they are still taken, into a scratch folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "oauth-authz-screenshots"
)
