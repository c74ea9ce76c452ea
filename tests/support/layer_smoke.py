"""Run by the Lambda runtime's Python (3.13) after `sam build`: every function of the built template imports
and initialises with nothing but its own folder, the built layer and what the Lambda runtime ships (boto3 and
its dependencies, installed beside for the check), as on Lambda, where /opt/python is the layer.

    python3.13 -I tests/support/layer_smoke.py .aws-sam/build <runtime-site-packages>

A layer built without a package the functions import, or with one the runtime's Python cannot load (a wheel
of another platform or Python), fails here instead of on the first request after `sam deploy`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

_ENVIRONMENT = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "TABLE_NAME": "oauth-authz",
    "POWERTOOLS_SERVICE_NAME": "oauth-authz",
    "POWERTOOLS_METRICS_NAMESPACE": "OauthAuthz",
    "POWERTOOLS_TRACE_DISABLED": "true",
}

# -S: no site-packages of this interpreter; PYTHONPATH is all there is, as on Lambda.
_CHILD = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
assert callable(module.lambda_handler), "no lambda_handler"
"""


def main() -> None:
    build, runtime = Path(sys.argv[1]), Path(sys.argv[2])
    layer = build / "SharedLayer" / "python"
    functions = sorted(path.parent for path in build.glob("*/app.py"))
    assert functions, f"no built functions under {build}"
    failures = []
    for folder in functions:
        environment = {
            **_ENVIRONMENT,
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join([str(folder), str(layer), str(runtime)]),
        }
        done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
            [sys.executable, "-S", "-c", _CHILD, str(folder / "app.py")],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            failures.append({"function": folder.name, "error": done.stderr.strip().splitlines()[-1:]})
    print(json.dumps({"functions": len(functions), "failures": failures}))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    assert importlib.util.find_spec("oauth_authz") is None, "run with -I: the project's venv must not leak in"
    main()
