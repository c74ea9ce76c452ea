"""sam_model: what the local API reads from template.yaml (and from a small template of its own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from oauth_authz_local import sam_model
from oauth_authz_local.cfn.intrinsics import TemplateError

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def template() -> sam_model.Template:
    return sam_model.load_template(REPO / "template.yaml")


def test_default_template_path_is_the_repository_template(template: sam_model.Template) -> None:
    assert sam_model.repo_root() == REPO
    assert sam_model.load_template() == template


def test_table_definition_is_create_table_kwargs(template: sam_model.Template) -> None:
    assert sam_model.table_definition(template) == {
        "KeySchema": [
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
            {"AttributeName": "client_id", "AttributeType": "S"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "ByClientId",
                "KeySchema": [
                    {"AttributeName": "client_id", "KeyType": "HASH"},
                    {"AttributeName": "SK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }
    assert sam_model.ttl_attribute(template) == "expires_ttl"
    assert sam_model.table_logical_id(template) == "Table"


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
    template: sam_model.Template, key: tuple[str, str], expected: tuple[str, str]
) -> None:
    found = {(route.method, route.path): route for route in sam_model.routes(template)}
    route = found[key]
    logical_id, folder = expected
    assert route.logical_id == logical_id
    assert route.code_dir == REPO / "functions" / folder
    assert (route.handler_module, route.handler_function) == ("app", "lambda_handler")
    assert route.function.module_path == REPO / "functions" / folder / "app.py"
    assert route.timeout == 10
    assert route.authorizer == "BasicAuthorizer"
    assert route.api_id == "Api"


def test_every_route_has_its_handler_file(template: sam_model.Template) -> None:
    routes = sam_model.routes(template)
    assert len({(route.method, route.path) for route in routes}) == len(routes)
    for route in routes:
        assert route.function.module_path.is_file(), route.function.module_path


def test_authorizer(template: sam_model.Template) -> None:
    found = sam_model.authorizer(template)
    assert found is not None
    assert found.name == "BasicAuthorizer"
    assert found.function.logical_id == "AuthorizerFunction"
    assert found.function.code_dir == REPO / "functions" / "authorizer"
    assert found.payload_type == "REQUEST"
    assert found.identity_headers == ("Authorization",)
    assert found.identity_query_strings == ()
    assert found.reauthorize_every == 0


def test_gateway_responses(template: sam_model.Template) -> None:
    responses = sam_model.gateway_responses(template)
    unauthorized = responses["UNAUTHORIZED"]
    assert unauthorized.status_code == 401
    assert unauthorized.headers == {
        "Content-Type": "'application/json; charset=utf-8'",
        "X-GitHub-Media-Type": "'github.v3; format=json'",
        "Status": "'401 Unauthorized'",
    }
    assert unauthorized.templates == {
        "application/json": '{"message":"Requires authentication","documentation_url":"https://docs.github.com/rest"}'
    }
    assert responses["MISSING_AUTHENTICATION_TOKEN"].status_code == 404
    assert responses["DEFAULT_4XX"].status_code is None
    assert "$context.error.messageString" in responses["DEFAULT_4XX"].templates["application/json"]


def test_every_gateway_response_with_a_status_says_it_in_githubs_status_header(
    template: sam_model.Template,
) -> None:
    """GitHub's `Status: <code> <reason>` on API Gateway's own answers too (issue 14 item 4): header values
    of a gateway response are static, so each type with a fixed StatusCode carries its own. Seen red on the
    template before the Status headers were added."""
    from oauth_authz.http.resolver import status_line

    for name, response in sam_model.gateway_responses(template).items():
        if response.status_code is not None:
            assert response.headers.get("Status") == f"'{status_line(response.status_code)}'", name


def test_function_environment(template: sam_model.Template) -> None:
    environment = sam_model.function_environment(template, "GetAuthorizationFunction", "my-table")
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
    overridden = sam_model.function_environment(
        template, "AuthorizerFunction", "t", {"LogLevel": "DEBUG", "MaxTokenLifetimeSeconds": 3600}
    )
    assert overridden["POWERTOOLS_LOG_LEVEL"] == "DEBUG"
    assert overridden["MAX_TOKEN_LIFETIME_SECONDS"] == "3600"
    assert overridden["TABLE_NAME"] == "t"


def test_layer_dirs(template: sam_model.Template) -> None:
    assert sam_model.layer_dirs(template) == [REPO / "layers" / "shared"]


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
    template = sam_model.load_template(tmp_path / "template.yaml")
    assert sam_model.table_definition(template) == {
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
    assert sam_model.ttl_attribute(template) is None
    routes = {(route.method, route.path): route for route in sam_model.routes(template)}
    assert sorted(routes) == [("ANY", "/hello/{name+}"), ("GET", "/open")]
    hello = routes[("ANY", "/hello/{name+}")]
    assert hello.function == sam_model.FunctionSpec(
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
    token = sam_model.authorizer(template)
    assert token is not None
    assert (token.payload_type, token.identity_headers, token.reauthorize_every) == (
        "TOKEN",
        ("Authorization",),
        300,
    )
    assert token.function.timeout == 5
    assert sam_model.function_environment(template, "Hello", "tbl") == {
        "SHARED": "one",
        "TABLE_NAME": "tbl",
        "OWN": "us-east-1-x",
    }
    assert sam_model.gateway_responses(template) == {}


def test_not_a_template(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("just: a mapping\n")
    with pytest.raises(TemplateError, match="no Resources"):
        sam_model.load_template(tmp_path / "x.yaml")
