"""The SAM template as CloudFormation receives it: one function per route, every route of SPEC section 2
with its exact method and path, the authorizer on every route, and GitHub-shaped gateway responses."""

from __future__ import annotations

import json
from typing import Any

from tests.template.conftest import resources

# SPEC section 2: method, path -> the function that serves it (POST on an authorization is PATCH's alias).
ROUTES = {
    ("GET", "/"): "ApiRootFunction",
    ("GET", "/user"): "GetUserFunction",
    ("GET", "/user/emails"): "ListEmailsFunction",
    ("GET", "/applications/grants"): "ListGrantsFunction",
    ("GET", "/applications/grants/{grant_id}"): "GetGrantFunction",
    ("DELETE", "/applications/grants/{grant_id}"): "DeleteGrantFunction",
    ("GET", "/authorizations"): "ListAuthorizationsFunction",
    ("POST", "/authorizations"): "CreateAuthorizationFunction",
    ("PUT", "/authorizations/clients/{client_id}"): "GetOrCreateForAppFunction",
    ("PUT", "/authorizations/clients/{client_id}/{fingerprint}"): "GetOrCreateForFingerprintFunction",
    ("GET", "/authorizations/{authorization_id}"): "GetAuthorizationFunction",
    ("PATCH", "/authorizations/{authorization_id}"): "UpdateAuthorizationFunction",
    ("POST", "/authorizations/{authorization_id}"): "UpdateAuthorizationFunction",
    ("DELETE", "/authorizations/{authorization_id}"): "DeleteAuthorizationFunction",
    ("GET", "/applications/{client_id}/tokens/{access_token}"): "CheckAuthorizationFunction",
    ("POST", "/applications/{client_id}/tokens/{access_token}"): "ResetAuthorizationFunction",
    ("DELETE", "/applications/{client_id}/tokens/{access_token}"): "RevokeAuthorizationFunction",
    ("DELETE", "/applications/{client_id}/grants/{access_token}"): "RevokeGrantFunction",
    ("POST", "/applications/{client_id}/token"): "CheckTokenFunction",
    ("POST", "/login/oauth/access_token"): "AccessTokenFunction",
    ("POST", "/login/device/code"): "DeviceCodeFunction",
    ("PATCH", "/applications/{client_id}/token"): "ResetTokenFunction",
    ("DELETE", "/applications/{client_id}/token"): "DeleteTokenFunction",
    ("DELETE", "/applications/{client_id}/grant"): "DeleteAppAuthorizationFunction",
}
# SPEC 9 and 11: the web pages, without the Basic authorizer (the session cookie is checked by the service).
PAGES = {
    ("GET", "/login"): "LoginPageFunction",
    ("POST", "/session"): "CreateSessionFunction",
    ("GET", "/sessions/two-factor"): "TwoFactorPageFunction",
    ("POST", "/sessions/two-factor"): "VerifyTwoFactorFunction",
    ("GET", "/logout"): "LogoutPageFunction",
    ("POST", "/logout"): "SignOutFunction",
    ("GET", "/login/oauth/authorize"): "AuthorizePageFunction",
    ("POST", "/login/oauth/authorize"): "AuthorizeDecisionFunction",
    ("GET", "/login/assets/style.css"): "PageStylesheetFunction",
    ("GET", "/login/assets/copy.js"): "PageScriptFunction",
    ("GET", "/login/device"): "DevicePageFunction",
    ("POST", "/login/device"): "DeviceEntryFunction",
    ("POST", "/login/device/authorize"): "DeviceDecisionFunction",
    ("GET", "/settings/tokens"): "SettingsTokensPageFunction",
    ("GET", "/settings/applications"): "SettingsApplicationsPageFunction",
    ("GET", "/settings/security"): "SettingsSecurityPageFunction",
    ("POST", "/settings/security/two-factor"): "EnableTwoFactorFunction",
    ("POST", "/settings/security/two-factor/disable"): "DisableTwoFactorFunction",
    ("POST", "/settings/security/sessions/sign-out"): "SignOutEverywhereFunction",
    ("POST", "/settings/applications/{grant_id}/revoke"): "RevokeApplicationFunction",
    ("POST", "/settings/tokens"): "GenerateTokenFunction",
    ("POST", "/settings/tokens/{token_id}/delete"): "DeletePersonalTokenFunction",
    ("GET", "/settings/developers"): "SettingsDevelopersPageFunction",
    ("GET", "/settings/developers/new"): "NewDeveloperAppPageFunction",
    ("POST", "/settings/developers"): "RegisterDeveloperAppFunction",
    ("GET", "/settings/developers/{client_id}"): "DeveloperAppPageFunction",
    ("POST", "/settings/developers/{client_id}"): "UpdateDeveloperAppFunction",
    ("POST", "/settings/developers/{client_id}/secrets"): "GenerateClientSecretFunction",
    ("POST", "/settings/developers/{client_id}/secrets/{secret_id}/delete"): "DeleteClientSecretFunction",
    ("POST", "/settings/developers/{client_id}/delete"): "DeleteDeveloperAppFunction",
}


def _api_body(translated: dict[str, Any]) -> dict[str, Any]:
    (api,) = resources(translated, "AWS::ApiGateway::RestApi").values()
    body: dict[str, Any] = api["Properties"]["Body"]
    return body


def _integrated_function(operation: dict[str, Any]) -> str:
    uri = json.dumps(operation["x-amazon-apigateway-integration"]["uri"])
    return uri.split("/functions/${")[1].split(".Arn}")[0]


def test_every_route_of_the_spec_exactly_and_nothing_else(translated: dict[str, Any]) -> None:
    paths = _api_body(translated)["paths"]

    served = {
        (method.upper(), path): _integrated_function(operation)
        for path, operations in paths.items()
        for method, operation in operations.items()
    }

    assert served == ROUTES | PAGES


def test_one_function_per_route_plus_the_authorizer(translated: dict[str, Any]) -> None:
    functions = set(resources(translated, "AWS::Lambda::Function"))

    assert functions == set(ROUTES.values()) | set(PAGES.values()) | {"AuthorizerFunction"}
    assert len(set(ROUTES.values())) == len(ROUTES) - 1  # only the POST alias shares a function


# Without the Basic authorizer: GitHub's API root answers without credentials (and reads nothing), and the
# OAuth endpoints check the client themselves (SPEC sections 9 and 10).
WITHOUT_AUTHORIZER = {("get", "/"), ("post", "/login/oauth/access_token"), ("post", "/login/device/code")}


def test_every_api_route_is_behind_the_basic_authorizer(translated: dict[str, Any]) -> None:
    body = _api_body(translated)
    scheme = body["components"]["securitySchemes"]["BasicAuthorizer"]["x-amazon-apigateway-authorizer"]

    assert scheme["type"] == "request"
    assert scheme["identitySource"] == "method.request.header.Authorization"
    assert scheme["authorizerResultTtlInSeconds"] == 0  # OTP and lockout make every answer fresh
    assert "AuthorizerFunction" in json.dumps(scheme["authorizerUri"])
    for path, operations in body["paths"].items():
        for method, operation in operations.items():
            unguarded = (method, path) in WITHOUT_AUTHORIZER or (method.upper(), path) in PAGES
            expected = [{"NONE": []}] if unguarded else [{"BasicAuthorizer": []}]
            assert operation["security"] == expected, (method, path)


def test_gateway_responses_speak_githubs_shapes(translated: dict[str, Any]) -> None:
    responses = _api_body(translated)["x-amazon-apigateway-gateway-responses"]

    expected = {
        "UNAUTHORIZED": ("401", "Requires authentication"),
        "MISSING_AUTHENTICATION_TOKEN": ("404", "Not Found"),
        "RESOURCE_NOT_FOUND": ("404", "Not Found"),
        "ACCESS_DENIED": ("403", "Forbidden"),
        "REQUEST_TOO_LARGE": ("413", "Request body too large"),
        "THROTTLED": ("429", "API rate limit exceeded"),
        "AUTHORIZER_FAILURE": ("500", "Server Error"),
        "DEFAULT_5XX": ("500", "Server Error"),
        "INTEGRATION_FAILURE": ("502", "Server Error"),
        "INTEGRATION_TIMEOUT": ("504", "Server Error"),
        "BAD_REQUEST_BODY": ("400", "Problems parsing JSON"),
    }
    for kind, (status, message) in expected.items():
        response = responses[kind]
        assert str(response["statusCode"]) == status, kind
        body = json.loads(response["responseTemplates"]["application/json"])
        assert body == {"message": message, "documentation_url": "https://docs.github.com/rest"}, kind
        headers = response["responseParameters"]
        assert headers["gatewayresponse.header.Content-Type"] == "'application/json; charset=utf-8'", kind
        assert headers["gatewayresponse.header.X-GitHub-Media-Type"] == "'github.v3; format=json'", kind


def test_the_outputs_exist(translated: dict[str, Any]) -> None:
    assert {"ApiUrl", "TableName", "TotpKeyId"} <= set(translated["Outputs"])
