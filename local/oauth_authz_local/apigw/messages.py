"""One HTTP request and its response as the gateway sees them (what the HTTP server hands it, gets back)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

__all__ = ["HttpRequest", "HttpResponse"]


@dataclass
class HttpRequest:
    """One HTTP request as the gateway sees it. ``path`` is the raw (percent-encoded) path."""

    method: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    server_port: int = 80
    protocol: str = "HTTP/1.1"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    received_at: float = field(default_factory=time.time)
    #: The body was over MAX_BODY_BYTES and was not read.
    body_too_large: bool = False

    def header(self, name: str) -> str | None:
        """The last value of a header (case-insensitive), as API Gateway's ``headers`` keeps it."""
        found = None
        for key, value in self.headers:
            if key.lower() == name.lower():
                found = value
        return found


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    resource: str = "-"
