"""lambda_runtime.processes on the fake API: what a new worker starts with from the fork server."""

from __future__ import annotations

from oauth_authz_local.lambda_runtime.processes import worker_context
from tests.support.fake_api import FakeApi, get


def test_workers_start_from_the_preloaded_modules_with_empty_caches(api: FakeApi) -> None:
    response = get(api.url, "/preload")
    assert response.status_code == 200
    answer = response.json()
    # The layer's caches are filled by invocations only: the fork server created no client, read no settings.
    assert (answer["settings"], answer["clients"]) == (0, 0)
    # Logger, Tracer and Metrics are built in the worker, from its own POWERTOOLS_* variables.
    assert answer["loaded"]["oauth_authz.observability"] is False
    assert answer["loaded"]["oauth_authz.http"] is False
    if worker_context().get_start_method() == "forkserver":
        assert answer["loaded"]["aws_lambda_powertools.event_handler"] is True
        assert answer["loaded"]["boto3"] is True
        assert answer["loaded"]["oauth_authz.service.authorizations"] is True
