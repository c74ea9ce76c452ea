"""HTTP the way GitHub speaks it. Every function builds its resolver with `http.resolver()` and answers
through `http.handle()`, so each route gets the same authentication check, error shapes, media-type headers,
ETags and conditional requests.

- `resolver`: the resolver and its middlewares (API version, principal), `handle`
- `error_map`: the one map of domain errors to GitHub's answers
- `request`: the JSON body as a model, ids in paths, query parameters, headers
- `pages`: page/per_page and the Link header
- `urls`: the API's base URL in the layout the client called (`/api/v3` or the root), the checked host
- `conditional`: ETags and If-None-Match
- `responses`: JSON answers, 201 created, 204, errors
"""

from oauth_authz.http.error_map import APPS_DOCS, AUTHORIZATIONS_DOCS
from oauth_authz.http.pages import base_url, paginate
from oauth_authz.http.request import body, path_id, query, validation_failed
from oauth_authz.http.resolver import (
    API_VERSIONS,
    api_resolver,
    handle,
    principal,
    principal_from_context,
    resolver,
)
from oauth_authz.http.responses import DOCS_URL, created, error_response, json_response, no_content
from oauth_authz.http.urls import site_url

__all__ = [
    "API_VERSIONS",
    "APPS_DOCS",
    "api_resolver",
    "AUTHORIZATIONS_DOCS",
    "DOCS_URL",
    "base_url",
    "body",
    "created",
    "error_response",
    "handle",
    "json_response",
    "no_content",
    "paginate",
    "path_id",
    "principal",
    "principal_from_context",
    "query",
    "resolver",
    "site_url",
    "validation_failed",
]
