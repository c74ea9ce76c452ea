"""The CloudFormation-aware loader and what the local API reads from template.yaml."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from oauth_authz_local import sam_model as cfn
from oauth_authz_local.cfn.intrinsics import Intrinsics, TemplateError
from oauth_authz_local.cfn.yaml_loader import CfnLoader

REPO = Path(__file__).resolve().parents[3]


def load(text: str) -> object:
    return yaml.load(textwrap.dedent(text), Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader


# ------------------------------------------------------------------------------------------- loader
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


# ----------------------------------------------------------------------------------------- intrinsics
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


# ----------------------------------------------------------------------------- the real template
@pytest.fixture(scope="module")
def template() -> cfn.Template:
    return cfn.load_template(REPO / "template.yaml")


def test_default_template_path_is_the_repository_template(template: cfn.Template) -> None:
    assert cfn.repo_root() == REPO
    assert cfn.load_template() == template


def test_table_definition_is_create_table_kwargs(template: cfn.Template) -> None:
    assert cfn.table_definition(template) == {
        "KeySchema": [
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    assert cfn.ttl_attribute(template) == "expires_ttl"
    assert cfn.table_logical_id(template) == "Table"


DESIGN_ROUTES = {
    ("GET", "/authorizations"): ("ListAuthorizationsFunction", "list_authorizations"),
    ("POST", "/authorizations"): ("CreateAuthorizationFunction", "create_authorization"),
    ("PUT", "/authorizations/clients/{client_id}"): ("GetOrCreateForAppFunction", "get_or_create_for_app"),
    ("PUT", "/authorizations/clients/{client_id}/{fingerprint}"): (
        "GetOrCreateForFingerprintFunction",
        "get_or_create_for_fingerprint",
    ),
    ("GET", "/authorizations/{authorization_id}"): ("GetAuthorizationFunction", "get_authorization"),
    ("PATCH", "/authorizations/{authorization_id}"): ("UpdateAuthorizationFunction", "update_authorization"),
    ("POST", "/authorizations/{authorization_id}"): ("UpdateAuthorizationFunction", "update_authorization"),
    ("DELETE", "/authorizations/{authorization_id}"): ("DeleteAuthorizationFunction", "delete_authorization"),
}


@pytest.mark.parametrize(("key", "expected"), sorted(DESIGN_ROUTES.items()))
def test_routes_of_the_design(
    template: cfn.Template, key: tuple[str, str], expected: tuple[str, str]
) -> None:
    found = {(route.method, route.path): route for route in cfn.routes(template)}
    route = found[key]
    logical_id, folder = expected
    assert route.logical_id == logical_id
    assert route.code_dir == REPO / "functions" / folder
    assert (route.handler_module, route.handler_function) == ("app", "lambda_handler")
    assert route.function.module_path == REPO / "functions" / folder / "app.py"
    assert route.timeout == 10
    assert route.authorizer == "BasicAuthorizer"
    assert route.api_id == "Api"


def test_every_route_has_its_handler_file(template: cfn.Template) -> None:
    routes = cfn.routes(template)
    assert len({(route.method, route.path) for route in routes}) == len(routes)
    for route in routes:
        assert route.function.module_path.is_file(), route.function.module_path


def test_authorizer(template: cfn.Template) -> None:
    found = cfn.authorizer(template)
    assert found is not None
    assert found.name == "BasicAuthorizer"
    assert found.function.logical_id == "AuthorizerFunction"
    assert found.function.code_dir == REPO / "functions" / "authorizer"
    assert found.payload_type == "REQUEST"
    assert found.identity_headers == ("Authorization",)
    assert found.identity_query_strings == ()
    assert found.reauthorize_every == 0


def test_gateway_responses(template: cfn.Template) -> None:
    responses = cfn.gateway_responses(template)
    unauthorized = responses["UNAUTHORIZED"]
    assert unauthorized.status_code == 401
    assert unauthorized.headers == {
        "Content-Type": "'application/json; charset=utf-8'",
        "X-GitHub-Media-Type": "'github.v3; format=json'",
    }
    assert unauthorized.templates == {
        "application/json": '{"message":"Requires authentication","documentation_url":"https://docs.github.com/rest"}'
    }
    assert responses["MISSING_AUTHENTICATION_TOKEN"].status_code == 404
    assert responses["DEFAULT_4XX"].status_code is None
    assert "$context.error.messageString" in responses["DEFAULT_4XX"].templates["application/json"]


def test_function_environment(template: cfn.Template) -> None:
    environment = cfn.function_environment(template, "GetAuthorizationFunction", "my-table")
    expected = {
        "TABLE_NAME": "my-table",
        "POWERTOOLS_SERVICE_NAME": "oauth-authz",
        "POWERTOOLS_METRICS_NAMESPACE": "OauthAuthz",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "ALLOWED_SCOPES": "",
        "MAX_TOKEN_LIFETIME_SECONDS": "0",
        "LOCKOUT_THRESHOLD": "10",
        "LOCKOUT_WINDOW_SECONDS": "900",
        "AUTH_CACHE_SECONDS": "60",
    }
    # The design's variables (the template may add more, e.g. Powertools settings).
    assert {name: environment.get(name) for name in expected} == expected
    assert all(isinstance(value, str) for value in environment.values())
    overridden = cfn.function_environment(
        template, "AuthorizerFunction", "t", {"LogLevel": "DEBUG", "MaxTokenLifetimeSeconds": 3600}
    )
    assert overridden["POWERTOOLS_LOG_LEVEL"] == "DEBUG"
    assert overridden["MAX_TOKEN_LIFETIME_SECONDS"] == "3600"
    assert overridden["TABLE_NAME"] == "t"


def test_layer_dirs(template: cfn.Template) -> None:
    assert cfn.layer_dirs(template) == [REPO / "layers" / "shared"]


# ------------------------------------------------------------------------------ a template of our own
MINI = """
Globals:
  Function:
    Timeout: 5
    Handler: app.handler
    Environment:
      Variables:
        SHARED: one
        TABLE_NAME: !Ref Store
  Api:
    Auth:
      DefaultAuthorizer: Tok
      Authorizers:
        Tok:
          FunctionArn: !GetAtt AuthFn.Arn
Resources:
  Store:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      AttributeDefinitions:
        - {AttributeName: id, AttributeType: S}
        - {AttributeName: g, AttributeType: S}
      GlobalSecondaryIndexes:
        - IndexName: byG
          KeySchema: [{AttributeName: g, KeyType: HASH}]
          Projection: {ProjectionType: ALL}
          ProvisionedThroughput: {ReadCapacityUnits: 1, WriteCapacityUnits: 1}
          ContributorInsightsSpecification: {Enabled: true}
  AuthFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/auth
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/hello/
      Handler: pkg.mod.main
      Timeout: 7
      MemorySize: 256
      Environment:
        Variables:
          OWN: !Sub "${AWS::Region}-x"
      Events:
        Any:
          Type: Api
          Properties: {Path: "/hello/{name+}", Method: any}
        Open:
          Type: Api
          Properties:
            Path: /open
            Method: get
            Auth: {Authorizer: NONE}
"""


def test_a_minimal_template_with_globals_implicit_api_and_token_authorizer(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(MINI)
    template = cfn.load_template(tmp_path / "template.yaml")
    assert cfn.table_definition(template) == {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "byG",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            }
        ],
    }
    assert cfn.ttl_attribute(template) is None
    routes = {(route.method, route.path): route for route in cfn.routes(template)}
    assert sorted(routes) == [("ANY", "/hello/{name+}"), ("GET", "/open")]
    hello = routes[("ANY", "/hello/{name+}")]
    assert hello.function == cfn.FunctionSpec(
        logical_id="Hello",
        code_dir=tmp_path / "fns" / "hello",
        handler_module="pkg.mod",
        handler_function="main",
        timeout=7,
        memory_size=256,
    )
    assert hello.function.module_path == tmp_path / "fns" / "hello" / "pkg" / "mod.py"
    assert hello.authorizer == "Tok"
    assert hello.api_id == "ServerlessRestApi"
    assert routes[("GET", "/open")].authorizer is None
    token = cfn.authorizer(template)
    assert token is not None
    assert (token.payload_type, token.identity_headers, token.reauthorize_every) == (
        "TOKEN",
        ("Authorization",),
        300,
    )
    assert token.function.timeout == 5
    assert cfn.function_environment(template, "Hello", "tbl") == {
        "SHARED": "one",
        "TABLE_NAME": "tbl",
        "OWN": "us-east-1-x",
    }
    assert cfn.gateway_responses(template) == {}


def test_not_a_template(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("just: a mapping\n")
    with pytest.raises(TemplateError, match="no Resources"):
        cfn.load_template(tmp_path / "x.yaml")
