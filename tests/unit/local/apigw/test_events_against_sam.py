"""The emulator's REST proxy and REQUEST-authorizer events, field by field against AWS SAM CLI's own.

The same HTTP requests go through our event builders and, in aws-sam-cli's interpreter (`make sam`),
through SAM CLI's local API Gateway (`tests/support/sam_apigw_events.py`: its Flask app behind werkzeug, the
server `sam local start-api` runs). SAM CLI is a second witness, not the judge: where the two differ, the
behaviour of API Gateway decides, from AWS's documents and from events recorded on AWS (LocalStack keeps
real API Gateway events in its parity snapshots, tests/aws/services/apigateway/*.snapshot.json).

Every difference is one of the quirks in SAM_QUIRKS below: each checks that our event does what API Gateway
does, then rewrites it the way SAM CLI builds it; what is left must be equal, every field. A quirk says what
SAM CLI does, what API Gateway does, and where that is written. Where SAM CLI builds no event at all, the
request is in NO_EVENT_FROM_SAM. A difference nothing explains fails the test, and so does a quirk that no
longer explains anything (SAM CLI changed: look again). docs/design.md ("What the emulator's events are
checked against") lists the same differences.

Seen to fail against broken builds: pathParameters decoded again (the fix of this test's first run),
repeated query parameters keeping the first value in queryStringParameters, header names lower-cased.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

# The emulator's event builders and what they take, from one place.
from oauth_authz_local.apigw.authorizer import parse_authorizer_result
from oauth_authz_local.apigw.events import build_authorizer_event, build_proxy_event
from oauth_authz_local.apigw.messages import HttpRequest
from oauth_authz_local.apigw.routing import RouteTable
from oauth_authz_local.sam_model import Authorizer, FunctionSpec, Route

REPO = Path(__file__).resolve().parents[4]
SAM_PYTHON = Path(
    os.environ.get("SAM_PYTHON", REPO / ".tools" / "sam" / "tools" / "aws-sam-cli" / "bin" / "python")
)

pytestmark = pytest.mark.skipif(
    not SAM_PYTHON.exists(),
    reason=f"aws-sam-cli is not installed ({SAM_PYTHON} is missing): `make sam` installs it, `make test` too",
)

STAGE = "local"
SOURCE_IP = "127.0.0.1"
IDENTITY_SOURCE = "method.request.header.Authorization"
FUNCTION = FunctionSpec("Fn", Path("/nowhere"), "app", "lambda_handler", 3, 128)
AUTHORIZER = Authorizer("BasicAuthorizer", FUNCTION, "REQUEST", ("Authorization",), (), 0)
#: What the (fake) authorizer answers on both sides: Allow, with a principal and a context.
PRINCIPAL_ID = "user:1"
CONTEXT = {"login": "octocat", "user_id": 1, "two_factor": False}


@dataclass
class Case:
    """An HTTP request as a client sends it: headers in order, Host and Content-Length too."""

    name: str
    method: str
    resource: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    authorized: bool = True

    def as_json(self) -> dict[str, Any]:
        authorizer = {"identity_source": IDENTITY_SOURCE, "principal_id": PRINCIPAL_ID, "context": CONTEXT}
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": [list(header) for header in self.headers],
            "body": base64.b64encode(self.body).decode(),
            "resource": self.resource,
            "stage": STAGE,
            "authorizer": authorizer if self.authorized else None,
        }


def client_headers(*extra: tuple[str, str], body: bytes | None = None) -> list[tuple[str, str]]:
    headers = [("Host", "127.0.0.1:3000"), ("User-Agent", "PyGithub/Python"), ("Accept", "*/*")]
    headers += [("Authorization", "Basic b2N0b2NhdDpzZWNyZXQ="), *extra]
    if body is not None:
        headers.append(("Content-Length", str(len(body))))
    return headers


JSON_BODY = json.dumps({"scopes": ["repo", "user"], "note": "my laptop ✓"}).encode()
CASES = [
    Case(
        "get with repeated and encoded query parameters",
        "GET",
        "/authorizations",
        "/authorizations",
        query="page=2&per_page=5&page=3&empty=&flag&q=a%20b+c&q=%2F%3F%26%3D&k%5B%5D=%E2%9C%93",
        headers=client_headers(),
    ),
    Case(
        "a trailing slash",
        "GET",
        "/authorizations/{authorization_id}",
        "/authorizations/42/",
        headers=client_headers(),
    ),
    Case(
        "post with a JSON body",
        "POST",
        "/authorizations",
        "/authorizations",
        headers=client_headers(("Content-Type", "application/json; charset=utf-8"), body=JSON_BODY),
        body=JSON_BODY,
    ),
    Case(
        "repeated headers, lower-case names, X-GitHub-OTP",
        "GET",
        "/authorizations/{authorization_id}",
        "/authorizations/42",
        headers=client_headers(
            ("X-GitHub-OTP", "123456"),
            ("accept-language", "en"),
            ("X-Seen", "first"),
            ("X-Seen", "second"),
        ),
    ),
    Case(
        "path parameters, one of them percent-encoded",
        "PUT",
        "/authorizations/clients/{client_id}/{fingerprint}",
        "/authorizations/clients/Iv1.8a61f9b3a7aba766/my%20laptop%40home",
        headers=client_headers(("Content-Type", "application/json"), body=b"{}"),
        body=b"{}",
    ),
    Case(
        "a percent-encoded slash in a path parameter",
        "PUT",
        "/authorizations/clients/{client_id}/{fingerprint}",
        "/authorizations/clients/abc/a%2Fb",
        headers=client_headers(("Content-Type", "application/json"), body=b"{}"),
        body=b"{}",
    ),
    Case(
        "an empty body that says so",
        "DELETE",
        "/applications/{client_id}/token",
        "/applications/abc/token",
        headers=client_headers(body=b""),
    ),
    Case(
        "a binary body that is valid UTF-8",
        "POST",
        "/authorizations",
        "/authorizations",
        headers=client_headers(("Content-Type", "application/octet-stream"), body=b"\x00\x01 ok \x7f"),
        body=b"\x00\x01 ok \x7f",
    ),
    Case(
        "a binary body that is not UTF-8",
        "POST",
        "/authorizations",
        "/authorizations",
        headers=client_headers(("Content-Type", "application/octet-stream"), body=b"\xff\xfe\x00binary"),
        body=b"\xff\xfe\x00binary",
    ),
    Case(
        "a route without an authorizer",
        "GET",
        "/applications/grants",
        "/applications/grants",
        query="per_page=1",
        headers=[("Host", "127.0.0.1:3000"), ("User-Agent", "curl/8.5.0")],
        authorized=False,
    ),
]


# ------------------------------------------------------------------------------------------ both sides
@pytest.fixture(scope="module")
def sam() -> dict[str, dict[str, Any]]:
    """SAM CLI's events for every case, by case name (one run of SAM's interpreter for all of them)."""
    done = subprocess.run(
        [str(SAM_PYTHON), str(REPO / "tests" / "support" / "sam_apigw_events.py")],
        input=json.dumps([case.as_json() for case in CASES]),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0", "PYTHONPATH": ""},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    return {case.name: result for case, result in zip(CASES, results, strict=True)}


def our_request(case: Case, port: int) -> HttpRequest:
    """The request as our HTTP server hands it to the gateway: the client's headers, then those the server
    adds as API Gateway does (`_RequestHandler._event_headers`: X-Forwarded-*, X-Amzn-Trace-Id)."""
    added = [
        ("X-Forwarded-For", SOURCE_IP),
        ("X-Forwarded-Port", str(port)),
        ("X-Forwarded-Proto", "http"),
        ("X-Amzn-Trace-Id", "Root=1-6744a1b0-0123456789abcdef01234567"),
    ]
    return HttpRequest(
        method=case.method,
        path=case.path,
        query=case.query,
        headers=[*case.headers, *added],
        body=case.body,
        source_ip=SOURCE_IP,
        server_port=port,
    )


def our_events(case: Case, port: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Our proxy event and, on an authorized route, our REQUEST-authorizer event."""
    route = Route(
        case.method, case.resource, FUNCTION, "BasicAuthorizer" if case.authorized else None, "E", "Api"
    )
    match = RouteTable([route]).match(case.method, case.path)
    assert match is not None and match.route is not None
    request = our_request(case, port)
    if not case.authorized:
        return build_proxy_event(request, match, None, STAGE), None
    answer = {
        "principalId": PRINCIPAL_ID,
        "policyDocument": {
            "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]
        },
        "context": CONTEXT,
    }
    context = parse_authorizer_result(answer).request_context()
    return build_proxy_event(request, match, context, STAGE), build_authorizer_event(
        request, match, AUTHORIZER, STAGE
    )


# ----------------------------------------------------------------------------------- SAM CLI's quirks
Event = dict[str, Any]


@dataclass(frozen=True)
class Seen:
    """What a quirk looks at: our event (rewritten in place), SAM CLI's, the request, which event it is."""

    ours: Event
    sam: Event
    case: Case
    kind: str  # "proxy" or "authorizer"

    def set(self, *path_and_value: Any) -> bool:
        """Set a field of our event; whether that changed it."""
        *path, value = path_and_value
        target = self.ours
        for key in path[:-1]:
            target = target[key]
        changed = target.get(path[-1], object()) != value
        target[path[-1]] = value
        return changed

    def client_header(self, name: str) -> list[str]:
        return [value for key, value in self.case.headers if key.lower() == name.lower()]


@dataclass(frozen=True)
class Quirk:
    """A way SAM CLI's events differ from API Gateway's. `apply` first checks that our event does what API
    Gateway does (the `why`), then rewrites it the way SAM CLI builds it, and answers whether that changed
    anything (a quirk that never does is reported: SAM CLI changed)."""

    what: str
    why: str
    apply: Callable[[Seen], bool]


def _made_up(seen: Seen) -> bool:
    changed = False
    for key in ("requestId", "extendedRequestId", "requestTime", "requestTimeEpoch", "resourceId", "apiId"):
        assert seen.ours["requestContext"][key], key
        if seen.sam["requestContext"][key] is not None:  # SAM's extendedRequestId: its own quirk below
            changed |= seen.set("requestContext", key, seen.sam["requestContext"][key])
    if seen.kind == "authorizer":  # arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path>
        ours_api, _, rest = seen.ours["methodArn"].partition("/")
        sam_api = seen.sam["methodArn"].partition("/")[0]
        assert ours_api.rpartition(":")[0] == sam_api.rpartition(":")[0]  # same region and account
        changed |= seen.set("methodArn", f"{sam_api}/{rest}")
    return changed


def _server_added_headers(seen: Seen) -> bool:
    for field_name in ("headers", "multiValueHeaders"):
        assert seen.ours[field_name].pop("X-Forwarded-For") in (SOURCE_IP, [SOURCE_IP])
        assert seen.ours[field_name].pop("X-Amzn-Trace-Id")
    return True


def _header_names(seen: Seen) -> bool:
    sent = [name for name, _ in seen.case.headers]
    assert [name for name in seen.ours["multiValueHeaders"] if name in sent] == list(dict.fromkeys(sent))
    changed = False
    for field_name in ("headers", "multiValueHeaders"):
        spelled = {name.lower(): name for name in seen.sam[field_name]}
        renamed = {spelled.get(name.lower(), name): value for name, value in seen.ours[field_name].items()}
        changed |= list(renamed) != list(seen.ours[field_name])
        seen.ours[field_name] = renamed
    return changed


def _repeated_headers(seen: Seen) -> bool:
    changed = False
    for name, values in list(seen.ours["multiValueHeaders"].items()):
        assert values == seen.client_header(name) or name.startswith("X-Forwarded-")
        assert seen.ours["headers"][name] == values[-1]
        if len(values) > 1:
            changed |= seen.set("multiValueHeaders", name, [",".join(values)])
            seen.set("headers", name, ",".join(values))
    return changed


def _decoded_path(seen: Seen) -> bool:
    ours, case = seen.ours, seen.case
    assert ours["path"] == case.path
    raw = dict(zip(case.resource.split("/"), case.path.rstrip("/").split("/"), strict=True))
    assert ours["pathParameters"] == (
        {key[1:-1]: value for key, value in raw.items() if key[:1] == "{"} or None
    )
    changed = seen.set("path", unquote(ours["path"]))
    if ours["pathParameters"]:
        changed |= seen.set(
            "pathParameters", {name: unquote(v) for name, v in ours["pathParameters"].items()}
        )
    if seen.kind == "authorizer":
        assert ours["methodArn"].endswith(f"/{STAGE}/{case.method}{case.path}")
        changed |= seen.set("methodArn", unquote(ours["methodArn"]))
    return changed


def _context_path(seen: Seen) -> bool:
    assert seen.ours["requestContext"]["path"] == seen.case.path
    return seen.set("requestContext", "path", seen.ours["resource"])


def _extended_request_id(seen: Seen) -> bool:
    assert seen.ours["requestContext"]["extendedRequestId"]
    return seen.set("requestContext", "extendedRequestId", None)


def _domain_prefix(seen: Seen) -> bool:
    host = seen.client_header("Host")[-1]
    assert seen.ours["requestContext"].pop("domainPrefix") == host.split(".")[0].split(":")[0]
    return True


def _identity(seen: Seen) -> bool:
    identity = seen.ours["requestContext"]["identity"]
    assert identity["userAgent"] == seen.client_header("User-Agent")[-1]
    for key in ("accessKey", "cognitoIdentityId", "principalOrgId"):
        assert identity.pop(key) is None
    identity["apiKey"] = None
    identity["userAgent"] = "Custom User Agent String"
    return True


def _context_values(seen: Seen) -> bool:
    if seen.kind != "proxy" or not seen.case.authorized:
        return False
    typed = {"principalId": PRINCIPAL_ID, **CONTEXT}
    stringified = {
        key: json.dumps(value) if isinstance(value, bool) else str(value) for key, value in typed.items()
    }
    assert seen.ours["requestContext"]["authorizer"] == stringified
    return seen.set("requestContext", "authorizer", typed)


def _authorizer_body(seen: Seen) -> bool:
    if seen.kind != "authorizer":
        return False
    assert "body" not in seen.ours and "isBase64Encoded" not in seen.ours
    seen.ours["body"] = seen.sam[
        "body"
    ]  # SAM builds the proxy event, body included, then adds type and methodArn
    seen.ours["isBase64Encoded"] = False
    return True


SAM_QUIRKS = [
    Quirk(
        "ids and times",
        "Request ids, times, the resource id and the API id are each emulator's own invention: compared for "
        "presence only. The account and the region are the same on both sides (123456789012, us-east-1), "
        "the source IP too (127.0.0.1), and compared.",
        _made_up,
    ),
    Quirk(
        "X-Forwarded-For and X-Amzn-Trace-Id",
        "API Gateway adds both to every request (AWS's input-format example, LocalStack's recording); our "
        "HTTP server does, SAM CLI adds only X-Forwarded-Proto and X-Forwarded-Port.",
        _server_added_headers,
    ),
    Quirk(
        "header names",
        "SAM CLI title-cases header names (werkzeug's environ: X-GitHub-OTP becomes X-Github-Otp); API "
        "Gateway keeps the client's spelling (AWS's example has `cache-control`, LocalStack's recording "
        "`tEsT-HEADeR`).",
        _header_names,
    ),
    Quirk(
        "repeated headers",
        "werkzeug's server joins a repeated header into one comma-separated value, so SAM CLI sends "
        "['a,b']; API Gateway lists every value in multiValueHeaders and keeps the last in headers (AWS, "
        "'Support for multi-value headers and query string parameters').",
        _repeated_headers,
    ),
    Quirk(
        "decoded path",
        "werkzeug decodes the path, so SAM CLI's path, pathParameters and methodArn are decoded (and a %2F "
        "in a parameter routes nowhere). API Gateway keeps path and pathParameters as the client sent them "
        "(LocalStack's recording: `test%2Balias@gmail.com`; aws-sam-cli issues #771 and #3524: "
        "`my-id%2F100`).",
        _decoded_path,
    ),
    Quirk(
        "requestContext.path",
        "SAM CLI puts the resource (`/items/{id}`) in requestContext.path. API Gateway puts the path as "
        "sent, after the stage (`/prod/items/a%20b`); our URLs have no stage, so ours is `path`.",
        _context_path,
    ),
    Quirk(
        "extendedRequestId",
        "SAM CLI sends null; API Gateway sends an id (also in the x-amz-apigw-id response header).",
        _extended_request_id,
    ),
    Quirk(
        "domainPrefix",
        "SAM CLI leaves requestContext.domainPrefix out; API Gateway sends the host's first label.",
        _domain_prefix,
    ),
    Quirk(
        "identity",
        "SAM CLI's identity has apiKey, lacks accessKey, cognitoIdentityId and principalOrgId, and its "
        "userAgent is the constant 'Custom User Agent String'. API Gateway's has those three (null without "
        "IAM or Cognito), no apiKey without API keys, and the client's User-Agent (LocalStack's recording).",
        _identity,
    ),
    Quirk(
        "authorizer context values",
        "SAM CLI passes the authorizer's context values with their JSON types; API Gateway stringifies them "
        "(1 becomes '1', false 'false': AWS, 'Output from an API Gateway Lambda authorizer').",
        _context_values,
    ),
    Quirk(
        "the REQUEST authorizer's body",
        "SAM CLI gives the authorizer the whole proxy event, body and isBase64Encoded included; API "
        "Gateway's REQUEST authorizer input has no body (AWS, 'Input to an API Gateway Lambda authorizer').",
        _authorizer_body,
    ),
]


def as_sam_builds_it(ours: Event, sam: Event, case: Case, kind: str) -> tuple[Event, set[str]]:
    """Our event rewritten by every quirk of SAM CLI's, and the quirks that changed something."""
    seen = Seen(copy.deepcopy(ours), sam, case, kind)
    used = {quirk.what for quirk in SAM_QUIRKS if quirk.apply(seen)}
    return seen.ours, used


# ---------------------------------------------------------------------------------------------- tests
@dataclass(frozen=True)
class NoEvent:
    """A request SAM CLI builds no event for: its answer, what our event has instead, why ours is right."""

    status: int
    ours: dict[str, Any]
    why: str


NO_EVENT_FROM_SAM = {
    "a percent-encoded slash in a path parameter": NoEvent(
        403,
        {"pathParameters": {"client_id": "abc", "fingerprint": "a%2Fb"}},
        "werkzeug decodes %2F into a slash before routing, so the path has a segment too many: SAM CLI "
        "answers its Missing Authentication Token. API Gateway routes on the path as sent and passes "
        "`a%2Fb` (aws-sam-cli issue #3524).",
    ),
    "a binary body that is not UTF-8": NoEvent(
        502,
        {"body": base64.b64encode(b"\xff\xfe\x00binary").decode(), "isBase64Encoded": True},
        "SAM CLI decodes every body without a binary media type as UTF-8, and fails. API Gateway passes it "
        "as text (AWS, 'Content type conversions'), without saying what becomes of bytes that are not "
        "UTF-8; ours sends them base64-encoded with isBase64Encoded, so nothing is lost (deliberate).",
    ),
}
COMPARED = [case for case in CASES if case.name not in NO_EVENT_FROM_SAM]
AUTHORIZED = [case for case in COMPARED if case.authorized]


@pytest.mark.parametrize("case", COMPARED, ids=[case.name for case in COMPARED])
def test_the_proxy_event_is_sam_clis_but_for_its_quirks(case: Case, sam: dict[str, dict[str, Any]]) -> None:
    result = sam[case.name]
    assert result["status"] == 200 and result["proxy"] is not None, result["status"]
    ours, _ = our_events(case, result["port"])
    assert as_sam_builds_it(ours, result["proxy"], case, "proxy")[0] == result["proxy"]


@pytest.mark.parametrize("case", AUTHORIZED, ids=[case.name for case in AUTHORIZED])
def test_the_request_authorizer_event_is_sam_clis_but_for_its_quirks(
    case: Case, sam: dict[str, dict[str, Any]]
) -> None:
    result = sam[case.name]
    assert result["authorizer"] is not None, result["status"]
    _, ours = our_events(case, result["port"])
    assert ours is not None
    assert as_sam_builds_it(ours, result["authorizer"], case, "authorizer")[0] == result["authorizer"]


def test_a_route_without_authorizer_has_no_authorizer_context(sam: dict[str, dict[str, Any]]) -> None:
    for case in COMPARED:
        ours, _ = our_events(case, sam[case.name]["port"])
        assert ("authorizer" in ours["requestContext"]) is case.authorized
        assert ("authorizer" in sam[case.name]["proxy"]["requestContext"]) is case.authorized


def test_every_quirk_is_seen(sam: dict[str, dict[str, Any]]) -> None:
    """A quirk that explains no difference any more is a sign that SAM CLI changed: look at it again."""
    used: set[str] = set()
    for case in COMPARED:
        result = sam[case.name]
        proxy, authorizer = our_events(case, result["port"])
        used |= as_sam_builds_it(proxy, result["proxy"], case, "proxy")[1]
        if authorizer is not None:
            used |= as_sam_builds_it(authorizer, result["authorizer"], case, "authorizer")[1]
    assert {quirk.what for quirk in SAM_QUIRKS} - used == set()


@pytest.mark.parametrize("name", list(NO_EVENT_FROM_SAM))
def test_where_sam_cli_builds_no_event(name: str, sam: dict[str, dict[str, Any]]) -> None:
    case = next(case for case in CASES if case.name == name)
    expected = NO_EVENT_FROM_SAM[name]
    result = sam[name]
    assert (result["status"], result["proxy"], result["authorizer"]) == (expected.status, None, None)
    ours, authorizer = our_events(case, result["port"])
    assert {key: ours[key] for key in expected.ours} == expected.ours
    assert authorizer is not None and authorizer["path"] == ours["path"] == case.path
