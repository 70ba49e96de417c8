"""From the bytes of a request to a batch of JSON objects of one source, or a refusal. Pure.

A body is one encounter object or an array of them. Everything that is not — bytes that are not
UTF-8 JSON, nesting deeper than the limit, an empty or oversized array, items that are not
objects, a `source` that is missing, not a string or not the same in every item — is refused here,
before the signature (which needs the source) and the contract.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from services.ingest.domain.intake import Limits, Outcome, Problem, invalid, too_large

BODY = "(body)"
BAD_BODY = "invalid request body"


@dataclass(frozen=True)
class Batch:
    items: list[dict[str, Any]]
    source: str


def read_batch(body: bytes, limits: Limits) -> Batch | Outcome:
    data = parsed_json(body, limits.max_json_depth)
    if isinstance(data, Problem):
        return invalid([data], BAD_BODY)
    items = data if isinstance(data, list) else [data]
    if not items:
        return invalid([Problem(None, BODY, "empty batch: send at least one encounter")], BAD_BODY)
    if len(items) > limits.max_batch:
        detail = f"batch of {len(items)} encounters is more than {limits.max_batch}"
        return too_large(detail, "ingest_max_batch", limits.max_batch)
    return one_source(items)


def parsed_json(body: bytes, max_depth: int) -> Any:
    """The decoded JSON, or the Problem that stops it."""
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=refuse_constant)
    except UnicodeDecodeError as error:
        return Problem(None, BODY, f"not UTF-8 (byte {error.start})")
    except json.JSONDecodeError as error:
        return Problem(None, BODY, f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}")
    except RecursionError:
        return too_deep(max_depth)
    except ValueError as error:
        return Problem(None, BODY, f"not valid JSON: {error}")
    return too_deep(max_depth) if nesting_depth(data) > max_depth else data


def refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def too_deep(max_depth: int) -> Problem:
    return Problem(None, BODY, f"JSON nested deeper than {max_depth} levels")


def nesting_depth(value: Any) -> int:
    """Levels of arrays and objects, counted without recursion (a hostile body may be deep)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        node, level = pending.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        pending.extend((child, level + 1) for child in children)
    return deepest


def one_source(items: list[Any]) -> Batch | Outcome:
    problems = [Problem(i, "(item)", "not a JSON object") for i, item in enumerate(items) if not isinstance(item, dict)]
    problems += source_problems(items)
    if problems:
        return invalid(sorted(problems, key=lambda p: p.index or 0), BAD_BODY)
    return Batch(items, items[0]["source"])


def source_problems(items: list[Any]) -> list[Problem]:
    """The signature is checked with the source's secret, so a request carries exactly one source."""
    problems, first = [], None
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        source = item.get("source")
        if source is None:
            problems.append(Problem(index, "source", "missing"))
        elif not isinstance(source, str):
            problems.append(Problem(index, "source", "must be a string"))
        elif first is None:
            first = (index, source)
        elif source != first[1]:
            problems.append(Problem(index, "source", f"differs from item {first[0]}: one request, one source"))
    return problems
