"""GET /login/assets/style.css: the pages' one stylesheet (their CSP allows styles from the site only)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz import web
from oauth_authz.observability import logger, metrics, tracer
from oauth_authz.settings import get_settings
from oauth_authz.web.rendering import asset

get_settings()  # validated at init: a bad environment fails the cold start, not a request
app = web.resolver()


@app.get("/login/assets/style.css")
def page_stylesheet() -> Response[str]:
    return asset("style.css", "text/css; charset=utf-8")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return web.handle(app, event, context)
