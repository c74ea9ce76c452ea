"""sam_model.intrinsics: the intrinsic functions the local API evaluates, and what it refuses."""

from __future__ import annotations

import pytest

from oauth_authz_local.cfn.intrinsics import Intrinsics, TemplateError

DOCUMENT = {
    "Parameters": {
        "Stage": {"Type": "String", "Default": "v1"},
        "Count": {"Type": "Number", "Default": 3},
        "Names": {"Type": "CommaDelimitedList", "Default": "a,b"},
        "NoDefault": {"Type": "String"},
    },
    "Mappings": {"Levels": {"WARNING": {"Level": "WARN"}}},
    "Conditions": {
        "IsV1": {"Fn::Equals": [{"Ref": "Stage"}, "v1"]},
        "NotV1": {"Fn::Not": [{"Condition": "IsV1"}]},
    },
    "Resources": {"Table": {"Type": "AWS::DynamoDB::Table"}, "Fn": {"Type": "AWS::Serverless::Function"}},
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Stage"}, "v1"),
        ({"Ref": "Count"}, 3),
        ({"Ref": "Names"}, ["a", "b"]),
        ({"Ref": "AWS::Region"}, "us-east-1"),
        ({"Ref": "AWS::AccountId"}, "123456789012"),
        ({"Ref": "Table"}, "the-table"),
        ({"Ref": "Fn"}, "Fn"),
        ({"Fn::Sub": "/api/${Stage}/${AWS::Region}/${!Literal}"}, "/api/v1/us-east-1/${Literal}"),
        ({"Fn::Sub": ["${X}-${Stage}", {"X": {"Ref": "Table"}}]}, "the-table-v1"),
        ({"Fn::Sub": "${Table.Arn}"}, "arn:aws:dynamodb:us-east-1:123456789012:table/the-table"),
        ({"Fn::GetAtt": ["Table", "Arn"]}, "arn:aws:dynamodb:us-east-1:123456789012:table/the-table"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Count"}, True]]}, "a-3-true"),
        ({"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}, "y"),
        ({"Fn::FindInMap": ["Levels", "WARNING", "Level"]}, "WARN"),
        ({"Fn::If": ["IsV1", "yes", "no"]}, "yes"),
        ({"Fn::If": ["NotV1", "yes", "no"]}, "no"),
        ({"Fn::And": [{"Condition": "IsV1"}, {"Fn::Equals": [1, "1"]}]}, True),
        ({"Fn::Or": [{"Condition": "NotV1"}, False]}, False),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"Fn::GetAZs": ""}, ["us-east-1a", "us-east-1b", "us-east-1c"]),
        ({"a": {"Ref": "AWS::NoValue"}, "b": 1}, {"b": 1}),
        ([{"Ref": "AWS::NoValue"}, 2], [2]),
    ],
)
def test_intrinsic_functions(value: object, expected: object) -> None:
    intrinsics = Intrinsics(DOCUMENT, resource_refs={"Table": "the-table"})
    assert intrinsics.resolve(value) == expected


def test_intrinsics_overrides_and_errors() -> None:
    intrinsics = Intrinsics(DOCUMENT, parameter_overrides={"Stage": "prod", "NoDefault": "x"})
    assert intrinsics.resolve({"Fn::If": ["IsV1", "yes", "no"]}) == "no"
    assert intrinsics.resolve({"Ref": "NoDefault"}) == "x"
    with pytest.raises(TemplateError, match="no default"):
        Intrinsics(DOCUMENT).resolve({"Ref": "NoDefault"})
    with pytest.raises(TemplateError, match="unknown name"):
        Intrinsics(DOCUMENT).resolve({"Ref": "Nope"})
    with pytest.raises(TemplateError, match="not supported"):
        Intrinsics(DOCUMENT).resolve({"Fn::ImportValue": "x"})
