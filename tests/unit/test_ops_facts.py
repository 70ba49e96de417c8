"""From the topics' events to the ops read model's facts, and the projection use case: one read
and one write per batch, nothing written when a batch brings nothing new."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from deploy.ops.synthetic import batch
from services.ops.adapters.memory import InMemoryTrailStore
from services.ops.bootstrap import bootstrap
from services.ops.domain import facts
from services.ops.domain.trail import Posted, Received, Submitted
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import ClaimSubmitted, DeadLetter, JournalLine, PaymentPosted, SubmittedLine

ENCOUNTER = EncounterCompleted.model_validate(batch(1, seed=3, start=datetime(2026, 9, 1).date())[0])


def submitted_event() -> ClaimSubmitted:
    line = SubmittedLine(line_number=1, code="99213", modifiers=["95"], units=1, charge_cents=12000,
                         date_of_service=ENCOUNTER.encounter.date_of_service)  # fmt: skip
    return ClaimSubmitted.caused_by(
        "cause", ENCOUNTER.key, claim_id="CLM1", patient_control_number="PCN1", payer_id="00431",
        payer_name="Medicare TX", plan_type="medicare", interchange_control_number="000000001",
        group_control_number="1", transaction_set_control_number="0001", file_name="TB000000001.837",
        total_charge_cents=12000, lines=[line],
    )  # fmt: skip


def payment_event() -> PaymentPosted:
    journal = [
        JournalLine(account="cash", debit_cents=9000, credit_cents=0, memo="payer payment"),
        JournalLine(account="contractual_adjustment", debit_cents=3000, credit_cents=0, memo="CO"),
        JournalLine(account="insurance_ar", debit_cents=0, credit_cents=12000, memo="charge leaves A/R"),
    ]
    return PaymentPosted.caused_by(
        "cause", ENCOUNTER.key, claim_id="CLM1", patient_control_number="PCN1", payer_claim_number="X1",
        era_trace_number="TRN9", claim_status="paid", status_code="1", charge_cents=12000, paid_cents=9000,
        patient_responsibility_cents=0, adjustments=[], journal=journal,
    )  # fmt: skip


def test_each_event_becomes_a_fact_of_its_encounter() -> None:
    key, fact_id, received = facts.received(ENCOUNTER)
    assert (key, fact_id) == (ENCOUNTER.key, str(ENCOUNTER.event_id))
    assert isinstance(received, Received) and received.visit_end.tzinfo is not None
    assert received.patient_id == ENCOUNTER.patient.patient_id

    _, _, sent = facts.submitted(submitted_event())
    assert isinstance(sent, Submitted)
    assert (sent.payer_id, sent.charge_cents, sent.frequency_code) == ("00431", 12000, "1")

    _, _, paid = facts.posted(payment_event())
    assert isinstance(paid, Posted) and paid.posting_key == "TRN9:PCN1:1"
    assert dict(paid.accounts) == {"cash": 9000, "contractual_adjustment": 3000, "insurance_ar": -12000}


def test_a_dead_letter_is_a_fact_of_the_encounter_its_record_named() -> None:
    letter = DeadLetter(
        source_topic="claim-coded", partition=2, offset=41, key="acme:E1", reason="does not match",
        errors=["lines: missing"], raw_base64="", service="claims", failed_at=datetime.now(UTC),
    )  # fmt: skip
    assert facts.dead_lettered(letter)[:2] == ("acme:E1", "claim-coded:2:41")
    assert facts.dead_lettered(letter.model_copy(update={"key": None}))[0] == facts.UNKNOWN_ENCOUNTER


def test_a_batch_is_one_read_and_one_write_and_a_replay_writes_nothing() -> None:
    store = InMemoryTrailStore()
    project = bootstrap(store)
    keyed = [facts.received(ENCOUNTER), facts.submitted(submitted_event()), facts.posted(payment_event())]
    asyncio.run(project(keyed))
    assert (store.reads, store.writes) == (1, 1)
    assert store.docs[ENCOUNTER.key].state == "paid"
    asyncio.run(project(keyed))
    assert (store.reads, store.writes) == (2, 1)


class SlowStore(InMemoryTrailStore):
    """Reads take a moment, so batches arriving meanwhile queue behind the running flush."""

    async def trails(self, correlation_ids):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.01)
        return await super().trails(correlation_ids)

    async def save(self, trails):  # type: ignore[no-untyped-def]
        if any(trail.correlation_id == "poison" for trail in trails):
            raise ValueError("cannot store this trail")
        await super().save(trails)


def keyed_for(key: str) -> list[facts.Keyed]:
    return [(key, f"{key}-r", facts.received(ENCOUNTER)[2])]


def test_batches_arriving_during_a_flush_are_projected_together_by_the_next() -> None:
    store = SlowStore()
    project = bootstrap(store)

    async def three_agents() -> None:
        await asyncio.gather(project(keyed_for("a")), project(keyed_for("b")), project(keyed_for("c")))

    asyncio.run(three_agents())
    assert (store.reads, store.writes) == (2, 2)  # "a" alone, then "b" and "c" together
    assert set(store.docs) == {"a", "b", "c"}


def test_a_failing_batch_in_a_combined_flush_fails_only_its_own_agent() -> None:
    store = SlowStore()
    project = bootstrap(store)

    async def three_agents() -> list[BaseException | None]:
        calls = (project(keyed_for("a")), project(keyed_for("poison")), project(keyed_for("c")))
        return await asyncio.gather(*calls, return_exceptions=True)

    outcomes = asyncio.run(three_agents())
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], ValueError)
    assert set(store.docs) == {"a", "c"}


def test_remembered_trails_need_no_read_until_forgotten() -> None:
    from services.ops.adapters.remembered import RememberedTrails

    asked: list[list[str]] = []

    class CountingStore(InMemoryTrailStore):
        async def trails(self, correlation_ids):  # type: ignore[no-untyped-def]
            asked.append(list(correlation_ids))
            return await super().trails(correlation_ids)

    store = CountingStore()
    remembered = RememberedTrails(store, size=2)
    project = bootstrap(remembered)
    asyncio.run(project(keyed_for("a") + keyed_for("b")))
    assert asked == [] and set(store.docs) == {"a", "b"}  # keys read once: "a" and "b" are new, nothing to read
    asyncio.run(project([("a", "a-x", facts.received(ENCOUNTER)[2])]))
    assert asked == [] and len(store.docs["a"].facts) == 2  # "a" came from memory, and was stored
    asyncio.run(project(keyed_for("c")))  # a third trail: the least recently written ("b") leaves memory
    asyncio.run(project([("b", "b-x", facts.received(ENCOUNTER)[2])]))
    assert asked == [["b"]]
    remembered.forget()
    asyncio.run(project([("a", "a-y", facts.received(ENCOUNTER)[2])]))
    assert asked == [["b"], ["a"]] and len(store.docs["a"].facts) == 3
