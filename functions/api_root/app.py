"""GET /: the API root, GitHub's index of where its resources are (no credentials needed, as on GitHub)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import apidoc, http, views
from oauth_authz.models.api import RootOut
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.settings import get_settings

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = http.api_resolver(principal=None)


@app.get(
    "/",
    **apidoc.operation(
        "meta/root", "GitHub API Root", principal="public", returns=RootOut, conditional=True, not_found=False
    ),
)
def api_root() -> Response[str]:
    event = app.current_event.raw_event
    return http.json_response(200, views.root(http.base_url(app), http.site_url(event)))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.handle(app, event, context)
