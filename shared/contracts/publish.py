"""Write the project's published contracts from its models and topic registry: one JSON Schema per
pipeline topic (v1) and one for dead letters, and an AsyncAPI 3 document over the five topics and
their dead-letter topics. Worked `encounter-completed` examples sit beside them (`examples/`).

Run `python -m shared.contracts.publish` after a deliberate change; a test fails while a committed
file and the models differ, so a contract never drifts by accident."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel

from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import DeadLetter
from shared.topics import PIPELINE, Topic

PUBLISHED = Path(__file__).resolve().parent / "published"
EXAMPLES = PUBLISHED / "examples"
ASYNCAPI_FILE = PUBLISHED / "asyncapi.yaml"
DEAD_LETTER_FILE = PUBLISHED / "dead-letter.v1.schema.json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
VERSIONING = (
    "Versioning: additive optional fields keep `schema_version` 1; anything else is version 2 on a new "
    "topic (`<topic>.v2`), published alongside v1 until consumers move. Consumers are idempotent by "
    "`event_id`; the key (`source:encounter_id`, also the correlation_id) keeps an encounter's events in order."
)


def schema_file(topic: Topic) -> Path:
    return PUBLISHED / f"{topic.name}.v1.schema.json"


def schema_of(model: type[BaseModel], schema_id: str) -> dict[str, Any]:
    # The input contract is what the pipeline accepts; every other topic is what it writes.
    mode: Literal["validation", "serialization"] = "validation" if model is EncounterCompleted else "serialization"
    return {"$schema": SCHEMA_DIALECT, "$id": schema_id, **model.model_json_schema(mode=mode)}


def camel(name: str) -> str:
    first, *rest = name.split("-")
    return first + "".join(part.capitalize() for part in rest)


def channels() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for topic in PIPELINE:
        message = camel(topic.name)
        found[message] = {
            "address": topic.name,
            "description": "Key = the encounter key `source:encounter_id` (also the event's correlation_id).",
            "messages": {message: {"$ref": f"#/components/messages/{message}"}},
        }
        found[f"{message}DeadLetters"] = {
            "address": topic.dlq,
            "description": "Records a consumer could not process: the reason, every error, the sealed raw "
            "bytes, partition and offset (replayable).",
            "messages": {"deadLetter": {"$ref": "#/components/messages/deadLetter"}},
        }
    return found


def operations() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for topic in PIPELINE:
        channel = {"$ref": f"#/channels/{camel(topic.name)}"}
        name = camel(topic.name)
        found[f"publish{name[0].upper()}{name[1:]}"] = {
            "action": "send",
            "channel": channel,
            "description": f"Published by {topic.producer}.",
        }
        found[f"consume{name[0].upper()}{name[1:]}"] = {
            "action": "receive",
            "channel": channel,
            "description": f"Consumed by {', '.join(topic.consumers)}.",
        }
    return found


def messages() -> dict[str, Any]:
    found: dict[str, Any] = {
        camel(topic.name): {
            "name": topic.name,
            "contentType": "application/json",
            "description": topic.meaning,
            "payload": {
                "schemaFormat": "application/schema+json;version=draft-2020-12",
                "schema": {"$ref": f"./{schema_file(topic).name}"},
            },
        }
        for topic in PIPELINE
    }
    found["deadLetter"] = {
        "name": "dead-letter",
        "contentType": "application/json",
        "description": "What lands on `<topic>.dlq`; patient data in the record travels sealed.",
        "payload": {
            "schemaFormat": "application/schema+json;version=draft-2020-12",
            "schema": {"$ref": f"./{DEAD_LETTER_FILE.name}"},
        },
    }
    return found


def asyncapi() -> dict[str, Any]:
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "telebill pipeline events",
            "version": "1.0.0",
            "description": "The five topics of the telehealth billing pipeline and their dead-letter topics. "
            + VERSIONING,
        },
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "The project's local Apache Kafka 3.9 (KRaft); docker-compose uses kafka:9092.",
            }
        },
        "channels": channels(),
        "operations": operations(),
        "components": {"messages": messages()},
    }


def as_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def rendered() -> dict[Path, str]:
    """Every published file and the text it must hold."""
    files = {schema_file(topic): as_json(schema_of(topic.model, f"{topic.name}/v1")) for topic in PIPELINE}
    files[DEAD_LETTER_FILE] = as_json(schema_of(DeadLetter, "dead-letter/v1"))
    files[ASYNCAPI_FILE] = yaml.safe_dump(asyncapi(), sort_keys=False, width=110, allow_unicode=True)
    return files


if __name__ == "__main__":
    for path, text in rendered().items():
        path.write_text(text)
        print(f"wrote {path}")
