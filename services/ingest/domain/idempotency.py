"""One encounter per key (`source:encounter_id`), however often a platform sends it. Pure.

Two sends are the same encounter when their payload digests match. The digest is the SHA-256 of
the validated event as canonical JSON (every field with its default filled in, sorted keys, no
spaces) *without* `event_id` and `occurred_at`: those describe the sending, not the visit, and a
platform that retries mints a new event id and time. Unknown keys inside objects are ignored by
the contract and never forwarded, so they are not part of it either. The same key with another
digest is a different version of the visit: refused (a correction of an accepted encounter is a
claim replacement, not a resend).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.ingest.domain.intake import Problem
from shared.contracts.encounter import EncounterCompleted
from shared.phi.fields import PLAIN

NOT_THE_PAYLOAD = frozenset({"event_id", "occurred_at"})


def payload_digest(event: EncounterCompleted) -> str:
    canonical = json.dumps(
        event.model_dump(mode="json", exclude=set(NOT_THE_PAYLOAD), context=PLAIN),
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Candidate:
    """One checked item of a request, ready to be produced."""

    index: int
    event: EncounterCompleted
    digest: str
    value: str
    warnings: tuple[Problem, ...] = ()

    @property
    def key(self) -> str:
        return self.event.key

    @property
    def event_id(self) -> str:
        return str(self.event.event_id)

    @property
    def record_bytes(self) -> int:
        return len(self.key.encode()) + len(self.value.encode())


@dataclass(frozen=True)
class Accepted:
    """What ingest remembers of an encounter once the broker has it."""

    key: str
    digest: str
    event_id: str
    accepted_at: datetime


def first_of_each_key(candidates: Sequence[Candidate]) -> dict[str, Candidate]:
    first: dict[str, Candidate] = {}
    for candidate in candidates:
        first.setdefault(candidate.key, candidate)
    return first


def conflicts_within(candidates: Sequence[Candidate]) -> list[Problem]:
    """Items that repeat an earlier item's key with other content (identical repeats are fine)."""
    first = first_of_each_key(candidates)
    return [
        Problem(c.index, "encounter.encounter_id", f"same key as item {first[c.key].index} with other content", c.key)
        for c in candidates
        if c.digest != first[c.key].digest
    ]


def conflicts_with(first: Mapping[str, Candidate], stored: Mapping[str, Accepted]) -> list[Problem]:
    message = "already accepted with other content (correct an accepted encounter by a claim replacement)"
    return [
        Problem(c.index, "encounter.encounter_id", f"key {key} {message}", key)
        for key, c in first.items()
        if key in stored and stored[key].digest != c.digest
    ]


def item_status(
    candidate: Candidate, first: Mapping[str, Candidate], stored: Mapping[str, Accepted]
) -> dict[str, object]:
    """How one item of an accepted request was taken: sent now, already accepted, or a repeat."""
    found: dict[str, object] = {"index": candidate.index, "event_id": candidate.event_id, "key": candidate.key}
    earlier = stored.get(candidate.key)
    if earlier is not None:
        found |= {"status": "already_accepted", "accepted_event_id": earlier.event_id}
    elif first[candidate.key] is not candidate:
        found |= {"status": "duplicate", "duplicate_of": first[candidate.key].index}
    else:
        found |= {"status": "accepted"}
    return found | {"warnings": [w.as_dict() for w in candidate.warnings]}
