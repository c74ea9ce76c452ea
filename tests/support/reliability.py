"""The `make reliability` summary: what the reliability tests tried, how many requests and examples, and how
many failures they found.

Tests marked `reliability` add to the session's `ReliabilityReport` (`reliability_report.add(what, requests=,
examples=)`); `tests/conftest.py` prints it at the end of the run, with the outcome of every `reliability`
test. Tests also marked `long` (the load run, the crash test, fuzzing over HTTP) only run with `--long`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest


@dataclass
class Line:
    runs: int = 0
    requests: int = 0
    examples: int = 0


@dataclass
class ReliabilityReport:
    lines: dict[str, Line] = field(default_factory=dict)
    passed: int = 0
    failed: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, what: str, requests: int = 0, examples: int = 0) -> None:
        with self._lock:
            line = self.lines.setdefault(what, Line())
            line.runs += 1
            line.requests += requests
            line.examples += examples

    def outcome(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.failed.append(f"{report.nodeid} ({report.when})")
        elif report.when == "call" and report.passed:
            self.passed += 1

    def render(self) -> list[str]:
        width = max([len(what) for what in self.lines] + [10])
        out = [f"{'what was tried':<{width}}  {'runs':>6}  {'requests':>8}  {'examples':>8}"]
        for what, line in sorted(self.lines.items()):
            out.append(f"{what:<{width}}  {line.runs:>6}  {line.requests:>8}  {line.examples:>8}")
        requests = sum(line.requests for line in self.lines.values())
        examples = sum(line.examples for line in self.lines.values())
        out.append(
            f"reliability: {self.passed} tests passed, {requests} requests, {examples} generated examples; "
            f"failures found: {len(self.failed)}"
        )
        out += [f"  FAILED {nodeid}" for nodeid in self.failed]
        return out
