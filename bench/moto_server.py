"""The benchmarks' DynamoDB: moto's backend (with the local store's transaction fix, so a transaction costs
what its items cost rather than a copy of the table per action) served over HTTP on 127.0.0.1, one request
at a time (moto's backend is not thread-safe), without the local store's journal (no fsync in the timings).

`python -m bench.moto_server` prints `port <n>` once it listens, and serves until SIGTERM or stdin closes.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from oauth_authz_local.dynamodb_journal import moto_app


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _serialised(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    lock = threading.Lock()

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with lock:
            return [b"".join(app(environ, start_response))]

    return serve


def main() -> int:
    server = make_server("127.0.0.1", 0, _serialised(moto_app()), threaded=True, request_handler=_Quiet)
    server.daemon_threads = True  # type: ignore[attr-defined]  # threaded=True: a ThreadingMixIn
    print(f"port {server.server_address[1]}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())

    def orphaned() -> None:  # the parent holds our stdin: when it goes away (even killed), so do we
        sys.stdin.read()
        server.shutdown()

    threading.Thread(target=orphaned, daemon=True).start()
    server.serve_forever(poll_interval=0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
