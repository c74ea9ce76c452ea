"""The local API's HTTP server: ``http.server`` threads that read each request (the body up to API Gateway's
limit, the headers API Gateway adds), hand it to the :class:`~oauth_authz_local.apigw.gateway.Gateway` or to
the docs site, and write the answer. Its own refusals (a malformed request) are the API's gateway
responses; its access log names the resource, never the path or the query.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .apigw.gateway import Gateway
from .apigw.gateway_responses import render_gateway_response
from .apigw.messages import HttpRequest, HttpResponse
from .constants import MAX_BODY_BYTES

if TYPE_CHECKING:
    from .docs_site import DocsSite

__all__ = ["CLIENT_TIMEOUT_SECONDS", "GatewayServer"]

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("oauth_authz_local.access")

# A client silent this long (a body announced and never sent, or an idle keep-alive connection) is dropped, so
# that it cannot hold one of the server's threads for good.
CLIENT_TIMEOUT_SECONDS = 60.0
#: A body over the limit is read and dropped up to this size (so the client gets the 413), else cut off.
_DRAIN_LIMIT = 64 * 1024 * 1024
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def version_string(self) -> str:
        return "oauth-authz-local"

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.client_timeout)
        # Headers and body go out in two writes: with Nagle's algorithm the body waited for the client's
        # delayed ACK of the headers (~40 ms on every keep-alive response).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    # http.server logs the raw request line (a token may be in the path): never.
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002
        access_logger.warning("malformed HTTP request from %s", self.client_address[0])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line, a header line over 64 KB, more than 100
        headers, a URL over 64 KB): the API's DEFAULT_4XX/5XX gateway response, so in the API's shape."""
        self.log_error("")
        if self.request_version == "HTTP/0.9":  # an unparsable request line: answer in HTTP/1.1 anyway
            self.request_version = "HTTP/1.1"
        self.close_connection = True
        phrase = "Bad Request" if code == 400 else _status_phrase(code)
        gateway = getattr(self.server, "gateway", None)
        rendered = render_gateway_response(
            gateway.responses if gateway is not None else {},
            "DEFAULT_4XX" if code < 500 else "DEFAULT_5XX",
            message=phrase,
            status=code,
        )
        try:
            self.send_response(rendered.status)
            for name, value in rendered.headers:
                if name.lower() not in ("content-length", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(rendered.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and rendered.status >= 200 and rendered.status not in (204, 304):
                self.wfile.write(rendered.body)
        except OSError:
            pass

    def _read_body(self) -> bytes | None:
        """The request body; None when it is over the limit (the connection is then closed).

        Framing is read strictly (RFC 9112 section 6), by explicit checks on what `http.server` parsed:
        `Transfer-Encoding` once and exactly `chunked` (the only coding served), never with a
        `Content-Length`; `Content-Length` digits only, several only if all equal; chunk sizes hex digits
        only, each chunk followed by CRLF. Anything else would let a client and a proxy in front disagree
        on where a request ends (a smuggled second request) or buffer without limit (a size of `-1`).
        Raises ValueError for anything else (a 400 in the API's shape, and the connection is closed)."""
        codings = self.headers.get_all("Transfer-Encoding") or []
        lengths = self.headers.get_all("Content-Length") or []
        if codings:
            if len(codings) != 1 or codings[0].strip().lower() != "chunked" or lengths:
                raise ValueError("unsupported or ambiguous Transfer-Encoding")
            return self._read_chunked()
        values = {value.strip() for header in lengths for value in header.split(",")}
        if len(values) > 1:
            raise ValueError("conflicting Content-Length")
        text = values.pop() if values else "0"
        if not (text.isascii() and text.isdigit()):
            raise ValueError("malformed Content-Length")
        length = int(text)
        if length > MAX_BODY_BYTES:
            # Read what the client is sending (up to a bound) so it sees the 413, not a reset.
            self.close_connection = True
            remaining = min(length, _DRAIN_LIMIT)
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 16))
                if not chunk:
                    break
                remaining -= len(chunk)
            return None
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(65537)
            size_text = size_line.split(b";", 1)[0].strip()
            if not _CHUNK_SIZE.fullmatch(size_text):
                raise ValueError("malformed chunk size")
            size = int(size_text, 16)
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                self.close_connection = True
                return None
            chunks.append(self.rfile.read(size))
            if self.rfile.readline(65537) not in (b"\r\n", b"\n"):
                raise ValueError("chunk data not followed by CRLF")

    def _dispatch(self) -> None:
        started = time.perf_counter()
        gateway, site = self.server.gateway, self.server.site
        path, _, query = self.path.partition("?")
        if not path.startswith("/"):  # absolute-form request target
            path = "/" + path.split("://", 1)[-1].partition("/")[2]
        request = HttpRequest(
            method=self.command,
            path=path,
            query=query,
            source_ip=self.client_address[0],
            server_port=self.server.server_address[1],
            protocol=self.request_version,
        )
        response: HttpResponse
        try:
            request.headers = self._event_headers(request)
            body = self._read_body()
            if body is None:
                request.body_too_large = True
            else:
                request.body = body
            found = site.answer(request.method, path, self.headers.get("Host")) if site else None
            if found is not None:
                response = HttpResponse(found[0], found[1], found[2], resource=path)
            else:
                response = gateway.handle(request)
        except TimeoutError:  # the client stopped sending its body: nobody is waiting for an answer
            access_logger.warning(
                "%s sent no complete request within %ss; connection closed",
                request.source_ip,
                self.server.client_timeout,
            )
            self.close_connection = True
            return
        except ValueError:  # malformed framing: Content-Length, Transfer-Encoding or a chunk
            self.close_connection = True
            response = render_gateway_response(gateway.responses, "DEFAULT_4XX", request=request, status=400)
        except Exception:
            logger.exception("gateway: cannot read the request")
            self.close_connection = True
            response = render_gateway_response(gateway.responses, "DEFAULT_5XX", request=request, status=500)
        # Logged before the answer leaves, so the line is there when the client has its answer.
        access_logger.info(
            "%s %s %s %s %.1fms %s",
            request.source_ip,
            request.method,
            response.resource,
            response.status,
            (time.perf_counter() - started) * 1000,
            request.request_id,
        )
        self._write(response)

    def _event_headers(self, request: HttpRequest) -> list[tuple[str, str]]:
        headers = [(name, value) for name, value in self.headers.items()]
        forwarded_for = None
        for name, value in headers:
            if name.lower() == "x-forwarded-for":
                forwarded_for = value
        headers = [
            (name, value)
            for name, value in headers
            if name.lower() not in ("x-forwarded-for", "x-forwarded-port", "x-forwarded-proto")
        ]
        headers.append(
            (
                "X-Forwarded-For",
                f"{forwarded_for}, {request.source_ip}" if forwarded_for else request.source_ip,
            )
        )
        headers.append(("X-Forwarded-Port", str(request.server_port)))
        headers.append(("X-Forwarded-Proto", "http"))
        if not any(name.lower() == "x-amzn-trace-id" for name, _ in headers):
            trace = f"Root=1-{int(request.received_at):08x}-{uuid.uuid4().hex[:24]}"
            headers.append(("X-Amzn-Trace-Id", trace))
        return headers

    def _write(self, response: HttpResponse) -> None:
        try:
            self.send_response(response.status)
            has_body = response.status >= 200 and response.status not in (204, 304)
            for name, value in response.headers:
                self.send_header(name, value)
            if has_body:
                self.send_header("Content-Length", str(len(response.body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if has_body and self.command != "HEAD":
                self.wfile.write(response.body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True


def _status_phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Bad Request" if code < 500 else "Internal server error"


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: a burst of clients connecting at once (50 in the race
    # tests) overflowed it and some were reset before a thread could accept them.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], gateway: Gateway, site: DocsSite | None = None) -> None:
        self.gateway = gateway
        self.site = site
        self.client_timeout = CLIENT_TIMEOUT_SECONDS
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _RequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.exception("gateway: connection error from %s", client_address[0] if client_address else "?")


class GatewayServer:
    """The gateway on ``http://<host>:<port>``, served by daemon threads. ``stop()`` also ends the
    gateway's workers."""

    def __init__(
        self, gateway: Gateway, host: str = "127.0.0.1", port: int = 0, site: DocsSite | None = None
    ) -> None:
        """`site`: what is served beside the API (the OpenAPI document and its page), if anything."""
        self.gateway = gateway
        self.site = site
        self.host = host
        self.port = port
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> str:
        self._server = _HTTPServer((self.host, self.port), self.gateway, self.site)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=f"gateway-{self.port}", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.gateway.close()
