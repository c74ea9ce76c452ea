"""The documentation the local API serves beside the API: /openapi.json and the Swagger UI page at /docs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from tests.support.e2e import REPO_ROOT, Client, Server, assert_not_found

TIMEOUT = 30


def test_the_docs_page_loads_swagger_ui_from_the_server_itself(server: Server) -> None:
    page = requests.get(f"{server.url}/docs", timeout=TIMEOUT)
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert 'url: "/openapi.json"' in page.text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources, page.text
    for source in sources:
        assert source.startswith("/docs/"), f"{source}: the page must not need the internet"
        asset = requests.get(server.url + source, timeout=TIMEOUT)
        assert asset.status_code == 200, source
        assert len(asset.content) > 1000, source
    bundle = requests.get(f"{server.url}/docs/swagger-ui-bundle.js", timeout=TIMEOUT)
    assert bundle.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "SwaggerUIBundle" in bundle.text
    # Swagger UI 5 renders OpenAPI 3.1 (version 4 refuses it)
    assert re.search(r'"5\.\d+\.\d+"', bundle.text)


def test_the_document_is_the_committed_one_naming_the_server_it_came_from(server: Server) -> None:
    """What the fuzzing runs on (the committed file, loaded at collection) is what the local API serves."""
    response = requests.get(f"{server.url}/openapi.json", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    served = response.json()
    assert served.pop("servers") == [{"url": server.url, "description": "this local API"}]
    committed = json.loads((REPO_ROOT / "openapi.json").read_text(encoding="utf-8"))
    committed.pop("servers")
    assert served == committed
    assert served["openapi"] == "3.1.0"


def test_other_methods_and_unknown_assets_are_the_apis_404(anonymous: Client) -> None:
    for method, path in [
        ("POST", "/openapi.json"),
        ("DELETE", "/docs"),
        ("GET", "/docs/../template.yaml"),
        ("GET", "/docs/index.j2"),
        ("GET", "/docs/nothing.js"),
    ]:
        assert_not_found(anonymous.request(method, path))


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (apt-get install chromium)")
def test_the_docs_page_renders_every_operation_in_a_browser(server: Server, tmp_path: Path) -> None:
    """Headless Chromium opens /docs as a user would: Swagger UI renders every operation of the document."""
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            f"{server.url}/docs",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    document = requests.get(f"{server.url}/openapi.json", timeout=TIMEOUT).json()
    assert "oauth-authz" in dom
    for item in document["paths"].values():
        for operation in item.values():
            assert operation["summary"] in dom, operation["summary"]
