"""Run by aws-sam-cli's own interpreter (it carries aws-sam-translator): print template.yaml transformed to
plain CloudFormation, offline, as JSON. Kept apart from the project's venv, whose pydantic is newer than
the one aws-sam-translator pins.

    <sam tool python> tests/support/sam_translate.py template.yaml [Name=Value ...]

Parameters are their defaults unless given (`Name=Value`, as `sam deploy --parameter-overrides` takes them).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "local"))

from samtranslator.translator.transform import transform  # noqa: E402

from oauth_authz_local.constants import ACCOUNT_ID, REGION  # noqa: E402
from oauth_authz_local.sam_model import load_template  # noqa: E402


class _NoManagedPolicies:
    """The template names no managed policy by name, so no IAM lookup is needed (offline)."""

    def load(self) -> dict[str, str]:
        return {}


def packaged(template: dict) -> dict:
    """What `sam package` hands CloudFormation: local code folders replaced by S3 locations."""
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        for field in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(field), str) and not properties[field].startswith("s3://"):
                name = properties[field].strip("/").replace("/", "-")
                properties[field] = f"s3://artifacts/{name}.zip"
    return template


def main() -> None:
    template = packaged(load_template(sys.argv[1]).document)
    pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws"}
    defaults = {name: spec.get("Default") for name, spec in template.get("Parameters", {}).items()}
    overrides = dict(argument.split("=", 1) for argument in sys.argv[2:])
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise SystemExit(f"unknown parameters: {sorted(unknown)}")
    parameters = {**pseudo, **defaults, **overrides}
    print(json.dumps(transform(template, parameters, _NoManagedPolicies())))


if __name__ == "__main__":
    main()
