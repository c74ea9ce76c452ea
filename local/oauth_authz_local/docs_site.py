"""What the local API serves beside the API itself: `/openapi.json` and a Swagger UI page at `/docs`.

The document is `openapi.json` next to `template.yaml` (generated from the code and kept current by
`make openapi`; a test fails when it is not), its `servers` set to the address the client used. Swagger UI
comes from the swagger-ui-py package's copy of swagger-ui-dist, so the page works with no internet.
These paths are not routes of the API: a deployed stack answers them 404 like any unknown path.
"""

from __future__ import annotations

import importlib.util
import json
import mimetypes
from functools import cached_property
from pathlib import Path
from typing import Any

from .sam_model import Template

DOCUMENT_PATH = "/openapi.json"
DOCS_PATH = "/docs"
_ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png")

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>oauth-authz: API documentation</title>
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
    });
  </script>
</body>
</html>
"""


def _assets_dir() -> Path | None:
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    static = Path(next(iter(spec.submodule_search_locations))) / "static"
    return static if static.is_dir() else None


class DocsSite:
    """Answers GET and HEAD of the documentation paths; `answer` returns None for every other request."""

    def __init__(self, template: Template) -> None:
        self._template = template
        self._committed = template.folder / "openapi.json"
        self._assets = _assets_dir()

    @cached_property
    def _document(self) -> dict[str, Any]:
        """The committed document; generated from the code (slower: it loads every function) without one."""
        if self._committed.is_file():
            loaded: dict[str, Any] = json.loads(self._committed.read_text(encoding="utf-8"))
            return loaded
        from .openapi import build_document

        return build_document(self._template)

    def answer(
        self, method: str, path: str, host: str | None
    ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        if method not in ("GET", "HEAD"):
            return None
        if path == DOCUMENT_PATH:
            document = dict(self._document)
            if host:
                document["servers"] = [{"url": f"http://{host}", "description": "this local API"}]
            from .openapi import render  # the generator's modules, only once the document is asked for

            body = render(document).encode("utf-8")
            return 200, [("Content-Type", "application/json; charset=utf-8")], body
        if path in (DOCS_PATH, DOCS_PATH + "/"):
            return 200, [("Content-Type", "text/html; charset=utf-8")], _PAGE.encode("utf-8")
        name = path.removeprefix(DOCS_PATH + "/")
        if path.startswith(DOCS_PATH + "/") and name in _ASSETS and self._assets is not None:
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if content_type.startswith("text/") or content_type.endswith("javascript"):
                content_type += "; charset=utf-8"
            return 200, [("Content-Type", content_type)], (self._assets / name).read_bytes()
        return None
