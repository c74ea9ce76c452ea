"""sam_model.yaml_loader: CloudFormation's short-form tags read as the long form, safely."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from oauth_authz_local.cfn.yaml_loader import CfnLoader


def load(text: str) -> object:
    return yaml.load(textwrap.dedent(text), Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!Ref Table", {"Ref": "Table"}),
        ("!Sub 'arn:${AWS::Partition}:x'", {"Fn::Sub": "arn:${AWS::Partition}:x"}),
        ("!Sub ['${A}-b', {A: !Ref P}]", {"Fn::Sub": ["${A}-b", {"A": {"Ref": "P"}}]}),
        ("!GetAtt Table.Arn", {"Fn::GetAtt": ["Table", "Arn"]}),
        ("!GetAtt Db.Endpoint.Address", {"Fn::GetAtt": ["Db", "Endpoint.Address"]}),
        ("!GetAtt [Table, Arn]", {"Fn::GetAtt": ["Table", "Arn"]}),
        ("!Join ['', [a, !Ref B]]", {"Fn::Join": ["", ["a", {"Ref": "B"}]]}),
        ("!If [IsProd, 1, 2]", {"Fn::If": ["IsProd", 1, 2]}),
        ("!Select [0, !GetAZs '']", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
        ("!Split [',', 'a,b']", {"Fn::Split": [",", "a,b"]}),
        ("!FindInMap [M, K, V]", {"Fn::FindInMap": ["M", "K", "V"]}),
        ("!Equals [!Ref S, prod]", {"Fn::Equals": [{"Ref": "S"}, "prod"]}),
        ("!Not [!Condition C]", {"Fn::Not": [{"Condition": "C"}]}),
        ("!And [!Condition A, !Condition B]", {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]}),
        ("!Or [!Condition A, !Condition B]", {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
        ("!Base64 hello", {"Fn::Base64": "hello"}),
        ("!ImportValue shared-vpc", {"Fn::ImportValue": "shared-vpc"}),
        ("!Cidr [10.0.0.0/16, 4, 8]", {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
    ],
)
def test_short_form_tags_load_as_the_long_form(text: str, expected: object) -> None:
    assert load(text) == expected


def test_loader_is_a_safe_loader() -> None:
    assert issubclass(CfnLoader, yaml.SafeLoader)
    with pytest.raises(yaml.constructor.ConstructorError):
        load("!!python/object/apply:os.system ['true']")


def test_plain_yaml_still_loads() -> None:
    assert load("a: [1, 'x', {b: true}]") == {"a": [1, "x", {"b": True}]}
