"""Claims assembled + scrubbed + serialized to 837P per second (pure domain, one core), and the
claims use case end to end over in-memory adapters. Figures for closing notes."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, date, datetime

from deploy.ops.synthetic import batch
from services.claims.adapters.memory import InMemoryClaimStore, InMemoryExchange
from services.claims.bootstrap import bootstrap, load_claim_rules, submission_settings
from services.claims.domain.assemble import assemble, missing_charges
from services.claims.domain.claim import Envelope
from services.claims.domain.scrubber import ClaimContext, scrub
from services.claims.domain.x837 import render_837p
from services.coding.domain.engine import code_encounter
from services.coding.domain.records import claim_coded
from services.coding.domain.rules import load_rules
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import ClaimCoded, CoverageVerified, Verification
from shared.icd10 import is_billable
from shared.messaging import RecordingPublisher
from shared.settings import Settings

RULES = load_claim_rules()
SUBMISSION = submission_settings(Settings())  # the shipped defaults: sender, receiver, batch size
VERIFIED = Verification(
    verification_id="b",
    outcome="covered",
    method="structural",
    verified_at=datetime(2026, 3, 2, tzinfo=UTC),
    reused=False,
    plan_year=2026,
)


def coded_events(count: int) -> list[ClaimCoded]:
    """Synthetic encounters coded by the real engine, as the coding service announces them."""
    rules, events = load_rules(), []
    for raw in batch(int(count * 1.4), seed=9, prefix="CB-", start=date(2026, 3, 2)):
        encounter = EncounterCompleted.model_validate(raw)
        result = code_encounter(encounter, rules, is_billable)
        if result.status == "coded" and len(events) < count:
            verified = CoverageVerified.caused_by(
                str(encounter.event_id), encounter.key, encounter=encounter, verification=VERIFIED
            )
            events.append(claim_coded(verified, result))
    return events


def main(count: int) -> None:
    events = coded_events(count)
    today = date(2026, 3, 20)
    started = time.perf_counter()
    claims = []
    for event in events:
        claim = assemble(event, RULES.charges)
        visit = event.encounter.encounter
        context = ClaimContext(
            visit.modality,
            visit.patient_location.setting,
            today,
            RULES.is_billable,
            {},
            missing_charges(event, RULES.charges),
        )
        if not scrub(claim, context, RULES.edits):
            claims.append(claim)
    size = SUBMISSION.max_claims
    for n, start in enumerate(range(0, len(claims), size), 1):
        render_837p(
            claims[start : start + size], Envelope("A", "B", n, n, 1, "2026-03-20T10:00:00"), SUBMISSION.submitter
        )
    pure = time.perf_counter() - started
    claims_service = bootstrap(InMemoryClaimStore(), InMemoryExchange(), RecordingPublisher(), SUBMISSION,
                               lambda: datetime(2026, 3, 20, tzinfo=UTC), RULES)  # fmt: skip
    started = time.perf_counter()
    for start in range(0, len(events), 500):
        asyncio.run(claims_service.submit(events[start : start + 500]))
    use_case = time.perf_counter() - started
    print(
        f"claims: {len(events)} assembled + scrubbed + serialized in {pure:.2f}s = {len(events) / pure:,.0f} claims/s "
        f"({len(claims)} clean); use case with in-memory store {len(events) / use_case:,.0f} claims/s"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
