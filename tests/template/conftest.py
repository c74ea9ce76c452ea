"""The template as written (tag-aware loader) and as CloudFormation gets it (SAM's transform), and what
CloudFormation would create from it for given parameters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from oauth_authz_local.cfn.intrinsics import Intrinsics
from oauth_authz_local.constants import REGION
from oauth_authz_local.sam_model import load_template

REPO = Path(__file__).resolve().parents[2]
SAM_PYTHON = REPO / ".tools" / "sam" / "tools" / "aws-sam-cli" / "bin" / "python"

Translate = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_template(REPO / "template.yaml").document


@cache
def _translate(overrides: tuple[tuple[str, str], ...]) -> str:
    python = Path(os.environ.get("SAM_PYTHON", SAM_PYTHON))
    assert python.exists(), f"{python} is missing: `make sam` installs aws-sam-cli (make test does it)"
    done = subprocess.run(
        [
            str(python),
            str(REPO / "tests" / "support" / "sam_translate.py"),
            str(REPO / "template.yaml"),
            *(f"{name}={value}" for name, value in overrides),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "AWS_DEFAULT_REGION": REGION, "PYTHONPATH": ""},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="session")
def translate() -> Translate:
    """`translate(Name=value, ...)`: template.yaml through aws-sam-translator, offline, in aws-sam-cli's own
    environment (`make sam`), with those parameters and the defaults of the others."""

    def run(**overrides: object) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(
            _translate(tuple(sorted((k, str(v)) for k, v in overrides.items())))
        )
        return document

    return run


@pytest.fixture(scope="session")
def translated(translate: Translate) -> dict[str, Any]:
    """template.yaml as SAM's transform turns it into CloudFormation, with the parameters' defaults."""
    return translate()


def resources(document: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in document["Resources"].items() if r["Type"] == kind}


_NO_VALUE = object()


def deployed(document: dict[str, Any], parameters: Mapping[str, object] | None = None) -> dict[str, Any]:
    """What CloudFormation would create from `document` with these parameters (the others at their defaults):
    the resources and outputs whose condition holds, every `Fn::If` chosen, every `AWS::NoValue` dropped and
    every `Ref` of a parameter replaced by its value (a string, as CloudFormation passes it). Other intrinsics
    are left as they are."""
    intrinsics = Intrinsics(document, parameter_overrides={k: str(v) for k, v in (parameters or {}).items()})

    def choose(value: Any) -> Any:
        if isinstance(value, dict):
            if list(value) == ["Fn::If"]:
                name, when_true, when_false = value["Fn::If"]
                return choose(when_true if intrinsics.condition(name) else when_false)
            if value == {"Ref": "AWS::NoValue"}:
                return _NO_VALUE
            if list(value) == ["Ref"] and value["Ref"] in document.get("Parameters", {}):
                return str(intrinsics.parameter(value["Ref"]))
            chosen = {key: choose(item) for key, item in value.items()}
            return {key: item for key, item in chosen.items() if item is not _NO_VALUE}
        if isinstance(value, list):
            return [item for item in (choose(item) for item in value) if item is not _NO_VALUE]
        return value

    def kept(section: dict[str, Any]) -> dict[str, Any]:
        return {
            name: choose(entry)
            for name, entry in section.items()
            if "Condition" not in entry or intrinsics.condition(entry["Condition"])
        }

    return {"Resources": kept(document["Resources"]), "Outputs": kept(document.get("Outputs", {}))}


def rules_hold(document: dict[str, Any], parameters: Mapping[str, object] | None = None) -> dict[str, bool]:
    """Each of the template's `Rules`: whether CloudFormation would accept these parameters."""
    intrinsics = Intrinsics(document, parameter_overrides={k: str(v) for k, v in (parameters or {}).items()})
    verdicts = {}
    for name, rule in (document.get("Rules") or {}).items():
        applies = "RuleCondition" not in rule or bool(intrinsics.resolve(rule["RuleCondition"]))
        verdicts[name] = not applies or all(bool(intrinsics.resolve(a["Assert"])) for a in rule["Assertions"])
    return verdicts


__all__ = ["deployed", "resources", "rules_hold", "sys"]
