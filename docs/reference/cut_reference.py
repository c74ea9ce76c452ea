"""Cut GitHub's OpenAPI description down to the operations this project implements or follows.

The descriptions in this folder are cut from the `@octokit/openapi` npm package (GitHub's
github/rest-api-description with Octokit's `x-octokit` extension, MIT licensed: see LICENSE.md). To redo a
cut, with the package unpacked (`npm pack @octokit/openapi@23.0.2 && tar xzf octokit-openapi-23.0.2.tgz`):

    python docs/reference/cut_reference.py package/generated/ghes-3.19.json \
        docs/reference/ghes-3.19-users.json /user:get /user/emails:get /:get

Only the named operations are kept, with every component they reference (transitively); `info`,
`servers` and the document's other top-level fields are kept as they are, except its webhooks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node)) if node else set()
    return set()


def cut(document: dict[str, Any], operations: list[tuple[str, str]]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, method in operations:
        paths.setdefault(path, {})[method] = document["paths"][path][method]
    components: dict[str, dict[str, Any]] = {}
    pending = _refs(paths)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        value = document["components"][kind][name]
        components.setdefault(kind, {})[name] = value
        pending |= _refs(value) - seen
    kept = {k: v for k, v in document.items() if k not in ("paths", "components", "x-webhooks")}
    return {**kept, "paths": paths, "components": components}


def main() -> None:
    source, target, *specs = sys.argv[1:]
    operations = [(spec.rsplit(":", 1)[0], spec.rsplit(":", 1)[1]) for spec in specs]
    document = json.loads(Path(source).read_text())
    Path(target).write_text(json.dumps(cut(document, operations), indent=1) + "\n")


if __name__ == "__main__":
    main()
