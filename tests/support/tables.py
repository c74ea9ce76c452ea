"""The moto table, created from template.yaml's own definition (STYLE habit 13), and a view of its items."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from oauth_authz_local.sam_model import Template, load_template, table_definition, ttl_attribute


@cache
def _template() -> Template:
    return load_template()


def create_table(client: Any, name: str) -> None:
    """`create_table` with the template's keys, attributes, billing and indexes, and its TTL."""
    template = _template()
    client.create_table(TableName=name, **table_definition(template))
    attribute = ttl_attribute(template)
    if attribute:
        client.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
        )


def plain(value: dict[str, Any]) -> Any:
    """A DynamoDB attribute value as plain Python (N as int, M as dict, L as list)."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return inner
    if kind == "N":
        return int(inner) if inner.lstrip("-").isdigit() else float(inner)
    if kind == "M":
        return {k: plain(v) for k, v in inner.items()}
    if kind == "L":
        return [plain(v) for v in inner]
    if kind in ("SS", "NS", "BS"):
        return set(inner)
    if kind == "BOOL":
        return bool(inner)
    if kind == "NULL":
        return None
    return inner


@dataclass(frozen=True)
class TableView:
    client: Any
    name: str

    def raw_items(self) -> Iterator[dict[str, Any]]:
        """Every item (a paginated Scan: tests only)."""
        params: dict[str, Any] = {"TableName": self.name, "ConsistentRead": True}
        while True:
            page = self.client.scan(**params)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def items(self) -> list[dict[str, Any]]:
        """Every item as plain Python."""
        return [{k: plain(v) for k, v in item.items()} for item in self.raw_items()]

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.name, Key={"PK": {"S": pk}, "SK": {"S": sk}}, ConsistentRead=True
        ).get("Item")
        return None if item is None else {k: plain(v) for k, v in item.items()}

    def keys(self) -> set[tuple[str, str]]:
        return {(item["PK"], item["SK"]) for item in self.items()}
