"""http_server: what the local API's HTTP server is configured with."""

from __future__ import annotations

from oauth_authz_local import http_server


def test_the_listen_backlog_takes_a_burst_of_clients() -> None:
    """socketserver's default backlog (5) reset connections when 50 clients connected at once."""
    assert http_server._HTTPServer.request_queue_size >= 64
