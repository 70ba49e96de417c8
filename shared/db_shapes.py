"""The shape of a database command: its filter's field names, operators and the types of compared
values, never a value, so it can label a metric without carrying patient data. `make bench` ranks
shapes by the time they took; the type matters because FerretDB finds a document through its `_id`
index only for a text (or ObjectId) `_id` and reads the whole collection for any other."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FILTER_OF = {  # command name → where its filter is
    "find": lambda c: c.get("filter"),
    "count": lambda c: c.get("query"),
    "distinct": lambda c: c.get("query"),
    "findAndModify": lambda c: c.get("query"),
    "update": lambda c: first(c.get("updates"), "q"),
    "delete": lambda c: first(c.get("deletes"), "q"),
}


def first(statements: Any, key: str) -> Any:
    """A bulk write's shape is its first statement's: the code sends one shape per bulk."""
    if isinstance(statements, list) and statements and isinstance(statements[0], Mapping):
        return statements[0].get(key)
    return None


def command_shape(name: str, command: Mapping[str, Any]) -> str:
    if name == "aggregate":
        stages = command.get("pipeline") or []
        return "[" + ",".join(next(iter(stage), "?") for stage in stages if isinstance(stage, Mapping)) + "]"
    where = FILTER_OF.get(name)
    if where is None:
        return ""
    shape = filter_shape(where(command))
    sort = command.get("sort")
    if isinstance(sort, Mapping) and sort:
        shape += " sort " + ",".join(sort)
    return shape


def filter_shape(query: Any) -> str:
    if not isinstance(query, Mapping):
        return "{}"
    return "{" + ",".join(field_shape(key, value) for key, value in query.items()) + "}"


def field_shape(key: str, value: Any) -> str:
    if key in ("$and", "$or", "$nor") and isinstance(value, list):
        return key + "[" + ",".join(filter_shape(part) for part in value) + "]"
    if isinstance(value, Mapping) and value and all(str(k).startswith("$") for k in value):
        return key + ":" + "".join(sorted(value))
    return f"{key}={type_name(value)}"


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return {str: "str", float: "double", type(None): "null", list: "array"}.get(type(value), type(value).__name__)
