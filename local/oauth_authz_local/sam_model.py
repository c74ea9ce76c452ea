"""Read ``template.yaml`` the way SAM/CloudFormation do, for the local API and the tests.

The loader understands CloudFormation's short-form tags (``!Ref``, ``!Sub``, ``!GetAtt``...) and turns
them into the long form (``{"Ref": x}``, ``{"Fn::Sub": ...}``), so the template is read as written,
never by stripping the ``!``. A small resolver evaluates the intrinsics the local API needs (parameter
defaults, ``!Ref Table``, ``!Sub``, ``!FindInMap``, conditions) and the extractors below turn the
template into routes, the authorizer, gateway responses, function environments and the table's
``create_table`` arguments.

Importing this module is cheap (PyYAML and the standard library only): the tests build their moto
table from :func:`table_definition`.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from .constants import ACCOUNT_ID, REGION

__all__ = [
    "Authorizer",
    "CfnLoader",
    "FunctionSpec",
    "GatewayResponse",
    "Resolver",
    "Route",
    "TemplateError",
    "authorizer",
    "function_environment",
    "function_spec",
    "gateway_responses",
    "layer_dirs",
    "load_template",
    "repo_root",
    "routes",
    "table_definition",
    "table_logical_id",
    "ttl_attribute",
]

IMPLICIT_API = "ServerlessRestApi"


class TemplateError(ValueError):
    """The template cannot be read or uses something the local API does not support."""


# --------------------------------------------------------------------------------------------- loader
class CfnLoader(yaml.SafeLoader):
    """A ``yaml.SafeLoader`` that reads CloudFormation's short-form intrinsic function tags."""


def _construct_node(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise yaml.constructor.ConstructorError(None, None, f"unexpected node {node!r}", node.start_mark)


def _long_form(key: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {key: _construct_node(loader, node)}

    return construct


def _construct_getatt(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value = _construct_node(loader, node)
    if isinstance(value, str):
        # !GetAtt Resource.Attribute (the attribute itself may contain dots: Endpoint.Address)
        resource, _, attribute = value.partition(".")
        if not attribute:
            raise yaml.constructor.ConstructorError(
                None, None, f"!GetAtt needs Resource.Attribute, got {value!r}", node.start_mark
            )
        return {"Fn::GetAtt": [resource, attribute]}
    return {"Fn::GetAtt": value}


CfnLoader.add_constructor("!Ref", _long_form("Ref"))
CfnLoader.add_constructor("!Condition", _long_form("Condition"))
CfnLoader.add_constructor("!GetAtt", _construct_getatt)
for _name in (
    "Sub",
    "Join",
    "If",
    "Select",
    "Split",
    "FindInMap",
    "Equals",
    "Not",
    "And",
    "Or",
    "Base64",
    "ImportValue",
    "GetAZs",
    "Cidr",
    "Transform",
    "Length",
    "ToJsonString",
):
    CfnLoader.add_constructor(f"!{_name}", _long_form(f"Fn::{_name}"))


def repo_root() -> Path:
    """The repository holding ``template.yaml``: this file's checkout, else the working directory."""
    root = Path(__file__).resolve().parents[2]
    if (root / "template.yaml").is_file():
        return root
    return Path.cwd()


def load_template(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Load a SAM/CloudFormation template. The result remembers its directory under ``__dir__``."""
    template_path = Path(path) if path is not None else repo_root() / "template.yaml"
    with template_path.open(encoding="utf-8") as stream:
        template = yaml.load(stream, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise TemplateError(f"{template_path}: not a CloudFormation template (no Resources)")
    template["__dir__"] = str(template_path.resolve().parent)
    return template


def _template_dir(template: Mapping[str, Any]) -> Path:
    return Path(template.get("__dir__") or repo_root())


# ------------------------------------------------------------------------------------------- resolver
class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()

PSEUDO_PARAMETERS: dict[str, Any] = {
    "AWS::AccountId": ACCOUNT_ID,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "oauth-authz-local",
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/oauth-authz-local/local",
    "AWS::NotificationARNs": [],
}


class Resolver:
    """Evaluates the intrinsic functions of one template.

    ``Ref`` of a parameter gives its override or its default; ``Ref`` of a resource gives
    ``resource_refs[logical_id]`` when given, else the logical id itself (a stand-in for the physical
    name); ``Fn::GetAtt`` gives ``resource_attributes[(logical_id, attribute)]`` when given, else an
    ARN-looking stand-in.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        parameter_overrides: Mapping[str, Any] | None = None,
        resource_refs: Mapping[str, Any] | None = None,
        resource_attributes: Mapping[tuple[str, str], Any] | None = None,
    ) -> None:
        self.template = template
        self.parameter_overrides = dict(parameter_overrides or {})
        self.resource_refs = dict(resource_refs or {})
        self.resource_attributes = dict(resource_attributes or {})
        self._conditions: dict[str, bool] = {}

    # -- public
    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key == "Ref":
                    return self.ref(argument)
                if key == "Condition" and isinstance(argument, str):
                    return self.condition(argument)
                if key.startswith("Fn::"):
                    return self._function(key, argument)
            resolved = {key: self.resolve(item) for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not NO_VALUE}
        return value

    def ref(self, name: Any) -> Any:
        name = self.resolve(name)
        if not isinstance(name, str):
            raise TemplateError(f"Ref of a non-string: {name!r}")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        parameters = self.template.get("Parameters") or {}
        if name in parameters:
            return self.parameter(name)
        if name in self.resource_refs:
            return self.resource_refs[name]
        if name in (self.template.get("Resources") or {}):
            return name
        raise TemplateError(f"Ref to unknown name {name!r}")

    def parameter(self, name: str) -> Any:
        definition = (self.template.get("Parameters") or {})[name] or {}
        if name in self.parameter_overrides:
            value = self.parameter_overrides[name]
        elif "Default" in definition:
            value = definition["Default"]
        else:
            raise TemplateError(f"parameter {name!r} has no default and no override")
        if str(definition.get("Type", "")).startswith("CommaDelimitedList") and isinstance(value, str):
            return [part.strip() for part in value.split(",")] if value else []
        return value

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            conditions = self.template.get("Conditions") or {}
            if name not in conditions:
                raise TemplateError(f"unknown condition {name!r}")
            self._conditions[name] = bool(self.resolve(conditions[name]))
        return self._conditions[name]

    # -- intrinsic functions
    def _function(self, key: str, argument: Any) -> Any:
        handler = getattr(self, "_fn_" + key[len("Fn::") :].lower(), None)
        if handler is None:
            raise TemplateError(f"{key} is not supported locally")
        return handler(argument)

    def _fn_sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = argument[0], self.resolve(argument[1]) if len(argument) > 1 else {}
        else:
            text, variables = argument, {}
        if not isinstance(text, str):
            raise TemplateError(f"Fn::Sub needs a string, got {text!r}")

        def substitute(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("!"):
                return "${" + expression[1:] + "}"
            if expression in variables:
                return _to_string(variables[expression])
            if "." in expression and expression.split(".", 1)[0] in (self.template.get("Resources") or {}):
                resource, attribute = expression.split(".", 1)
                return _to_string(self._fn_getatt([resource, attribute]))
            return _to_string(self.ref(expression))

        return re.sub(r"\$\{([^}]*)\}", substitute, text)

    def _fn_getatt(self, argument: Any) -> Any:
        argument = self.resolve(argument)
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        resource, attribute = argument
        if (resource, attribute) in self.resource_attributes:
            return self.resource_attributes[(resource, attribute)]
        name = self.resource_refs.get(resource, resource)
        resource_type = ((self.template.get("Resources") or {}).get(resource) or {}).get("Type", "")
        if resource_type == "AWS::DynamoDB::Table" and attribute == "Arn":
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
        if resource_type == "AWS::Serverless::Function" and attribute == "Arn":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
        return f"arn:aws:local:{REGION}:{ACCOUNT_ID}:{name}/{attribute}"

    def _fn_join(self, argument: Any) -> str:
        delimiter, values = self.resolve(argument)
        return str(delimiter).join(_to_string(value) for value in values)

    def _fn_select(self, argument: Any) -> Any:
        index, values = self.resolve(argument)
        return values[int(index)]

    def _fn_split(self, argument: Any) -> list[str]:
        delimiter, text = self.resolve(argument)
        return str(text).split(str(delimiter))

    def _fn_if(self, argument: Any) -> Any:
        name, when_true, when_false = argument
        return self.resolve(when_true if self.condition(name) else when_false)

    def _fn_equals(self, argument: Any) -> bool:
        left, right = self.resolve(argument)
        return _to_string(left) == _to_string(right)

    def _fn_not(self, argument: Any) -> bool:
        (value,) = self.resolve(argument)
        return not value

    def _fn_and(self, argument: Any) -> bool:
        return all(self.resolve(argument))

    def _fn_or(self, argument: Any) -> bool:
        return any(self.resolve(argument))

    def _fn_findinmap(self, argument: Any) -> Any:
        map_name, top_key, second_key = self.resolve(argument)[:3]
        try:
            return self.template["Mappings"][map_name][top_key][second_key]
        except (KeyError, TypeError) as exc:
            raise TemplateError(f"Fn::FindInMap: no {map_name}/{top_key}/{second_key}") from exc

    def _fn_base64(self, argument: Any) -> str:
        return base64.b64encode(_to_string(self.resolve(argument)).encode()).decode()

    def _fn_getazs(self, argument: Any) -> list[str]:
        region = self.resolve(argument) or REGION
        return [f"{region}{zone}" for zone in "abc"]


def _to_string(value: Any) -> str:
    """CloudFormation's string form of a scalar (environment variables, Sub, Join)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


# ------------------------------------------------------------------------------------------ resources
def _resources(template: Mapping[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in (template.get("Resources") or {}).items()
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


def _function_properties(template: Mapping[str, Any], logical_id: str) -> dict[str, Any]:
    resource = _resources(template, "AWS::Serverless::Function").get(logical_id)
    if resource is None:
        raise TemplateError(f"no AWS::Serverless::Function {logical_id!r}")
    global_properties = ((template.get("Globals") or {}).get("Function")) or {}
    return _merge_globals(global_properties, resource.get("Properties") or {})


def table_logical_id(template: Mapping[str, Any]) -> str:
    """The logical id of the DynamoDB table: ``Table``, or the only ``AWS::DynamoDB::Table``."""
    tables = _resources(template, "AWS::DynamoDB::Table")
    if "Table" in tables:
        return "Table"
    if len(tables) == 1:
        return next(iter(tables))
    raise TemplateError(f"expected one AWS::DynamoDB::Table, found {sorted(tables)}")


_GSI_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput")
_LSI_KEYS = ("IndexName", "KeySchema", "Projection")


def table_definition(template: Mapping[str, Any]) -> dict[str, Any]:
    """``create_table`` keyword arguments (without ``TableName``) from the template's table."""
    logical_id = table_logical_id(template)
    properties = Resolver(template).resolve(template["Resources"][logical_id].get("Properties") or {})
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


def ttl_attribute(template: Mapping[str, Any]) -> str | None:
    """The table's TTL attribute when ``TimeToLiveSpecification`` enables one."""
    logical_id = table_logical_id(template)
    properties = Resolver(template).resolve(template["Resources"][logical_id].get("Properties") or {})
    specification = properties.get("TimeToLiveSpecification") or {}
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


def function_spec(template: Mapping[str, Any], logical_id: str) -> FunctionSpec:
    resolver = Resolver(template)
    raw = _function_properties(template, logical_id)
    properties = {
        key: resolver.resolve(raw[key])
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
        code_dir=(_template_dir(template) / code_uri).resolve(),
        handler_module=module,
        handler_function=function,
        timeout=int(properties.get("Timeout", 3)),
        memory_size=int(properties.get("MemorySize", 128)),
    )


def function_environment(
    template: Mapping[str, Any],
    logical_id: str,
    table_name: str,
    parameter_overrides: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The function's environment variables (Globals merged), with intrinsics resolved.

    ``!Ref`` of a parameter gives its override or default; ``!Ref`` of the table gives ``table_name``.
    """
    properties = _function_properties(template, logical_id)
    variables = (properties.get("Environment") or {}).get("Variables") or {}
    resolver = Resolver(
        template,
        parameter_overrides=parameter_overrides,
        resource_refs={table_logical_id(template): table_name}
        if _resources(template, "AWS::DynamoDB::Table")
        else {},
    )
    resolved = resolver.resolve(variables)
    return {str(name): _to_string(value) for name, value in resolved.items()}


def layer_dirs(template: Mapping[str, Any]) -> list[Path]:
    """Local directories of the template's layers (what Lambda puts under /opt)."""
    directories = []
    for resource in _resources(template, "AWS::Serverless::LayerVersion").values():
        content_uri = (resource.get("Properties") or {}).get("ContentUri")
        if isinstance(content_uri, str):
            directories.append((_template_dir(template) / content_uri).resolve())
    return directories


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


def _api_properties(template: Mapping[str, Any], api_id: str) -> dict[str, Any]:
    global_properties = ((template.get("Globals") or {}).get("Api")) or {}
    resource = _resources(template, "AWS::Serverless::Api").get(api_id)
    if resource is None:
        if api_id != IMPLICIT_API:
            raise TemplateError(f"no AWS::Serverless::Api {api_id!r}")
        return dict(global_properties)
    return _merge_globals(global_properties, resource.get("Properties") or {})


def default_api_id(template: Mapping[str, Any]) -> str:
    apis = _resources(template, "AWS::Serverless::Api")
    if "Api" in apis:
        return "Api"
    if len(apis) == 1:
        return next(iter(apis))
    if not apis:
        return IMPLICIT_API
    raise TemplateError(f"several AWS::Serverless::Api resources: {sorted(apis)}; name one")


def routes(template: Mapping[str, Any]) -> list[Route]:
    """Every ``Type: Api`` event of every function, in template order."""
    resolver = Resolver(template)
    found: list[Route] = []
    for logical_id, resource in _resources(template, "AWS::Serverless::Function").items():
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
                api_id = str(resolver.resolve(rest_api))
            api_auth = _api_properties(template, api_id).get("Auth") or {}
            default_authorizer = api_auth.get("DefaultAuthorizer")
            event_auth = properties.get("Auth") or {}
            authorizer_name = event_auth.get("Authorizer", default_authorizer)
            if authorizer_name in ("NONE", "AWS_IAM"):
                authorizer_name = None
            found.append(
                Route(
                    method=str(resolver.resolve(properties["Method"])).upper(),
                    path=str(resolver.resolve(properties["Path"])),
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


def authorizer(
    template: Mapping[str, Any], name: str | None = None, api_id: str | None = None
) -> Authorizer | None:
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
    resolver = Resolver(template)
    identity = resolver.resolve(definition.get("Identity") or {})
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


def gateway_responses(template: Mapping[str, Any], api_id: str | None = None) -> dict[str, GatewayResponse]:
    """The API's configured gateway responses, by response type."""
    api_id = api_id or default_api_id(template)
    configured = Resolver(template).resolve(_api_properties(template, api_id).get("GatewayResponses") or {})
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
