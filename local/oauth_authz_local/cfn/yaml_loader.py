"""CloudFormation's YAML: a ``yaml.SafeLoader`` that reads the short-form tags (``!Ref``, ``!Sub``,
``!GetAtt``...) as the long form they stand for (``{"Ref": x}``, ``{"Fn::Sub": ...}``), so a template is read
as written, never by stripping the ``!``. PyYAML and the standard library only: aws-sam-cli's interpreter
imports it too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

__all__ = ["CfnLoader", "read_yaml"]


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


def read_yaml(path: str | os.PathLike[str]) -> Any:
    """The YAML document at ``path``, CloudFormation's tags in their long form."""
    with Path(path).open(encoding="utf-8") as stream:
        return yaml.load(stream, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader
