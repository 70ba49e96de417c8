"""The envelope every pipeline event carries (documented in shared/contracts/published/asyncapi.yaml)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Cents = Annotated[int, Field(description="Money in integer US cents.")]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


def new_event_id() -> str:
    return str(uuid.uuid4())


def utc_now() -> datetime:
    return datetime.now(UTC)


def encounter_key(source: str, encounter_id: str) -> str:
    """The Kafka key and correlation id of one encounter, carried end to end."""
    return f"{source}:{encounter_id}"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class PipelineEvent(Frozen):
    """Envelope fields; subclasses pin `event_type` and `schema_version` with Literal defaults."""

    event_id: str = Field(default_factory=new_event_id)
    event_type: str
    schema_version: int
    occurred_at: datetime = Field(default_factory=utc_now)
    correlation_id: NonEmpty
    causation_id: NonEmpty

    @classmethod
    def caused_by(cls, cause_event_id: str, correlation_id: str, **fields: Any) -> Self:
        return cls(
            correlation_id=correlation_id,
            causation_id=cause_event_id,
            **fields,
        )

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()
