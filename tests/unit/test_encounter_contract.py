"""The encounter-completed model is the contract: the project's worked examples get their verdicts, and
where the upstream contract is beside the checkout (../shared/contracts), the model's schema and the
project's examples are checked against it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from shared.contracts.encounter import V1_EXTENSIONS, EncounterCompleted
from tests.conftest import EXAMPLES, SHARED

UPSTREAM = SHARED / "contracts"
needs_upstream = pytest.mark.skipif(
    not UPSTREAM.is_dir(), reason=f"compares with the upstream contract, and {UPSTREAM} is absent (clone alone)"
)

VALID = sorted(p for p in EXAMPLES.glob("*.json") if int(p.name[:2]) < 90)
INVALID = sorted(p for p in EXAMPLES.glob("*.json") if int(p.name[:2]) >= 90)
KEPT = (
    "type",
    "enum",
    "const",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "additionalProperties",
)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_examples_are_accepted(path) -> None:  # type: ignore[no-untyped-def]
    event = EncounterCompleted.model_validate_json(path.read_text())
    assert event.key == f"{event.source}:{event.encounter.encounter_id}"


def test_there_are_examples_of_both_kinds() -> None:
    assert len(VALID) >= 4 and len(INVALID) >= 1


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_examples_are_rejected_naming_every_problem(path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        EncounterCompleted.model_validate_json(path.read_text())
    locations = {".".join(map(str, e["loc"])) for e in caught.value.errors()}
    assert locations == {"event_id", "encounter.modality", "encounter.diagnoses.1", "patient.birth_date", "unexpected"}


def resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        return resolve({**root["$defs"][name], **{k: v for k, v in schema.items() if k != "$ref"}}, root)
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    if options and len(options) == 1:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        return resolve({**options[0], **rest}, root)
    return schema


def shape(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """What a schema constrains, with pydantic's presentation (titles, null branches, refs) removed."""
    schema = resolve(schema, root)
    out: dict[str, Any] = {k: schema[k] for k in KEPT if k in schema}
    if "const" in out:
        out.pop("type", None)
    if "enum" in out:
        out["enum"] = sorted(out["enum"])
        out.pop("type", None)
    if schema.get("additionalProperties") is not False:
        out.pop("additionalProperties", None)
    if "properties" in schema:
        out["type"] = "object"
        out["required"] = sorted(schema.get("required", []))
        out["properties"] = {name: shape(sub, root) for name, sub in schema["properties"].items()}
    if "items" in schema:
        out["items"] = shape(schema["items"], root)
    return out


def without_extensions(shaped: dict[str, Any]) -> dict[str, Any]:
    """Our shape less the optional fields v1 is extended with (the shared schema lets objects carry
    keys it does not name, so a platform may send them): each must be optional."""
    for dotted in V1_EXTENSIONS:
        *path, name = dotted.split(".")
        node = shaped
        for part in path:
            node = node["properties"][part]
        assert name not in node["required"], f"{dotted} must stay optional"
        del node["properties"][name]
    return shaped


@needs_upstream
def test_the_project_keeps_the_upstream_examples_unchanged() -> None:
    upstream = sorted((UPSTREAM / "examples").glob("*.json"))
    assert upstream
    for path in upstream:
        assert json.loads((EXAMPLES / path.name).read_text()) == json.loads(path.read_text()), path.name


@needs_upstream
def test_exported_schema_matches_the_shared_contract_but_for_its_optional_extensions() -> None:
    shared = json.loads((SHARED / "contracts" / "encounter-completed.schema.json").read_text())
    ours = EncounterCompleted.model_json_schema()
    assert without_extensions(shape(ours, ours)) == shape(shared, shared)
    assert shape(shared, shared)["properties"]["encounter"].get("additionalProperties") is not False
