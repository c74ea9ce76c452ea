"""The API's resources and methods, matched the way API Gateway matches a REST API's request path."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from ..sam_model import Route

__all__ = ["RouteMatch", "RouteTable"]


@dataclass(frozen=True)
class RouteMatch:
    resource: str
    route: Route | None  # None: the resource exists, the method does not
    path_parameters: dict[str, str]


def _segments(path: str) -> list[str]:
    if path != "/" and path.endswith("/"):
        path = path[:-1]
    return path.split("/")[1:] if path != "/" else []


class RouteTable:
    """The API's resources and methods. Static segments beat ``{param}``, which beats ``{param+}``."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.resources: dict[str, dict[str, Route]] = {}
        for route in routes:
            self.resources.setdefault(route.path, {})[route.method] = route
        self._compiled = [(resource, _segments(resource)) for resource in self.resources]

    def match(self, method: str, raw_path: str) -> RouteMatch | None:
        """The resource for ``raw_path`` (percent-encoded) and its route for ``method``; None: no resource."""
        request = _segments(raw_path)
        best: tuple[tuple[int, ...], str, dict[str, str]] | None = None
        for resource, pattern in self._compiled:
            matched = _match_segments(pattern, request)
            if matched is None:
                continue
            score, parameters = matched
            if best is None or score > best[0]:
                best = (score, resource, parameters)
        if best is None:
            return None
        _, resource, parameters = best
        methods = self.resources[resource]
        route = methods.get(method.upper()) or methods.get("ANY")
        return RouteMatch(resource=resource, route=route, path_parameters=parameters)


def _match_segments(
    pattern: Sequence[str], request: Sequence[str]
) -> tuple[tuple[int, ...], dict[str, str]] | None:
    score: list[int] = []
    parameters: dict[str, str] = {}
    for index, segment in enumerate(pattern):
        if segment.startswith("{") and segment.endswith("+}"):
            rest = request[index:]
            if not rest or not any(rest):
                return None
            parameters[segment[1:-2]] = "/".join(rest)
            score.append(0)
            return tuple(score), parameters
        if index >= len(request):
            return None
        if segment.startswith("{") and segment.endswith("}"):
            if not request[index]:
                return None
            parameters[segment[1:-1]] = request[index]
            score.append(1)
        elif segment == request[index] or segment == unquote(request[index]):
            score.append(2)
        else:
            return None
    if len(request) != len(pattern):
        return None
    return tuple(score), parameters
