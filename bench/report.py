"""bench/RESULTS.md (a table per part, with the machine, the date and the commit) and bench/results.json."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from bench.env import REPO

OVERHEAD_TARGET = 1.25
RESULTS_MD = REPO / "bench" / "RESULTS.md"
RESULTS_JSON = REPO / "bench" / "results.json"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _mark(ok: bool) -> str:
    return "yes" if ok else "**no**"


def roundtrip_table(results: dict[str, Any]) -> list[str]:
    rows = [
        [
            r["label"],
            f"`{r['function']}`",
            r["calls"],
            r["budget"],
            _mark(r["within_budget"]),
            ", ".join(r["operations"]),
            r["read_request_units"],
            r["write_request_units"],
        ]
        for r in results["roundtrips"]
    ]
    header = ["request", "function", "calls", "budget", "within", "calls made", "RRU", "WRU"]
    return _table(header, rows)


def overhead_table(results: dict[str, Any]) -> list[str]:
    rows = []
    for r in results["roundtrips"]:
        if "ratio_median" not in r:
            continue
        target = "n/a (authorizer)" if r["authorizer"] else _mark(r["ratio_median"] <= OVERHEAD_TARGET)
        rows.append(
            [
                r["label"],
                r["handler_median_ms"],
                r["handler_p95_ms"],
                r["direct_median_ms"],
                f"x{r['ratio_median']:.2f}",
                f"x{r['ratio_p95']:.2f}",
                target,
            ]
        )
    header = [
        "request",
        "handler median ms",
        "handler p95 ms",
        "same calls, boto3, median ms",
        "median ratio",
    ]
    return _table([*header, "p95 / direct median", f"median <= x{OVERHEAD_TARGET}"], rows)


def coldstart_table(results: dict[str, Any]) -> list[str]:
    cold = results["coldstart"]
    rows = [
        [f"`{r['function']}`", r["median_ms"], r["min_ms"], f"x{r['ratio']:.2f}", _mark(r["meets_target"])]
        for r in cold["functions"]
    ]
    rows.append(
        [
            '`import boto3; boto3.client("dynamodb")` (baseline)',
            cold["baseline_median_ms"],
            cold["baseline_min_ms"],
            "x1.00",
            "",
        ]
    )
    return _table(["process", "median ms", "min ms", "ratio", f"<= x{cold['target']}"], rows)


def localapi_table(results: dict[str, Any]) -> list[str]:
    rows = []
    for name, runs in results["localapi"]["results"].items():
        for r in runs:
            row = [name, r["concurrency"], r["requests_per_second"], r["p50_ms"], r["p99_ms"], r["requests"]]
            rows.append([*row, r.get("errors", 0)])
    return _table(["requests", "clients", "req/s", "p50 ms", "p99 ms", "measured requests", "errors"], rows)


def cost_table(results: dict[str, Any]) -> list[str]:
    rows = [
        [
            r["label"],
            r["duration_ms"],
            r["api_gateway"],
            r["lambda"],
            r["dynamodb"],
            r["authorizer"],
            f"**{r['total']}**",
            r["total_password_not_cached"],
        ]
        for r in results["cost"]["routes"]
    ]
    header = ["request", "duration ms", "API Gateway", "function", "DynamoDB", "authorizer (cached)", "total"]
    return _table([*header, "total, password not cached"], rows)


def _para(*parts: str) -> list[str]:
    """One paragraph, wrapped at 110 columns."""
    return [*textwrap.wrap(" ".join(parts), 110), ""]


def markdown(results: dict[str, Any]) -> str:
    meta, machine = results["meta"], results["meta"]["machine"]
    auth, cold, local = results["authcache"], results["coldstart"], results["localapi"]
    cost = results["cost"]
    prices = cost["prices"]
    over = [r["label"] for r in results["roundtrips"] if not r["within_budget"]]
    samples = next((r["samples"] for r in results["roundtrips"] if "samples" in r), "?")
    cached, uncached = auth["cached"], auth["uncached"]
    return "\n".join(
        [
            "# Benchmark results",
            "",
            *_para(
                "Written by `make bench` (`python -m bench`); do not edit by hand.",
                "The JSON twin is `bench/results.json`.",
            ),
            f"- date: {meta['date']}; commit: `{meta['commit']}`; run took {meta['duration_seconds']} s",
            f"- machine: {machine['cpu']}, {machine['cores']} cores (shared, noisy),",
            f"  Python {machine['python']}, {machine['platform']}",
            f"- store: {meta['store']}",
            "- every timing is a ratio against a baseline taken in the same run on the same store",
            "",
            "## 1. DynamoDB round trips per request",
            "",
            *_para(
                "Each handler driven in-process with its API Gateway event (routes: with the authorizer's",
                "context; the authorizer not included); calls counted through botocore's events.",
                "RRU/WRU: read",
                "and write request units by DynamoDB's sizing rules on the items involved (moto's",
                "`ReturnConsumedCapacity` figures are placeholders; they are in the JSON).",
                "n = the grant's tokens.",
            ),
            *roundtrip_table(results),
            "",
            f"Budgets: {'all met' if not over else 'over budget: ' + ', '.join(over)}.",
            "",
            "## 2. Handler overhead",
            "",
            *_para(
                "The full handler (event in, response out) against the very DynamoDB calls it made, replayed",
                "directly with a plain boto3 client on the same store (the table put back before each),",
                f"{samples} runs each after a warm-up. The authorizer rows run warm with the same",
                "credentials",
                "(its cache holds the password; part 4 has the cost without it).",
            ),
            *overhead_table(results),
            "",
            "## 3. Cold start",
            "",
            *_para(
                f"Median over {cold['processes']} fresh processes per function of `import app` (from the",
                "function's folder, as Lambda imports it) and its first invocation, spawn to exit, against",
                "fresh processes that only create a boto3 DynamoDB client. Environment: template.yaml's",
                f"Globals. Tracing: {cold['tracing']}. The authorizer's first invocation is an app's Basic",
                "auth (a user's adds one argon2 verification: part 4).",
            ),
            *coldstart_table(results),
            "",
            *_para(
                "Taken off the import path: the X-Ray SDK's core where tracing is off (150-200 ms here;",
                "on Lambda with `Tracing: Active` it is needed and loaded), argon2 outside the authorizer",
                "and the admin CLI, and building the API models (pydantic `defer_build`). What a route",
                "function still adds to the baseline (`python -X importtime`, quiet machine): Powertools'",
                "event handler, whose package imports every resolver and every event data class (70-100 ms),",
                "pydantic and the API models (about 50 ms), the Logger's JMESPath utilities, and a first",
                "request (credentials, endpoint rules, one call: about 15 ms); the authorizer, without the",
                "event handler, comes closest to the target.",
            ),
            "## 4. The authorizer's password cost",
            "",
            f"- hash: {auth['algorithm']}, time_cost {auth['time_cost']},"
            f" memory_cost {auth['memory_cost_kib']}"
            f" KiB, parallelism {auth['parallelism']}; one verification here: {auth['verify_median_ms']} ms",
            f"- warm authorizer, the same valid Basic credentials repeated: **{cached['requests_per_second']}"
            f" req/s** with the cache (AUTH_CACHE_SECONDS={auth['cache_seconds']}, median",
            f"  {cached['median_ms']} ms), {uncached['requests_per_second']} req/s without it",
            f"  (AUTH_CACHE_SECONDS=0, median {uncached['median_ms']} ms): x{auth['speedup']}",
            "",
            "## 5. Local API throughput",
            "",
            *_para(
                "`python -m oauth_authz_local serve` (what `make serve` runs) on the same moto server,",
                f"{local['seconds']} s per run after a warm-up of {local['warmup_seconds']['1']} s",
                f"(1 client) or {local['warmup_seconds']['16']} s (16 clients, ramped up), keep-alive",
                "clients on the same",
                "machine; raw GetItem/PutItem:",
                "boto3 straight to the moto server.",
            ),
            *localapi_table(results),
            "",
            "## 6. Cost on AWS, estimated (USD per million requests)",
            "",
            *_para(
                f"Prices, {prices['region']}: Lambda",
                f"${prices['lambda_gb_second_x86']:.10f} per GB-s (x86_64)",
                f"and ${prices['lambda_request']:.2f} per million invocations; API Gateway REST",
                f"${prices['api_gateway_rest_request']:.2f} per million requests; DynamoDB on-demand",
                f"${prices['dynamodb_write_request_unit']:.2f} per million WRU and",
                f"${prices['dynamodb_read_request_unit']:.2f} per million RRU. Memory {cost['memory_mb']} MB",
                "(template.yaml). Durations: part 2's medians on this machine (not Lambda's CPU share),",
                "billed per ms; every request also runs the authorizer (API Gateway's authorizer cache is",
                "off), at its warm, cached duration (part 4).",
            ),
            *cost_table(results),
            "",
            *pages_section(results),
        ]
    )


def pages_section(results: dict[str, Any]) -> list[str]:
    rendering = results.get("pages")
    if not rendering:
        return []
    return [
        "## 7. Rendering a page",
        "",
        *_para(
            "The sign-in page's handler (Jinja2 template, its CSRF token and pre-session cookie, no store",
            "call) against the same page resolver and headers answering a fixed string, both through",
            f"`web.handle`, {rendering['samples']} runs each, interleaved.",
        ),
        *_table(
            ["page", "rendered median ms", "fixed string median ms", "ratio"],
            [
                [
                    rendering["page"],
                    rendering["rendered_median_ms"],
                    rendering["fixed_median_ms"],
                    f"x{rendering['ratio_median']:.2f}",
                ]
            ],
        ),
        "",
    ]


README = REPO / "README.md"
README_START = "<!-- bench results: written by make bench -->"
README_END = "<!-- end of bench results -->"


def targets_table(results: dict[str, Any]) -> list[str]:
    """One line per budget or target: met or not, with the figure."""
    trips = results["roundtrips"]
    over = [r for r in trips if not r["within_budget"]]
    ratios = [r for r in trips if not r["authorizer"] and "ratio_median" in r]
    worst = max(ratios, key=lambda r: r["ratio_median"])
    cold = results["coldstart"]
    coldest = max(cold["functions"], key=lambda r: r["ratio"])
    warmest = min(cold["functions"], key=lambda r: r["ratio"])
    auth = results["authcache"]
    rows = [
        [
            "1. DynamoDB calls per request within budget",
            f"{len(trips) - len(over)} of {len(trips)} requests within budget",
            _mark(not over),
        ],
        [
            f"2. handler / same calls with boto3, median <= x{OVERHEAD_TARGET}",
            f"x{min(r['ratio_median'] for r in ratios):.2f} to x{worst['ratio_median']:.2f}"
            f" ({worst['label']})",
            _mark(worst["ratio_median"] <= OVERHEAD_TARGET),
        ],
        [
            f"3. cold start / bare boto3 client process <= x{cold['target']}",
            f"x{warmest['ratio']:.2f} (`{warmest['function']}`) to x{coldest['ratio']:.2f} "
            f"(`{coldest['function']}`); baseline {cold['baseline_median_ms']} ms",
            _mark(coldest["ratio"] <= cold["target"]),
        ],
        [
            "4. warm authorizer, repeated valid Basic auth",
            f"{auth['cached']['requests_per_second']} req/s cached vs"
            f" {auth['uncached']['requests_per_second']} uncached"
            f" (argon2id verify {auth['verify_median_ms']} ms)",
            "",
        ],
    ]
    for name, runs in results["localapi"]["results"].items():
        shown = "; ".join(f"{r['requests_per_second']} req/s at {r['concurrency']}" for r in runs)
        rows.append([f"5. {name}", shown, ""])
    totals = [r["total"] for r in results["cost"]["routes"]]
    rows.append(["6. estimated USD per million requests", f"{min(totals):.2f} to {max(totals):.2f}", ""])
    return _table(["budget or target", "measured", "met"], rows)


def readme_block(results: dict[str, Any]) -> str:
    meta = results["meta"]
    return "\n".join(
        [
            README_START,
            f"Last run: {meta['date']}, commit `{meta['commit']}`, {meta['machine']['cores']} shared cores,"
            f" {meta['duration_seconds']} s.",
            "",
            *targets_table(results),
            "",
            *roundtrip_table(results),
            README_END,
        ]
    )


def write_readme(results: dict[str, Any]) -> None:
    """The block between the README's markers, when it has them."""
    text = README.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start == -1 or end == -1:
        return
    README.write_text(text[:start] + readme_block(results) + text[end + len(README_END) :], encoding="utf-8")


def write(results: dict[str, Any]) -> None:
    RESULTS_MD.write_text(markdown(results), encoding="utf-8")
    RESULTS_JSON.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    write_readme(results)


def summary(results: dict[str, Any]) -> str:
    over = [
        f"{r['label']} ({r['calls']} > {r['budget']})"
        for r in results["roundtrips"]
        if not r["within_budget"]
    ]
    slow = [
        f"{r['label']} (x{r['ratio_median']:.2f})"
        for r in results["roundtrips"]
        if not r["authorizer"] and r.get("ratio_median", 0) > OVERHEAD_TARGET
    ]
    cold = [
        f"{r['function']} (x{r['ratio']:.2f})"
        for r in results["coldstart"]["functions"]
        if not r["meets_target"]
    ]
    auth = results["authcache"]
    lines = [
        "",
        "== bench summary ==",
        f"round-trip budgets: {'all met' if not over else 'OVER: ' + '; '.join(over)}",
        f"handler overhead <= x{OVERHEAD_TARGET} (median): "
        + ("all met" if not slow else "not met: " + "; ".join(slow)),
        f"cold start <= x{results['coldstart']['target']}: "
        + ("all met" if not cold else "not met: " + "; ".join(cold)),
        f"authorizer: {auth['cached']['requests_per_second']} req/s cached, "
        f"{auth['uncached']['requests_per_second']} uncached",
        f"results: {RESULTS_MD.relative_to(REPO)} and {RESULTS_JSON.relative_to(REPO)}",
    ]
    return "\n".join(lines)
