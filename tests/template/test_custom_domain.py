"""A GitHub Enterprise host on AWS (issue 14, item 3): with `DomainName` and `CertificateArn`, a regional
custom domain maps `api/v3` and the root to the one stage, so `https://HOST/api/v3/...` reaches the API's
routes and `https://HOST/login/...`, `https://HOST/settings/...` the routes at the root; without them nothing
is created. docs/design.md ("URL layouts on AWS") says what the functions then see."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.template.conftest import Translate, deployed, resources, rules_hold

HOST = "github.example.com"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0123abcd-0123-4567-89ab-0123456789ab"
ZONE = "Z0123456789ABCDEFGHIJ"
DOMAIN_TYPES = (
    "AWS::ApiGatewayV2::DomainName",
    "AWS::ApiGatewayV2::ApiMapping",
    "AWS::ApiGateway::DomainName",
    "AWS::ApiGateway::BasePathMapping",
    "AWS::Route53::RecordSet",
)


@pytest.fixture(scope="module")
def deploy(translate: Translate) -> Callable[..., dict[str, Any]]:
    def run(**parameters: object) -> dict[str, Any]:
        return deployed(translate(**parameters), parameters)

    return run


def _routed(mappings: dict[str | None, Any], path: str) -> tuple[Any, str]:
    """API Gateway's choice for a request path on a custom domain: the mapping whose key is the longest
    prefix of the path, by whole segments, else the empty key `(none)`; the key is stripped from the path
    the stage matches its resources against (AWS: "Use API mappings to connect API stages to a custom domain
    name for REST APIs")."""
    segments = [s for s in path.split("/") if s]
    best: str | None = None
    for key in mappings:
        if key is None:
            continue
        parts = key.split("/")
        if segments[: len(parts)] == parts and (best is None or len(parts) > len(best.split("/"))):
            best = key
    if best is None:
        return mappings[None], path
    rest = segments[len(best.split("/")) :]
    return mappings[best], "/" + "/".join(rest)


def _mappings(created: dict[str, Any]) -> dict[str | None, Any]:
    found: dict[str | None, Any] = {}
    for mapping in resources(created, "AWS::ApiGatewayV2::ApiMapping").values():
        properties = mapping["Properties"]
        assert properties["DomainName"] == {"Ref": "CustomDomain"}
        found[properties.get("ApiMappingKey")] = (properties["ApiId"], properties["Stage"])
    return found


def test_no_domain_unless_asked(deploy: Callable[..., dict[str, Any]]) -> None:
    created = deploy()

    for kind in DOMAIN_TYPES:
        assert not resources(created, kind), kind
    assert "EnterpriseUrl" not in created["Outputs"]
    assert "CustomDomainTarget" not in created["Outputs"]


def test_a_regional_domain_maps_api_v3_and_the_root_to_the_stage(
    deploy: Callable[..., dict[str, Any]],
) -> None:
    """Seen red with the `api/v3` mapping's key as `api` (GitHub Enterprise clients call /api/v3/...), and
    with the root mapping removed (the pages, /login/... and /settings/..., were nobody's)."""
    created = deploy(DomainName=HOST, CertificateArn=CERTIFICATE)

    (domain,) = resources(created, "AWS::ApiGatewayV2::DomainName").values()
    assert domain["Properties"] == {
        "DomainName": HOST,
        "DomainNameConfigurations": [
            # multi-level mapping keys need a regional domain with TLS 1.2
            {"CertificateArn": CERTIFICATE, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}
        ],
    }
    stage = ({"Ref": "Api"}, {"Ref": "ApiStage"})
    assert _mappings(created) == {"api/v3": stage, None: stage}
    assert not resources(created, "AWS::Route53::RecordSet")
    assert created["Outputs"]["EnterpriseUrl"]["Value"] == {"Fn::Sub": "https://${DomainName}"}
    assert created["Outputs"]["CustomDomainTarget"]["Value"] == {
        "Fn::GetAtt": ["CustomDomain", "RegionalDomainName"]
    }


def test_an_enterprise_clients_urls_reach_the_routes(
    deploy: Callable[..., dict[str, Any]], translated: dict[str, Any]
) -> None:
    """Every API route answers at https://HOST<route> and at https://HOST/api/v3<route>; the pages stay at
    the root."""
    mappings = _mappings(deploy(DomainName=HOST, CertificateArn=CERTIFICATE))
    (api,) = resources(translated, "AWS::ApiGateway::RestApi").values()
    routes = list(api["Properties"]["Body"]["paths"])
    stage = ({"Ref": "Api"}, {"Ref": "ApiStage"})

    for route in routes:
        assert _routed(mappings, "/api/v3" + route) == (stage, route)
        assert _routed(mappings, route) == (stage, route)
    assert _routed(mappings, "/api/v3") == (stage, "/")
    assert _routed(mappings, "/login/oauth/authorize") == (stage, "/login/oauth/authorize")
    assert _routed(mappings, "/settings/tokens") == (stage, "/settings/tokens")
    assert _routed(mappings, "/api/v3x/authorizations") == (stage, "/api/v3x/authorizations")  # no such route


def test_a_hosted_zone_gets_the_alias_record(deploy: Callable[..., dict[str, Any]]) -> None:
    created = deploy(DomainName=HOST, CertificateArn=CERTIFICATE, HostedZoneId=ZONE)

    (record,) = resources(created, "AWS::Route53::RecordSet").values()
    assert record["Properties"] == {
        "HostedZoneId": ZONE,
        "Name": HOST,
        "Type": "A",
        "AliasTarget": {
            "DNSName": {"Fn::GetAtt": ["CustomDomain", "RegionalDomainName"]},
            "HostedZoneId": {"Fn::GetAtt": ["CustomDomain", "RegionalHostedZoneId"]},
            "EvaluateTargetHealth": False,
        },
    }


def test_the_parameters_come_together(translated: dict[str, Any]) -> None:
    """CloudFormation refuses a domain without its certificate, and a hosted zone without a domain."""
    assert rules_hold(translated, {"DomainName": HOST})["CertificateForTheDomain"] is False
    assert rules_hold(translated, {"HostedZoneId": ZONE})["DomainForTheRecord"] is False
    assert all(rules_hold(translated, {"DomainName": HOST, "CertificateArn": CERTIFICATE}).values())
    assert all(
        rules_hold(
            translated, {"DomainName": HOST, "CertificateArn": CERTIFICATE, "HostedZoneId": ZONE}
        ).values()
    )
    assert all(rules_hold(translated).values())


def test_the_execute_api_url_stays(deploy: Callable[..., dict[str, Any]]) -> None:
    """The custom domain is added next to the execute-api URL, which keeps working (the ApiUrl output)."""
    created = deploy(DomainName=HOST, CertificateArn=CERTIFICATE)

    (api,) = resources(created, "AWS::ApiGateway::RestApi").values()
    assert not api["Properties"].get("DisableExecuteApiEndpoint", False)
    assert json.dumps(created["Outputs"]["ApiUrl"]["Value"]).count("execute-api") == 1
