"""The SAM application as the local API reads it from ``template.yaml``.

:func:`load_template` gives a :class:`Template`: where the file is (its folder anchors every ``CodeUri`` and
``ContentUri``) and the parsed document (CloudFormation's tags in their long form, ``cfn.yaml_loader``).
The readers below turn it into what the emulator runs: the functions (:class:`FunctionSpec`, their
environment with intrinsics evaluated by ``cfn.intrinsics``), the API's routes, its Lambda authorizer and
gateway responses, the layers' code folders, and the table's ``create_table`` arguments.

Importing this module is cheap (PyYAML and the standard library only): the tests build their moto table
from :func:`table_definition`, and aws-sam-cli's interpreter loads templates with it.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from .cfn.intrinsics import Intrinsics, TemplateError, to_string
from .cfn.yaml_loader import read_yaml

__all__ = [
    "IMPLICIT_API",
    "Authorizer",
    "FunctionSpec",
    "GatewayResponse",
    "Route",
    "Template",
    "TemplateError",
    "authorizer",
    "default_api_id",
    "function_environment",
    "function_spec",
    "gateway_responses",
    "layer_dirs",
    "layer_paths",
    "load_module",
    "load_template",
    "repo_root",
    "routes",
    "table_definition",
    "table_logical_id",
    "ttl_attribute",
]

IMPLICIT_API = "ServerlessRestApi"


@dataclass(frozen=True)
class Template:
    """A SAM template as read: the file it came from and its parsed document."""

    path: Path
    document: dict[str, Any]

    @property
    def folder(self) -> Path:
        """The template's folder: what its relative ``CodeUri`` and ``ContentUri`` start from."""
        return self.path.parent


def repo_root() -> Path:
    """The repository holding ``template.yaml``: this file's checkout, else the working directory."""
    root = Path(__file__).resolve().parents[2]
    if (root / "template.yaml").is_file():
        return root
    return Path.cwd()


def load_template(path: str | os.PathLike[str] | None = None) -> Template:
    """Load a SAM/CloudFormation template (default: the repository's ``template.yaml``)."""
    template_path = Path(path) if path is not None else repo_root() / "template.yaml"
    document = read_yaml(template_path)
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{template_path}: not a CloudFormation template (no Resources)")
    return Template(path=template_path.resolve(), document=document)


# ------------------------------------------------------------------------------------------ resources
def _resources(document: Mapping[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in (document.get("Resources") or {}).items()
        if isinstance(resource, dict) and resource.get("Type") == resource_type
    }


def _merge_globals(global_properties: Mapping[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals merge: maps merge recursively, lists are concatenated, scalars are replaced."""
    merged: dict[str, Any] = dict(global_properties)
    for key, value in properties.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict) and not _is_intrinsic(value):
            merged[key] = _merge_globals(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = current + value
        else:
            merged[key] = value
    return merged


def _is_intrinsic(value: Mapping[str, Any]) -> bool:
    return (
        len(value) == 1
        and next(iter(value)) in ("Ref", "Condition")
        or any(key.startswith("Fn::") for key in value)
    )


def _function_properties(document: Mapping[str, Any], logical_id: str) -> dict[str, Any]:
    resource = _resources(document, "AWS::Serverless::Function").get(logical_id)
    if resource is None:
        raise TemplateError(f"no AWS::Serverless::Function {logical_id!r}")
    global_properties = ((document.get("Globals") or {}).get("Function")) or {}
    return _merge_globals(global_properties, resource.get("Properties") or {})


def table_logical_id(template: Template) -> str:
    """The logical id of the DynamoDB table: ``Table``, or the only ``AWS::DynamoDB::Table``."""
    tables = _resources(template.document, "AWS::DynamoDB::Table")
    if "Table" in tables:
        return "Table"
    if len(tables) == 1:
        return next(iter(tables))
    raise TemplateError(f"expected one AWS::DynamoDB::Table, found {sorted(tables)}")


_GSI_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput")
_LSI_KEYS = ("IndexName", "KeySchema", "Projection")


def _table_properties(template: Template) -> dict[str, Any]:
    resource = template.document["Resources"][table_logical_id(template)]
    properties: dict[str, Any] = Intrinsics(template.document).resolve(resource.get("Properties") or {})
    return properties


def table_definition(template: Template) -> dict[str, Any]:
    """``create_table`` keyword arguments (without ``TableName``) from the template's table."""
    properties = _table_properties(template)
    definition: dict[str, Any] = {
        "KeySchema": properties["KeySchema"],
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    if definition["BillingMode"] == "PROVISIONED":
        definition["ProvisionedThroughput"] = properties.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    if properties.get("GlobalSecondaryIndexes"):
        definition["GlobalSecondaryIndexes"] = [
            {key: index[key] for key in _GSI_KEYS if key in index}
            for index in properties["GlobalSecondaryIndexes"]
        ]
    if properties.get("LocalSecondaryIndexes"):
        definition["LocalSecondaryIndexes"] = [
            {key: index[key] for key in _LSI_KEYS if key in index}
            for index in properties["LocalSecondaryIndexes"]
        ]
    return definition


def ttl_attribute(template: Template) -> str | None:
    """The table's TTL attribute when ``TimeToLiveSpecification`` enables one."""
    specification = _table_properties(template).get("TimeToLiveSpecification") or {}
    if specification.get("Enabled") in (True, "true", "True") and specification.get("AttributeName"):
        return str(specification["AttributeName"])
    return None


# ------------------------------------------------------------------------------------------ functions
@dataclass(frozen=True)
class FunctionSpec:
    """What the local runtime needs to load and run one function."""

    logical_id: str
    code_dir: Path
    handler_module: str
    handler_function: str
    timeout: int
    memory_size: int

    @property
    def module_path(self) -> Path:
        return self.code_dir.joinpath(*self.handler_module.split(".")).with_suffix(".py")


def load_module(path: Path, name: str) -> ModuleType:
    """A function's handler file (every one is `app.py`) as a module of its own under `name`, outside
    `sys.modules`: for tools that read the functions in-process (the OpenAPI generator, tests, benchmarks)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def function_spec(template: Template, logical_id: str) -> FunctionSpec:
    intrinsics = Intrinsics(template.document)
    raw = _function_properties(template.document, logical_id)
    properties = {
        key: intrinsics.resolve(raw[key])
        for key in ("CodeUri", "Handler", "Timeout", "MemorySize")
        if key in raw
    }
    code_uri = properties.get("CodeUri")
    if not isinstance(code_uri, str):
        raise TemplateError(f"{logical_id}: only a local CodeUri directory is supported, got {code_uri!r}")
    handler = properties.get("Handler")
    if not isinstance(handler, str) or "." not in handler:
        raise TemplateError(f"{logical_id}: Handler must be module.function, got {handler!r}")
    module, function = handler.rsplit(".", 1)
    return FunctionSpec(
        logical_id=logical_id,
        code_dir=(template.folder / code_uri).resolve(),
        handler_module=module,
        handler_function=function,
        timeout=int(properties.get("Timeout", 3)),
        memory_size=int(properties.get("MemorySize", 128)),
    )


def function_environment(
    template: Template,
    logical_id: str,
    table_name: str,
    parameter_overrides: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The function's environment variables (Globals merged), with intrinsics resolved.

    ``!Ref`` of a parameter gives its override or default; ``!Ref`` of the table gives ``table_name``.
    """
    properties = _function_properties(template.document, logical_id)
    variables = (properties.get("Environment") or {}).get("Variables") or {}
    intrinsics = Intrinsics(
        template.document,
        parameter_overrides=parameter_overrides,
        resource_refs={table_logical_id(template): table_name}
        if _resources(template.document, "AWS::DynamoDB::Table")
        else {},
    )
    resolved = intrinsics.resolve(variables)
    return {str(name): to_string(value) for name, value in resolved.items()}


def layer_dirs(template: Template) -> list[Path]:
    """Local directories of the template's layers (what Lambda puts under /opt)."""
    directories = []
    for resource in _resources(template.document, "AWS::Serverless::LayerVersion").values():
        content_uri = (resource.get("Properties") or {}).get("ContentUri")
        if isinstance(content_uri, str):
            directories.append((template.folder / content_uri).resolve())
    return directories


def layer_paths(template: Template) -> list[Path]:
    """Where the template's layers keep their Python code (``<ContentUri>/python`` or ``<ContentUri>``)."""
    paths = []
    for directory in layer_dirs(template):
        python = directory / "python"
        paths.append(python if python.is_dir() else directory)
    return paths


# ---------------------------------------------------------------------------------------------- API
@dataclass(frozen=True)
class Route:
    """One API event of one function: ``method`` (upper case, ``ANY`` allowed) and ``path``."""

    method: str
    path: str
    function: FunctionSpec
    authorizer: str | None
    event_id: str
    api_id: str

    @property
    def logical_id(self) -> str:
        return self.function.logical_id

    @property
    def code_dir(self) -> Path:
        return self.function.code_dir

    @property
    def handler_module(self) -> str:
        return self.function.handler_module

    @property
    def handler_function(self) -> str:
        return self.function.handler_function

    @property
    def timeout(self) -> int:
        return self.function.timeout


def _api_properties(template: Template, api_id: str) -> dict[str, Any]:
    global_properties = ((template.document.get("Globals") or {}).get("Api")) or {}
    resource = _resources(template.document, "AWS::Serverless::Api").get(api_id)
    if resource is None:
        if api_id != IMPLICIT_API:
            raise TemplateError(f"no AWS::Serverless::Api {api_id!r}")
        return dict(global_properties)
    return _merge_globals(global_properties, resource.get("Properties") or {})


def default_api_id(template: Template) -> str:
    apis = _resources(template.document, "AWS::Serverless::Api")
    if "Api" in apis:
        return "Api"
    if len(apis) == 1:
        return next(iter(apis))
    if not apis:
        return IMPLICIT_API
    raise TemplateError(f"several AWS::Serverless::Api resources: {sorted(apis)}; name one")


def routes(template: Template) -> list[Route]:
    """Every ``Type: Api`` event of every function, in template order."""
    intrinsics = Intrinsics(template.document)
    found: list[Route] = []
    for logical_id, resource in _resources(template.document, "AWS::Serverless::Function").items():
        events = (resource.get("Properties") or {}).get("Events") or {}
        api_events = {
            name: event
            for name, event in events.items()
            if isinstance(event, dict) and event.get("Type") == "Api"
        }
        if not api_events:
            continue
        spec = function_spec(template, logical_id)
        for event_id, event in api_events.items():
            properties = event.get("Properties") or {}
            rest_api = properties.get("RestApiId")
            if isinstance(rest_api, dict) and "Ref" in rest_api:
                api_id = str(rest_api["Ref"])
            elif rest_api is None:
                api_id = IMPLICIT_API
            else:
                api_id = str(intrinsics.resolve(rest_api))
            api_auth = _api_properties(template, api_id).get("Auth") or {}
            default_authorizer = api_auth.get("DefaultAuthorizer")
            event_auth = properties.get("Auth") or {}
            authorizer_name = event_auth.get("Authorizer", default_authorizer)
            if authorizer_name in ("NONE", "AWS_IAM"):
                authorizer_name = None
            found.append(
                Route(
                    method=str(intrinsics.resolve(properties["Method"])).upper(),
                    path=str(intrinsics.resolve(properties["Path"])),
                    function=spec,
                    authorizer=str(authorizer_name) if authorizer_name else None,
                    event_id=event_id,
                    api_id=api_id,
                )
            )
    return found


@dataclass(frozen=True)
class Authorizer:
    """A Lambda authorizer of the API (``payload_type`` REQUEST or TOKEN)."""

    name: str
    function: FunctionSpec
    payload_type: str
    identity_headers: tuple[str, ...]
    identity_query_strings: tuple[str, ...]
    reauthorize_every: int


def authorizer(template: Template, name: str | None = None, api_id: str | None = None) -> Authorizer | None:
    """The API's authorizer ``name`` (default: the API's DefaultAuthorizer), or None when it has none."""
    api_id = api_id or default_api_id(template)
    auth = _api_properties(template, api_id).get("Auth") or {}
    name = name or auth.get("DefaultAuthorizer")
    if not name or name in ("NONE", "AWS_IAM"):
        return None
    definition = (auth.get("Authorizers") or {}).get(name)
    if not isinstance(definition, dict):
        raise TemplateError(f"API {api_id}: no authorizer {name!r}")
    function_arn = definition.get("FunctionArn")
    if isinstance(function_arn, dict) and "Fn::GetAtt" in function_arn:
        target = function_arn["Fn::GetAtt"]
        function_id = target.split(".", 1)[0] if isinstance(target, str) else target[0]
    elif isinstance(function_arn, dict) and "Ref" in function_arn:
        function_id = function_arn["Ref"]
    else:
        raise TemplateError(f"authorizer {name}: FunctionArn must be !GetAtt <Function>.Arn")
    if "UserPoolArn" in definition:
        raise TemplateError(f"authorizer {name}: Cognito authorizers are not supported locally")
    identity = Intrinsics(template.document).resolve(definition.get("Identity") or {})
    payload_type = str(definition.get("FunctionPayloadType", "TOKEN")).upper()
    headers = tuple(identity.get("Headers") or ())
    if payload_type == "TOKEN":
        headers = (str(identity.get("Header", "Authorization")),)
    return Authorizer(
        name=name,
        function=function_spec(template, function_id),
        payload_type=payload_type,
        identity_headers=tuple(str(header) for header in headers),
        identity_query_strings=tuple(str(query) for query in identity.get("QueryStrings") or ()),
        reauthorize_every=int(identity.get("ReauthorizeEvery", 300)),
    )


@dataclass(frozen=True)
class GatewayResponse:
    """One entry of the API's ``GatewayResponses``.

    ``headers`` keeps the mapping expressions as written (``"'static'"`` or
    ``method.request.header.X``); ``templates`` maps a content type to its body template.
    """

    response_type: str
    status_code: int | None
    headers: dict[str, str] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)


def gateway_responses(template: Template, api_id: str | None = None) -> dict[str, GatewayResponse]:
    """The API's configured gateway responses, by response type."""
    api_id = api_id or default_api_id(template)
    configured = Intrinsics(template.document).resolve(
        _api_properties(template, api_id).get("GatewayResponses") or {}
    )
    responses = {}
    for response_type, definition in configured.items():
        definition = definition or {}
        parameters = definition.get("ResponseParameters") or {}
        status = definition.get("StatusCode")
        responses[response_type] = GatewayResponse(
            response_type=response_type,
            status_code=int(status) if status not in (None, "") else None,
            headers={str(name): str(value) for name, value in (parameters.get("Headers") or {}).items()},
            templates={
                str(name): str(value) for name, value in (definition.get("ResponseTemplates") or {}).items()
            },
        )
    return responses
