"""CloudFormation's intrinsic functions, evaluated the way the local API needs them.

Parameter defaults and overrides, pseudo parameters, ``Ref`` of a resource (its physical name when known,
else the logical id), ``Fn::GetAtt`` (ARN-looking stand-ins), ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``,
``Fn::Split``, ``Fn::FindInMap``, ``Fn::Base64``, ``Fn::GetAZs`` and conditions (``Fn::If``, ``Fn::Equals``,
``Fn::Not``, ``Fn::And``, ``Fn::Or``). Anything else is a :class:`TemplateError`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from ..constants import ACCOUNT_ID, REGION

__all__ = ["NO_VALUE", "PSEUDO_PARAMETERS", "Intrinsics", "TemplateError", "to_string"]


class TemplateError(ValueError):
    """The template cannot be read or uses something the local API does not support."""


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


class Intrinsics:
    """Evaluates the intrinsic functions of one template (its parsed document).

    ``Ref`` of a parameter gives its override or its default; ``Ref`` of a resource gives
    ``resource_refs[logical_id]`` when given, else the logical id itself (a stand-in for the physical
    name); ``Fn::GetAtt`` gives ``resource_attributes[(logical_id, attribute)]`` when given, else an
    ARN-looking stand-in.
    """

    def __init__(
        self,
        document: Mapping[str, Any],
        parameter_overrides: Mapping[str, Any] | None = None,
        resource_refs: Mapping[str, Any] | None = None,
        resource_attributes: Mapping[tuple[str, str], Any] | None = None,
    ) -> None:
        self.document = document
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
        parameters = self.document.get("Parameters") or {}
        if name in parameters:
            return self.parameter(name)
        if name in self.resource_refs:
            return self.resource_refs[name]
        if name in (self.document.get("Resources") or {}):
            return name
        raise TemplateError(f"Ref to unknown name {name!r}")

    def parameter(self, name: str) -> Any:
        definition = (self.document.get("Parameters") or {})[name] or {}
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
            conditions = self.document.get("Conditions") or {}
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
                return to_string(variables[expression])
            if "." in expression and expression.split(".", 1)[0] in (self.document.get("Resources") or {}):
                resource, attribute = expression.split(".", 1)
                return to_string(self._fn_getatt([resource, attribute]))
            return to_string(self.ref(expression))

        return re.sub(r"\$\{([^}]*)\}", substitute, text)

    def _fn_getatt(self, argument: Any) -> Any:
        argument = self.resolve(argument)
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        resource, attribute = argument
        if (resource, attribute) in self.resource_attributes:
            return self.resource_attributes[(resource, attribute)]
        name = self.resource_refs.get(resource, resource)
        resource_type = ((self.document.get("Resources") or {}).get(resource) or {}).get("Type", "")
        if resource_type == "AWS::DynamoDB::Table" and attribute == "Arn":
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
        if resource_type == "AWS::Serverless::Function" and attribute == "Arn":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
        return f"arn:aws:local:{REGION}:{ACCOUNT_ID}:{name}/{attribute}"

    def _fn_join(self, argument: Any) -> str:
        delimiter, values = self.resolve(argument)
        return str(delimiter).join(to_string(value) for value in values)

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
        return to_string(left) == to_string(right)

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
            return self.document["Mappings"][map_name][top_key][second_key]
        except (KeyError, TypeError) as exc:
            raise TemplateError(f"Fn::FindInMap: no {map_name}/{top_key}/{second_key}") from exc

    def _fn_base64(self, argument: Any) -> str:
        return base64.b64encode(to_string(self.resolve(argument)).encode()).decode()

    def _fn_getazs(self, argument: Any) -> list[str]:
        region = self.resolve(argument) or REGION
        return [f"{region}{zone}" for zone in "abc"]


def to_string(value: Any) -> str:
    """CloudFormation's string form of a scalar (environment variables, Sub, Join)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)
