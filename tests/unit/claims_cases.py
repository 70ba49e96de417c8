"""Builders for the claims tests: a `claim-coded` event from the shared examples, and a claims
service over in-memory adapters with a controllable clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.claims.adapters.exchange import DirectoryExchange
from services.claims.adapters.memory import InMemoryClaimStore, InMemoryExchange
from services.claims.bootstrap import Claims, bootstrap, load_claim_rules, submission_settings
from services.claims.domain.records import ClaimRecord
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import ClaimCoded, ClaimSubmitted, CodedLine, Verification
from shared.messaging import RecordingPublisher
from shared.settings import Settings
from tests.conftest import example

RULES = load_claim_rules()
SUBMISSION = submission_settings(Settings())  # the shipped defaults: sender, receiver, batch size
FILED_ON = datetime(2026, 3, 10, tzinfo=UTC)


def claims_over_folders(store: Any, root: Path) -> Claims:
    """The claims use cases on a given store, dropping to and reading from real folders under `root`."""
    return bootstrap(store, DirectoryExchange(root), RecordingPublisher(), SUBMISSION, lambda: FILED_ON, RULES)


VERIFIED = Verification(
    verification_id="v1",
    outcome="covered",
    method="structural",
    verified_at=datetime(2026, 3, 2, tzinfo=UTC),
    reused=False,
    plan_year=2026,
)


def line(
    code: str = "99213",
    modifiers: tuple[str, ...] = ("95",),
    pointers: tuple[int, ...] = (1, 2),
    day: str = "2026-03-02",
    units: int = 1,
) -> CodedLine:
    return CodedLine(
        code=code, modifiers=list(modifiers), units=units, diagnosis_pointers=list(pointers),
        date_of_service=day, rule="test", source="test", explanation="test line",
    )  # fmt: skip


def coded(
    encounter_id: str = "E1",
    lines: list[CodedLine] | None = None,
    diagnoses: tuple[str, ...] = ("E119", "I10"),
    pos: str = "10",
    base: str = "01-medicare-video-home-established.json",
    **changes: Any,
) -> ClaimCoded:
    data = example(base)
    data["encounter"]["encounter_id"] = encounter_id
    for dotted, value in changes.items():
        *path, last = dotted.split("__")
        target = data
        for part in path:
            target = target.setdefault(part, {})
        target[last] = value
    encounter = EncounterCompleted.model_validate(data)
    return ClaimCoded.caused_by(
        "cause", encounter.key, encounter=encounter, verification=VERIFIED, place_of_service=pos,
        diagnoses=list(diagnoses), lines=lines or [line()],
    )  # fmt: skip


@dataclass
class ClaimsWorld:
    now: datetime = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    store: InMemoryClaimStore = field(default_factory=InMemoryClaimStore)
    exchange: InMemoryExchange = field(default_factory=InMemoryExchange)
    publisher: RecordingPublisher = field(default_factory=RecordingPublisher)

    def __post_init__(self) -> None:
        self.claims: Claims = bootstrap(self.store, self.exchange, self.publisher, SUBMISSION, lambda: self.now, RULES)

    def submit(self, *events: ClaimCoded) -> list[ClaimSubmitted]:
        before = len(self.publisher.sent)
        asyncio.run(self.claims.submit(list(events)))
        return [ClaimSubmitted.model_validate_json(m.value) for m in self.publisher.sent[before:]]

    def record(self, record_id: str) -> ClaimRecord:
        return asyncio.run(self.store.records([record_id]))[record_id]

    def stored(self, record_id: str) -> dict[str, Any]:
        """The claim's document as the store keeps it (sealed where it must be)."""
        return self.store.outbox.docs[record_id]

    def run(self, coroutine: Any) -> Any:
        return asyncio.run(coroutine)
