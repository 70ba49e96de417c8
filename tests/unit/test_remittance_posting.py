"""Posting an 835 with in-memory adapters: matched, parked and re-matched, duplicate, unbalanced, unreadable."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from services.remittance.adapters.memory import InMemoryRemittanceStore
from services.remittance.bootstrap import bootstrap
from shared.contracts.events import ClaimSubmitted, PaymentPosted, SubmittedLine
from shared.messaging import RecordingPublisher
from tests.conftest import SHARED

ERA = (SHARED / "x12-samples" / "linuxforhealth" / "835_005010X221A1" / "managed-care.835").read_text()
PCNS = {"5554555444": 80000, "8765432112": 120000}  # CLP01 and CLP03 of that file


def submitted(pcn: str, charge: int) -> ClaimSubmitted:
    line = SubmittedLine(
        line_number=1, code="99213", modifiers=[], units=1, charge_cents=charge, date_of_service=date(2026, 3, 2)
    )
    return ClaimSubmitted.caused_by(
        "cause",
        f"acme:{pcn}",
        claim_id=pcn,
        patient_control_number=pcn,
        payer_id="P",
        payer_name="PAYER",
        plan_type="commercial",
        interchange_control_number="000000001",
        group_control_number="1",
        transaction_set_control_number="0001",
        file_name="TB000000001.837",
        total_charge_cents=charge,
        lines=[line],
    )


def posting() -> tuple:  # type: ignore[type-arg]
    store, publisher = InMemoryRemittanceStore(), RecordingPublisher()
    return bootstrap(store, publisher, clock=lambda: datetime(2026, 3, 9, tzinfo=UTC)), store, publisher


def test_matched_claims_post_balanced_payments_and_a_second_copy_posts_nothing() -> None:
    handler, _, publisher = posting()
    asyncio.run(handler.record_submissions([submitted(pcn, charge) for pcn, charge in PCNS.items()]))
    assert asyncio.run(handler.post_file("a.835", ERA)) == "posted"
    assert asyncio.run(handler.post_file("a-again.835", ERA)) == "duplicate"
    payments = [PaymentPosted.model_validate_json(m.value) for m in publisher.sent]
    assert sorted((p.patient_control_number, p.paid_cents) for p in payments) == [
        ("5554555444", 45000),
        ("8765432112", 49500),
    ]


def test_a_remittance_that_beats_its_claim_is_parked_then_posted() -> None:
    handler, store, publisher = posting()
    assert asyncio.run(handler.post_file("a.835", ERA)) == "posted"
    assert publisher.sent == [] and len(store.unmatched) == 2
    asyncio.run(handler.record_submissions([submitted(pcn, charge) for pcn, charge in PCNS.items()]))
    assert asyncio.run(handler.rematch_parked()) == 2
    assert len(publisher.sent) == 2 and store.unmatched == {}


def test_an_unbalanced_file_posts_nothing_and_says_by_how_much() -> None:
    handler, store, publisher = posting()
    asyncio.run(handler.record_submissions([submitted(pcn, charge) for pcn, charge in PCNS.items()]))
    assert asyncio.run(handler.post_file("b.835", ERA.replace("BPR*I*945.00*", "BPR*I*944.00*"))) == "unbalanced"
    assert publisher.sent == []
    [era] = store.eras.values()
    assert era["outcome"] == "unbalanced" and era["problems"] == [
        "7170066655: BPR02 94400 != ΣCLP04 94500 − ΣPLB 0 (difference -100 cents)"
    ]


def test_an_unreadable_file_is_recorded_not_crashed_on() -> None:
    handler, store, publisher = posting()
    assert asyncio.run(handler.post_file("c.835", "this is not X12")) == "unreadable"
    assert publisher.sent == [] and [e["outcome"] for e in store.eras.values()] == ["unreadable"]
