"""Which fields hold protected health information, and how they travel: `Phi("<field name>")` on a
model field seals the field's value whenever the model is serialized (Kafka payloads, documents
stored in MongoDB, outboxes) and opens a sealed value whenever a model is validated, so a consumer
or a repository that reads a model gets the clear value and nothing serialized holds it.

The label a value is sealed under is its field's name: `reveal` can then open every sealed value of
a stored document for an API answer without knowing the model. In-process uses that need the clear
serialized form (an idempotency digest, a plausibility scan) pass `context=PLAIN`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, SerializationInfo, SerializerFunctionWrapHandler
from pydantic_core import core_schema

from shared.phi.keyring import is_sealed
from shared.phi.ring import process_ring

PLAIN = {"phi": "plain"}


@dataclass(frozen=True)
class Phi:
    label: str

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        label = self.label

        def opened(value: Any) -> Any:
            return process_ring().open_json(value, label) if is_sealed(value) else value

        def sealed(value: Any, serialize: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
            plain = serialize(value)
            if plain is None or (info.context or {}).get("phi") == "plain":
                return plain
            return process_ring().seal_json(plain, label)

        return core_schema.no_info_before_validator_function(
            opened,
            handler(source),
            serialization=core_schema.wrap_serializer_function_ser_schema(sealed, info_arg=True),
        )


def sealed_as(key: str, value: Any) -> Any:
    """A value a repository stores under `key`, sealed the way `Phi` seals a field (None stays None)."""
    return None if value is None else process_ring().seal_json(value, key)


def pseudonym(value: str, label: str) -> str:
    """A stable stand-in for an identifying value a store must find things by (a keyed hash)."""
    return process_ring().lookup(value, label)


def reveal(value: Any) -> Any:
    """A stored document (or part of one) with every sealed value opened: for an authorized, audited
    API answer. A value's label is the key it is stored under."""
    if isinstance(value, Mapping):
        return {key: opened_under(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [reveal(item) for item in value]
    return value


def opened_under(key: str, value: Any) -> Any:
    """`value` as stored under `key`: a sealed value opened, and each sealed item of a list."""
    if isinstance(value, list):
        return [opened_under(key, item) for item in value]
    return reveal(process_ring().open_json(value, key) if is_sealed(value) else value)
