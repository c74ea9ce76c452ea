"""The template as written (tag-aware loader) and as CloudFormation gets it (SAM's transform)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from oauth_authz_local.constants import REGION
from oauth_authz_local.sam_model import load_template

REPO = Path(__file__).resolve().parents[2]
SAM_PYTHON = REPO / ".tools" / "sam" / "tools" / "aws-sam-cli" / "bin" / "python"


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_template(REPO / "template.yaml").document


@pytest.fixture(scope="session")
def translated() -> dict[str, Any]:
    """template.yaml through aws-sam-translator, offline, in aws-sam-cli's own environment (`make sam`)."""
    python = Path(os.environ.get("SAM_PYTHON", SAM_PYTHON))
    assert python.exists(), f"{python} is missing: `make sam` installs aws-sam-cli (make test does it)"
    done = subprocess.run(
        [str(python), str(REPO / "tests" / "support" / "sam_translate.py"), str(REPO / "template.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "AWS_DEFAULT_REGION": REGION, "PYTHONPATH": ""},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    translated: dict[str, Any] = json.loads(done.stdout)
    return translated


def resources(document: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in document["Resources"].items() if r["Type"] == kind}


__all__ = ["resources", "sys"]
