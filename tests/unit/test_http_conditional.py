"""`oauth_authz.http.conditional`: weak ETags on every GET 200, and 304 for a matching If-None-Match."""

from __future__ import annotations

import re

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from oauth_authz.http.conditional import etag, matches
from tests.support.events import build_event
from tests.support.http_app import build_app, call, get_one, listing


@pytest.fixture(scope="module")
def app() -> APIGatewayRestResolver:
    return build_app()


# conditional requests ---------------------------------------------------------------------------------------

ETAG = re.compile(r'^W/"[0-9a-f]{32}"$')


def test_get_has_a_weak_etag_that_follows_the_body(app: APIGatewayRestResolver) -> None:
    first, again, other = get_one(app, "5"), get_one(app, "5"), get_one(app, "6")

    assert first.status == 200
    assert ETAG.match(first.header("ETag") or "")
    assert again.header("ETag") == first.header("ETag")
    assert other.header("ETag") != first.header("ETag")


@pytest.mark.parametrize(
    "if_none_match",
    [
        "{etag}",
        "{strong}",  # weak comparison: the opaque tag is what counts
        'W/"0000", {etag}',
        '{etag}, W/"1111"',
        "*",
    ],
)
def test_if_none_match_gives_304_without_a_body(app: APIGatewayRestResolver, if_none_match: str) -> None:
    etag = get_one(app).header("ETag") or ""
    header = if_none_match.format(etag=etag, strong=etag.removeprefix("W/"))

    result = get_one(app, **{"If-None-Match": header})

    assert result.status == 304
    assert result.body == ""
    assert result.header("ETag") == etag
    assert result.header("Content-Type") is None


@pytest.mark.parametrize("if_none_match", ['W/"00000000000000000000000000000000"', "", "W/", "nonsense"])
def test_a_stale_if_none_match_gives_the_resource(app: APIGatewayRestResolver, if_none_match: str) -> None:
    result = get_one(app, **{"If-None-Match": if_none_match})

    assert result.status == 200
    assert result.json == {"n": 5}


def test_if_none_match_header_name_is_case_insensitive(app: APIGatewayRestResolver) -> None:
    etag = get_one(app).header("ETag") or ""

    assert get_one(app, **{"if-none-match": etag}).status == 304


def test_lists_have_etags_too(app: APIGatewayRestResolver) -> None:
    etag = listing(app).header("ETag") or ""

    result = call(app, build_event("list_authorizations", query=None, headers={"If-None-Match": etag}))

    assert ETAG.match(etag)
    assert result.status == 304


def test_only_successful_gets_have_etags(app: APIGatewayRestResolver) -> None:
    assert get_one(app, "0").status == 404
    assert get_one(app, "0").header("ETag") is None
    created = call(app, build_event("create_authorization"))
    assert created.status == 201
    assert created.header("ETag") is None


def test_if_none_match_never_turns_an_error_into_304(app: APIGatewayRestResolver) -> None:
    result = get_one(app, "0", **{"If-None-Match": "*"})

    assert result.status == 404


# the parts --------------------------------------------------------------------------------------------------


def test_an_etag_is_weak_and_follows_the_body() -> None:
    assert etag("[]") == etag("[]")
    assert etag("[]") != etag("[ ]")
    assert ETAG.match(etag(""))


@pytest.mark.parametrize(
    ("if_none_match", "matched"),
    [
        (None, False),
        ("", False),
        ('W/"abc"', True),
        ('"abc"', True),
        (' W/"x" ,W/"abc" ', True),
        ("*", True),
        ('W/"abcd"', False),
        ('W/"ab"', False),
    ],
)
def test_if_none_match_compares_opaque_tags(if_none_match: str | None, matched: bool) -> None:
    assert matches('W/"abc"', if_none_match) is matched
