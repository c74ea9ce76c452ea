"""An OAuth app's callback for the browser tests: a small HTTP server on a free loopback port that records the
query of each request to `/callback` (the code and state, or the error) and answers a small page."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit


class Callback:
    """The app's callback: records each query it receives and answers a small page."""

    def __init__(self) -> None:
        self.queries: list[dict[str, list[str]]] = []
        seen = self.queries

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                if urlsplit(self.path).path == "/callback":  # not the browser's /favicon.ico
                    seen.append(parse_qs(urlsplit(self.path).query))
                body = b"<!doctype html><title>callback</title><p>Back at the app.</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/callback"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
