"""The gateway: one HTTP request through API Gateway (REST API, Lambda proxy integration), in its order.

1. match the template's resources (``routing``: ``{param}`` and ``{param+}`` segments; static segments
   win); an unknown path, or a known path without the method, gets the MISSING_AUTHENTICATION_TOKEN
   gateway response; a body over 10 MB gets REQUEST_TOO_LARGE;
2. routes with a Lambda authorizer: a missing identity source (the Authorization header) gets
   UNAUTHORIZED without calling the authorizer; otherwise the authorizer runs on the REQUEST (or TOKEN)
   event (``events``) and its policy is evaluated (``authorizer``: Allow/Deny, ``execute-api:Invoke``,
   ARNs with wildcards): Deny or no matching Allow gets ACCESS_DENIED, a crash or a malformed answer
   AUTHORIZER_FAILURE, the error ``Unauthorized`` UNAUTHORIZED;
3. the function runs on the REST proxy event (payload 1.0) with the authorizer's principal and context;
   its answer becomes the HTTP response (``integration``). A crash or a malformed answer gives a 502
   INTEGRATION_FAILURE, running past the function's Timeout a 504 INTEGRATION_TIMEOUT.

Gateway responses are rendered from the template's ``GatewayResponses`` (``gateway_responses``). Every
function instance runs in a worker process of its own (like a Lambda execution environment in its
sandbox): one per concurrent request, at most ``max_instances`` per function, reused while warm; see
``oauth_authz_local.lambda_runtime``. Powertools' resolver matches routes on ``path``, which keeps the
path as the client sent it, so its route arguments are the encoded segments, on AWS and here alike.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from .. import sam_model
from ..constants import MAX_BODY_BYTES, MAX_INTEGRATION_SECONDS, STAGE
from ..lambda_runtime.failures import FunctionError, InvocationError, InvocationTimeout
from ..lambda_runtime.pool import STOP_GRACE_SECONDS, FunctionPool
from ..sam_model import Authorizer, FunctionSpec, Template
from .authorizer import (
    AuthorizerCache,
    AuthorizerError,
    denied_message,
    evaluate_policy,
    parse_authorizer_result,
)
from .events import (
    build_authorizer_event,
    build_proxy_event,
    extended_request_id,
    method_arn,
    query_parameters,
)
from .gateway_responses import Default, render_gateway_response
from .integration import proxy_result_to_response
from .messages import HttpRequest, HttpResponse
from .routing import RouteMatch, RouteTable

__all__ = ["Gateway"]

API_V3 = "/api/v3"  # the custom domain's second API mapping (template.yaml, CustomDomainApiMapping)

logger = logging.getLogger(__name__)


class Gateway:
    """The API Gateway emulator for one template: ``handle(HttpRequest) -> HttpResponse``."""

    def __init__(
        self,
        template: Template,
        *,
        table_name: str,
        parameter_overrides: Mapping[str, Any] | None = None,
        max_instances: int = 8,
        stage: str = STAGE,
        runtime_environment: Mapping[str, str | None] | None = None,
    ) -> None:
        """``runtime_environment``: variables every function gets besides the template's (the DynamoDB
        endpoint, credentials, region, Powertools switches; None unsets one)."""
        self.template = template
        self.stage = stage
        self.route_table = RouteTable(sam_model.routes(template))
        self.responses = sam_model.gateway_responses(template) if self._has_api(template) else {}
        specs: dict[str, FunctionSpec] = {}
        self.authorizers: dict[str, Authorizer] = {}
        for methods in self.route_table.resources.values():
            for route in methods.values():
                specs[route.logical_id] = route.function
                if route.authorizer and route.authorizer not in self.authorizers:
                    found = sam_model.authorizer(template, route.authorizer, route.api_id)
                    if found is not None:
                        self.authorizers[route.authorizer] = found
                        specs[found.function.logical_id] = found.function
        environments = {
            logical_id: sam_model.function_environment(template, logical_id, table_name, parameter_overrides)
            for logical_id in specs
        }
        # Every worker gets its function's whole environment; the variables all functions agree on are
        # also what a caller may apply to its own os.environ (``environment`` below).
        shared = dict(next(iter(environments.values()))) if environments else {}
        for environment in environments.values():
            shared = {key: value for key, value in shared.items() if environment.get(key) == value}
        #: What every function runs with (None: unset).
        self.environment: dict[str, str | None] = {**shared, **dict(runtime_environment or {})}
        layers = sam_model.layer_paths(template)
        # the runtime's variables win over a function's own: locally, the data dir's key seals the TOTP seeds
        # in place of the stack's KMS key (a function that seals, not only opens, names `TOTP_KMS_KEY_ID`)
        runtime = dict(runtime_environment or {})
        self.pools = {
            logical_id: FunctionPool(
                spec,
                {
                    key: value
                    for key, value in environments[logical_id].items()
                    if shared.get(key) != value and key not in runtime
                },
                max_instances,
                self.environment,
                sys_path=layers,
            )
            for logical_id, spec in specs.items()
        }
        self.authorizer_cache = AuthorizerCache()

    @staticmethod
    def _has_api(template: Template) -> bool:
        try:
            sam_model.default_api_id(template)
        except sam_model.TemplateError:
            return False
        return True

    def prewarm(self, logical_ids: Iterable[str] | None = None) -> list[tuple[str, BaseException]]:
        """Start one instance of each function named (default: all) now, in parallel; the failures.

        Raises ValueError for a name that is not one of the gateway's functions."""
        names = list(self.pools) if logical_ids is None else list(dict.fromkeys(logical_ids))
        unknown = [name for name in names if name not in self.pools]
        if unknown:
            raise ValueError(f"unknown functions: {', '.join(unknown)} (known: {', '.join(self.pools)})")
        failures: dict[str, BaseException] = {}

        def warm(name: str) -> None:
            try:
                self.pools[name].prewarm()
            except BaseException as exc:  # noqa: BLE001 - reported, the route answers 502 later
                failures[name] = exc

        threads = [threading.Thread(target=warm, args=(name,), name=f"prewarm-{name}") for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return [(name, failures[name]) for name in names if name in failures]

    def worker_pids(self) -> dict[str, list[int]]:
        """The process ids of the live workers, by function."""
        return {logical_id: pool.worker_pids() for logical_id, pool in self.pools.items()}

    def close(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop and join every worker (busy ones get ``grace`` seconds to finish); no new one starts."""
        deadline = time.monotonic() + grace
        for pool in self.pools.values():
            pool.close(deadline)

    # -- request handling
    def handle(self, request: HttpRequest) -> HttpResponse:
        try:
            return self._handle(request)
        except Exception:
            logger.exception("gateway: internal error while handling a request")
            try:
                return render_gateway_response(self.responses, "DEFAULT_5XX", request=request, status=500)
            except Exception:
                logger.exception("gateway: cannot render DEFAULT_5XX")
                return HttpResponse(
                    500, [("Content-Type", "application/json")], b'{"message": "Internal server error"}'
                )

    def _match(self, request: HttpRequest) -> tuple[RouteMatch | None, str]:
        """The route, and the path it was matched on: the custom domain's `api/v3` mapping modelled as AWS
        does it (docs/design.md, "URL layouts on AWS"): a path under `/api/v3` is matched without it, the
        event's `path` keeps it, and the method ARN names the resource path only."""
        match = self.route_table.match(request.method, request.path)
        path = request.path
        if match is None and (path == API_V3 or path.startswith(API_V3 + "/")):
            path = path[len(API_V3) :] or "/"
            match = self.route_table.match(request.method, path)
        return match, path

    def _handle(self, request: HttpRequest) -> HttpResponse:
        match, routed_path = self._match(request)
        if match is None or match.route is None:
            return self._gateway_response("MISSING_AUTHENTICATION_TOKEN", request, match)
        resource = match.resource
        if request.body_too_large or len(request.body) > MAX_BODY_BYTES:
            return self._gateway_response("REQUEST_TOO_LARGE", request, match)
        route = match.route
        authorizer_context: dict[str, str] | None = None
        if route.authorizer is not None and route.authorizer in self.authorizers:
            outcome = self._authorize(request, match, self.authorizers[route.authorizer], routed_path)
            if isinstance(outcome, HttpResponse):
                return outcome
            authorizer_context = outcome
        event = build_proxy_event(request, match, authorizer_context, self.stage)
        pool = self.pools[route.logical_id]
        timeout = min(float(route.timeout), MAX_INTEGRATION_SECONDS)
        try:
            result = pool.invoke(event, request.request_id, timeout)
            status, headers, body = proxy_result_to_response(result)
        except InvocationTimeout:
            logger.error("gateway: %s timed out after %ss (%s)", route.logical_id, timeout, resource)
            return self._gateway_response(
                "INTEGRATION_TIMEOUT", request, match, authorizer_context=authorizer_context
            )
        except InvocationError as exc:
            # The worker has logged the handler's traceback on stderr, as Lambda's runtime does.
            logger.error(
                "gateway: %s failed (%s): %s", route.logical_id, resource, exc, exc_info=exc.__cause__
            )
            return self._gateway_response(
                "INTEGRATION_FAILURE", request, match, status=502, authorizer_context=authorizer_context
            )
        headers = [*headers, *self._api_headers(request)]
        return HttpResponse(status=status, headers=headers, body=body, resource=resource)

    def _api_headers(self, request: HttpRequest) -> list[tuple[str, str]]:
        return [
            ("x-amzn-RequestId", request.request_id),
            ("x-amz-apigw-id", extended_request_id(request.request_id)),
        ]

    def _gateway_response(
        self,
        response_type: str,
        request: HttpRequest,
        match: RouteMatch | None,
        *,
        message: str | None | Default = Default.MESSAGE,
        status: int | None = None,
        authorizer_context: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        response = render_gateway_response(
            self.responses,
            response_type,
            request=request,
            resource=match.resource if match is not None and match.route is not None else "",
            message=message,
            status=status,
            authorizer_context=authorizer_context,
            path_parameters=match.path_parameters if match is not None else None,
        )
        response.headers.extend(self._api_headers(request))
        if match is None or match.route is None:
            response.resource = "-"
        return response

    def _authorize(
        self, request: HttpRequest, match: RouteMatch, authorizer: Authorizer, routed_path: str
    ) -> dict[str, str] | HttpResponse:
        identity = [request.header(name) for name in authorizer.identity_headers]
        query, _ = query_parameters(request.query)
        identity += [(query or {}).get(name) for name in authorizer.identity_query_strings]
        if any(not value for value in identity):
            return self._gateway_response("UNAUTHORIZED", request, match)
        arn = method_arn(request.method, routed_path, self.stage)
        cache_key = (authorizer.name, tuple(value or "" for value in identity))
        result = self.authorizer_cache.get(cache_key)
        if result is None:
            event = build_authorizer_event(request, match, authorizer, self.stage, routed_path)
            pool = self.pools[authorizer.function.logical_id]
            try:
                answer = pool.invoke(
                    event,
                    request.request_id,
                    min(float(authorizer.function.timeout), MAX_INTEGRATION_SECONDS),
                )
            except InvocationError as exc:
                if isinstance(exc, FunctionError) and exc.error_message == "Unauthorized":
                    return self._gateway_response("UNAUTHORIZED", request, match)
                logger.error(
                    "gateway: authorizer %s failed: %s", authorizer.name, exc, exc_info=exc.__cause__
                )
                return self._gateway_response("AUTHORIZER_FAILURE", request, match)
            try:
                result = parse_authorizer_result(answer)
                allowed = evaluate_policy(result.policy, arn)
            except AuthorizerError as exc:
                logger.error("gateway: authorizer %s answered badly: %s", authorizer.name, exc)
                return self._gateway_response("AUTHORIZER_FAILURE", request, match)
            if authorizer.reauthorize_every > 0:
                self.authorizer_cache.put(cache_key, result, authorizer.reauthorize_every)
        else:
            allowed = evaluate_policy(result.policy, arn)
        if not allowed:
            return self._gateway_response(
                "ACCESS_DENIED",
                request,
                match,
                message=denied_message(result.policy, arn),
                authorizer_context=result.request_context(),
            )
        return result.request_context()
