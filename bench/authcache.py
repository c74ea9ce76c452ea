"""Part 4: the authorizer's password cost. The argon2id parameters and the time of one verification here,
then repeated valid Basic auth through the warm authorizer (the same credentials each time) with its
verified-password cache on (AUTH_CACHE_SECONDS=60, the default) and off (0): requests per second."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench import world as w
from bench.handlers import Context, handler


def _fresh_authenticator() -> None:
    """A new authenticator (and settings) as a new instance would have: the cache setting is read again."""
    from oauth_authz import settings
    from oauth_authz.service import authentication

    settings.get_settings.cache_clear()
    authentication.authenticator.cache_clear()


def _throughput(seconds: float, minimum: int = 5, authorization: str | None = None) -> dict[str, Any]:
    """`authorization`: the header to send (default: the bench user's password)."""
    lambda_handler = handler("authorizer")
    if authorization is None:
        world_event = w.authorizer_event(w.basic("bench-user", w.PASSWORD))
    else:
        world_event = w.authorizer_event(authorization, "/user")
    lambda_handler(world_event, Context(function_name="authorizer"))  # warm: the first request verifies
    durations: list[float] = []
    started = time.perf_counter()
    while time.perf_counter() - started < seconds or len(durations) < minimum:
        begin = time.perf_counter_ns()
        answer = lambda_handler(world_event, Context(function_name="authorizer"))
        durations.append((time.perf_counter_ns() - begin) / 1e6)
        assert answer["context"].get("principal_type") == "user", answer
    elapsed = time.perf_counter() - started
    return {
        "requests": len(durations),
        "requests_per_second": round(len(durations) / elapsed, 1),
        "median_ms": round(statistics.median(durations), 3),
    }


def run(world: w.World, seconds: float, say: Callable[[str], None]) -> dict[str, Any]:
    from oauth_authz import passwords
    from oauth_authz.settings import get_settings
    from oauth_authz.store.repository import Repository

    hasher = passwords._HASHER
    user = Repository(get_settings().table_name).get_user(world.login)
    assert user is not None
    verify_ms = []
    for _ in range(7):
        begin = time.perf_counter_ns()
        assert passwords.verify_password(user.password_hash, w.PASSWORD)
        verify_ms.append((time.perf_counter_ns() - begin) / 1e6)

    previous = os.environ.get("AUTH_CACHE_SECONDS")
    try:
        os.environ["AUTH_CACHE_SECONDS"] = "60"
        _fresh_authenticator()
        cached = _throughput(seconds)
        os.environ["AUTH_CACHE_SECONDS"] = "0"
        _fresh_authenticator()
        uncached = _throughput(seconds)
        token = _throughput(seconds, authorization=f"token {world.app.tokens[1].token}")
    finally:
        if previous is None:
            os.environ.pop("AUTH_CACHE_SECONDS", None)
        else:
            os.environ["AUTH_CACHE_SECONDS"] = previous
        _fresh_authenticator()
    speedup = cached["requests_per_second"] / uncached["requests_per_second"]
    result = {
        "algorithm": "argon2id",
        "time_cost": hasher.time_cost,
        "memory_cost_kib": hasher.memory_cost,
        "parallelism": hasher.parallelism,
        "verify_median_ms": round(statistics.median(verify_ms), 1),
        "cache_seconds": 60,
        "cached": cached,
        "uncached": uncached,
        "speedup": round(speedup, 1),
        # issue 14: a token costs one GetItem and no password hash; at least 10x the uncached password
        "token": token,
        "token_vs_uncached_password": round(
            token["requests_per_second"] / uncached["requests_per_second"], 1
        ),
    }
    say(
        f"  argon2id t={hasher.time_cost} m={hasher.memory_cost} KiB p={hasher.parallelism}: verify "
        f"{result['verify_median_ms']} ms; warm authorizer {cached['requests_per_second']} req/s cached, "
        f"{uncached['requests_per_second']} req/s uncached (x{speedup:.0f}); with a token "
        f"{token['requests_per_second']} req/s "
        f"(x{result['token_vs_uncached_password']:.0f} the uncached password)"
    )
    return result
