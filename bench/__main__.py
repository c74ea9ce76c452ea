"""`make bench`: every part against one moto server on 127.0.0.1, results in bench/RESULTS.md and
bench/results.json (and the README's table); exit status 1 when a DynamoDB round-trip budget is exceeded
(or the run failed)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from datetime import UTC, datetime
from typing import Any

from bench import env

PARTS = ("roundtrips", "coldstart", "authcache", "localapi", "cost", "pages")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--iterations", type=int, default=25, help="timed runs per route (default 25)")
    parser.add_argument("--processes", type=int, default=15, help="fresh processes per cold start (15)")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each throughput run (3 s)")
    parser.add_argument("--no-write", action="store_true", help="print only, keep RESULTS.md as it is")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite RESULTS.md and the README's table from results.json",
    )
    arguments = parser.parse_args(argv)
    if arguments.report_only:
        from bench import report

        report.write(json.loads(report.RESULTS_JSON.read_text(encoding="utf-8")))
        return 0

    out = sys.stdout
    started = time.monotonic()

    def say(text: str) -> None:
        print(f"[{time.monotonic() - started:5.0f}s] {text}", file=out, flush=True)

    server = env.MotoServer()
    try:
        env.apply_environment(server.endpoint)
        # The functions log (and publish metrics) to stdout, as on Lambda: not into the summary.
        warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the whole run
        results = _run(server.endpoint, arguments, say)
    finally:
        sys.stdout = out
        server.stop()
    results["meta"]["duration_seconds"] = round(time.monotonic() - started, 1)
    from bench import report

    if not arguments.no_write:
        report.write(results)
    say(report.summary(results))
    return 0 if results["ok"] else 1


def _run(endpoint: str, arguments: argparse.Namespace, say: Any) -> dict[str, Any]:
    from bench import authcache, coldstart, cost, localapi, pages, routes, world

    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": env.commit(),
        "machine": env.machine(),
        "store": "moto (oauth_authz_local's backend) over HTTP on 127.0.0.1, one request at a time",
    }
    env.create_table(endpoint)
    table = env.Table(env.client(endpoint))
    say(">> building the benchmark data (users, apps, tokens)")
    bench_world = world.build_world()
    say(">> parts 1-2: round trips per route, handler overhead")
    route_results = routes.run(bench_world, table, env.client(endpoint), arguments.iterations, 3, say)
    say(">> part 4: the authorizer's password cost")
    auth = authcache.run(bench_world, arguments.seconds, say)
    say(">> part 3: cold start")
    cold = coldstart.run(bench_world, table, endpoint, arguments.processes, say)
    say(">> part 5: local API throughput")
    local = localapi.run(bench_world, endpoint, arguments.seconds, say)
    say(">> part 7: rendering a page")
    rendering = pages.render_cost(arguments.iterations, say)
    routes_summary = [r.summary() for r in route_results]
    costs = cost.run(routes_summary, auth)
    return {
        "meta": meta,
        "ok": all(r.within_budget for r in route_results),
        "roundtrips": routes_summary,
        "coldstart": cold,
        "authcache": auth,
        "localapi": local,
        "cost": costs,
        "pages": rendering,
    }


if __name__ == "__main__":
    sys.exit(main())
