"""The Lambda layer installs what the tests ran with.

`layers/shared/requirements.txt` is generated from uv.lock (`make requirements`; `make lint` fails when it is
out of step). These tests keep the inputs honest: the `layer` dependency group repeats the project's own
runtime dependencies (so the venv the tests run in has the same packages), every pin is exact and hashed, and
nothing the Lambda runtime ships, nor anything only the local API uses, goes into the layer.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUNTIME_SHIPS = {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
LOCAL_ONLY = {"moto", "pyyaml", "swagger-ui-py", "cryptography", "flask", "werkzeug"}


def _pyproject() -> dict[str, object]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def _pins() -> dict[str, str]:
    text = (REPO / "layers" / "shared" / "requirements.txt").read_text()
    return {name.lower(): pin for name, pin in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", text, re.M)}


def test_the_layer_group_repeats_project_dependencies() -> None:
    project = _pyproject()
    dependencies = set(project["project"]["dependencies"])  # type: ignore[index]
    layer = set(project["dependency-groups"]["layer"])  # type: ignore[index]
    assert layer <= dependencies


def test_every_requirement_is_an_exact_pin_with_hashes() -> None:
    text = (REPO / "layers" / "shared" / "requirements.txt").read_text()
    entries = re.split(r"\n(?=[A-Za-z])", text.split("\n", 1)[1])
    assert entries
    for entry in entries:
        assert re.match(r"^[A-Za-z0-9_.-]+==\S+", entry), entry
        assert "--hash=sha256:" in entry, entry


def test_the_pins_are_the_locked_versions() -> None:
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    locked = {package["name"]: package["version"] for package in lock["package"] if "version" in package}
    pins = _pins()
    assert pins
    assert {name: locked[name] for name in pins} == pins


def test_nothing_the_runtime_ships_or_only_the_local_api_uses() -> None:
    assert not set(_pins()) & (RUNTIME_SHIPS | LOCAL_ONLY)


def test_the_template_builds_the_layer_with_its_makefile() -> None:
    template = (REPO / "template.yaml").read_text()
    layer = template[template.index("SharedLayer:") :]
    assert re.search(r"Metadata:\s+(#[^\n]*\n\s+)*BuildMethod: makefile", layer)
    assert "build-SharedLayer:" in (REPO / "layers" / "shared" / "Makefile").read_text()
