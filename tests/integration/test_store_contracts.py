"""One contract suite per store port, run on the in-memory fake the unit tests use and on the Mongo
adapter against the real server: a fake cannot drift from the adapter it stands in for.

Each test is a scenario over the port's own methods; the `store` fixture builds the implementation
named by its parameter (`memory` needs no server, `mongo` uses a database of its own, dropped after)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar

import pytest

from services.claims.adapters.memory import InMemoryClaimStore
from services.claims.adapters.repository import MongoClaimStore
from services.claims.domain.interchange import Step
from services.claims.domain.lifecycle import ClaimStatus
from services.claims.domain.records import ClaimChanges, ClaimRecord, Submission, WorklistEntry
from services.claims.domain.scrubber import Finding
from services.coding.adapters.memory import InMemoryCodingStore
from services.coding.adapters.repository import MongoCodingStore
from services.coding.domain.model import CodingResult, Hold, Line
from services.coding.domain.records import CodingRecord, ResolutionRecord
from services.eligibility.adapters.documents import ENCOUNTERS, coverage_id, verification_document
from services.eligibility.adapters.memory import InMemoryEligibilityRepository
from services.eligibility.adapters.repository import MongoEligibilityRepository
from services.eligibility.domain.model import CoverageId
from services.eligibility.domain.records import EncounterRecord, Exchange, Resolution, SavedVerification
from services.eligibility.domain.status import EncounterStatus, Waiting
from services.ingest.adapters.accepted import InMemoryAcceptedStore, MongoAcceptedStore
from services.ingest.adapters.signatures import InMemorySeenSignatures, MongoSeenSignatures
from services.ingest.domain.idempotency import Accepted
from services.remittance.adapters.memory import InMemoryRemittanceStore
from services.remittance.adapters.repository import MongoRemittanceStore
from services.remittance.bootstrap import load_remittance_rules
from services.remittance.domain.era import Adjustment, ClaimPayment, LinePayment
from services.remittance.domain.files import EraFile, FileOutcome
from services.remittance.domain.records import DenialFollowUp, ExpectedClaim, Underpayment
from services.remittance.handlers.post_remittances import payment_record
from shared.contracts.events import Verification
from shared.messaging import Outgoing, RecordingPublisher
from shared.mongo import async_database, sync_client
from shared.outbox import InMemoryOutboxStore, OutboxStore, Record, Recorded
from tests.publishers import BrokerDown, FailingPublisher
from tests.unit.claims_cases import coded
from tests.unit.test_coding_holds import verified
from tests.unit.test_eligibility import encounter as eligibility_encounter
from tests.unit.test_remittance_posting import submitted

pytestmark = pytest.mark.integration
T = TypeVar("T")
AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
Builder = Callable[[Any], Any]  # a database (None for memory) -> the store

PORTS: dict[str, tuple[Builder, Builder]] = {
    "outbox": (lambda _: InMemoryOutboxStore(), lambda db: OutboxStore(db["records"])),
    "coding": (lambda _: InMemoryCodingStore(), MongoCodingStore),
    "claims": (lambda _: InMemoryClaimStore(), MongoClaimStore),
    "eligibility": (lambda _: InMemoryEligibilityRepository(), MongoEligibilityRepository),
    "remittance": (lambda _: InMemoryRemittanceStore(), MongoRemittanceStore),
    "accepted": (lambda _: InMemoryAcceptedStore(), lambda db: MongoAcceptedStore(db, timeout_seconds=10)),
    "signatures": (
        lambda _: InMemorySeenSignatures(),
        lambda db: MongoSeenSignatures(db, window_seconds=300, timeout_seconds=10),
    ),
}


class Stores:
    """Builds a port's store inside the scenario's event loop (the async client binds to it)."""

    def __init__(self, kind: str, database: Callable[[], Any]) -> None:
        self.kind, self.database = kind, database

    def run(self, port: str, scenario: Callable[[Any], Awaitable[T]]) -> T:
        async def go() -> T:
            memory, mongo = PORTS[port]
            store = memory(None) if self.kind == "memory" else mongo(self.database())
            if hasattr(store, "ensure_indexes"):
                await store.ensure_indexes()
            return await scenario(store)

        return asyncio.run(go())


@pytest.fixture(params=["memory", "mongo"])
def stores(request: pytest.FixtureRequest, unique: str) -> Iterator[Stores]:
    if request.param == "memory":
        yield Stores("memory", lambda: None)
        return
    settings = request.getfixturevalue("settings")
    service = f"contract_{unique}"
    yield Stores("mongo", lambda: async_database(settings, service))
    sync_client(settings).drop_database(settings.database_name(service))


def records(prefix: str, count: int, status: str = "new") -> list[Record]:
    return [
        ({"_id": f"{prefix}-{n}", "status": status}, [Outgoing(topic="t", key=f"{prefix}-{n}", value=f"v{n}")])
        for n in range(count)
    ]


# --- the outbox (shared/outbox.py): every service's records and the events they caused ----------------


def test_outbox_writes_once_and_a_redelivery_of_published_records_sends_nothing(stores: Stores) -> None:
    async def scenario(store: Any) -> tuple[Any, ...]:
        first, again = RecordingPublisher(), RecordingPublisher()
        new = await store.save_and_publish(records("r", 3), first)
        redelivered = await store.save_and_publish(records("r", 3, status="changed"), again)
        return new, redelivered, [m.key for m in first.sent], again.sent, await store.documents(["r-0", "nope"])

    new, redelivered, first, again, docs = stores.run("outbox", scenario)
    assert new == {"r-0", "r-1", "r-2"} and redelivered == set()
    assert sorted(first) == ["r-0", "r-1", "r-2"] and again == []
    assert docs == {"r-0": {"_id": "r-0", "status": "new"}}  # the first write stands, read without its outbox


def test_outbox_sends_what_a_crash_left_pending_exactly_once(stores: Stores) -> None:
    async def scenario(store: Any) -> tuple[Any, ...]:
        await store.save(records("done", 1))
        await store.mark_published(["done-0"])
        await store.save(records("pending", 2))  # the worker died before publishing
        publisher = RecordingPublisher()
        batch = records("done", 1) + records("pending", 2) + records("new", 1)
        await store.save_and_publish(batch, publisher)
        await store.save_and_publish(batch, publisher)
        return sorted(m.key for m in publisher.sent), await store.marked(["done-0", "pending-0", "new-0", "nope"])

    sent, marked = stores.run("outbox", scenario)
    assert sent == ["new-0", "pending-0", "pending-1"]
    assert marked == {"done-0", "pending-0", "new-0"}


def test_outbox_re_sends_the_pending_events_of_keys_redelivered_without_a_record(stores: Stores) -> None:
    async def scenario(store: Any) -> tuple[Any, ...]:
        await store.save(records("p", 2))  # the worker died before publishing
        publisher = RecordingPublisher()
        new = await store.save_and_publish(records("n", 1), publisher, redelivered=["p-0", "p-1", "missing"])
        await store.save_and_publish([], publisher, redelivered=["p-0", "p-1"])
        return new, sorted(m.key for m in publisher.sent), await store.known(["missing"])

    new, sent, missing = stores.run("outbox", scenario)
    assert new == {"n-0"} and sent == ["n-0", "p-0", "p-1"] and missing == set()


def test_outbox_knows_its_keys_returns_outboxes_and_amends_a_record_but_never_its_events(stores: Stores) -> None:
    async def scenario(store: Any) -> tuple[Any, ...]:
        await store.save_and_publish(records("k", 2), RecordingPublisher())
        await store.amend("k-1", {"status": "moved", "pointer": "p-1"})
        await store.amend("missing", {"status": "moved"})
        publisher = RecordingPublisher()
        await store.save_and_publish(records("k", 2), publisher)
        outboxes = await store.outboxes(["k-1", "missing"])
        docs = await store.documents(["k-1", "missing"])
        return await store.known(["k-0", "k-1", "missing"]), outboxes, docs, publisher.sent

    known, outboxes, docs, resent = stores.run("outbox", scenario)
    assert known == {"k-0", "k-1"}
    assert outboxes == {"k-1": [Outgoing(topic="t", key="k-1", value="v1")]}
    assert docs == {"k-1": {"_id": "k-1", "status": "moved", "pointer": "p-1"}} and resent == []


# --- coding (services/coding/handlers/ports.py: CodingStore and HoldStore) ---------------------------

COVERAGE_HOLD = Hold("coverage_not_verified", "coverage needs_manual: no answer")
LINE = Line("99213", ("95",), 1, (1,), AT.date(), "em-time", "rules/em.yaml", "25 min documented")


def coding_entry(outcome: str, result: CodingResult) -> Recorded[CodingRecord]:
    event = verified({}, outcome=outcome, method="phone" if outcome == "covered" else "structural")
    announced = (Outgoing(topic="claim-coded", key=event.correlation_id, value=event.event_id),)
    return Recorded(event.correlation_id, CodingRecord.of(event, result), announced if result.lines else ())


def test_coding_keeps_the_first_coding_lists_holds_and_recodes_a_coverage_hold_once(stores: Stores) -> None:
    held = coding_entry("needs_manual", CodingResult.held(("E11.9",), COVERAGE_HOLD))
    coded = coding_entry("covered", CodingResult("coded", "10", ("E11.9",), (LINE,)))

    async def scenario(store: Any) -> tuple[Any, ...]:
        first = await store.save_and_publish([held], RecordingPublisher())
        again = await store.save_and_publish([coded], RecordingPublisher())  # the later verification
        before = [(h.key, h.diagnoses, h.holds) for h in await store.held(None, 10)]
        publisher = RecordingPublisher()
        await store.recode([coded], publisher)
        await store.recode([coded], publisher)  # a redelivery: the announcement is not sent twice
        found = await store.records([held.key, "missing"])
        return first, again, before, found, await store.held(None, 10), [m.value for m in publisher.sent]

    first, again, before, found, after, sent = stores.run("coding", scenario)
    assert first == {held.key} and again == set()
    assert before == [(held.key, ("E11.9",), (COVERAGE_HOLD,))]  # sealed at rest, read back clear
    recoded = found[held.key]
    assert set(found) == {held.key} and recoded.event_id == coded.record.event_id
    assert (recoded.status, recoded.lines, recoded.recoding) == ("coded", (LINE,), f"{held.key}|{recoded.event_id}")
    assert sent == [coded.record.event_id] and after == []


def test_coding_a_resolution_is_kept_once_and_its_event_re_sent_only_until_acknowledged(stores: Stores) -> None:
    held = coding_entry("covered", CodingResult.held(("E11.9",), Hold("em_level_unsupported", "no time")))
    resolution = ResolutionRecord("coder.kim", "from the note", AT.isoformat(), "10", ("E11.9",), (LINE,))
    event = (Outgoing(topic="claim-coded", key=held.key, value="resolved"),)

    async def scenario(store: Any) -> tuple[Any, ...]:
        await store.save_and_publish([held], RecordingPublisher())
        with pytest.raises(BrokerDown):
            await store.save_resolution(Recorded(held.key, resolution, event), FailingPublisher())
        publisher = RecordingPublisher()
        retried = await store.save_resolution(Recorded(held.key, resolution, event), publisher)
        await store.republish_resolution(held.key, publisher)
        record = await store.record(held.key)
        await store.mark_resolved(held.key, record.resolved_by(held.key))
        kept = await store.resolution(held.key), await store.record(held.key), await store.held_one(held.key)
        return retried, [m.value for m in publisher.sent], *kept

    retried, sent, stored, record, listed = stores.run("coding", scenario)
    assert retried is False and sent == ["resolved"]
    assert stored == resolution and (record.status, record.resolution) == ("resolved", held.key)
    assert listed is None


# --- claims (services/claims/handlers/ports.py ClaimStore) ------------------------------------------


def test_claims_control_numbers_only_grow_and_interchanges_wait_until_dropped(stores: Stores) -> None:
    async def scenario(store: Any) -> tuple[Any, ...]:
        numbers = [await store.next_control_number() for _ in range(3)]
        await store.save_interchange(numbers[0], "TB0.837", "ISA*...", ["c0"])
        await store.save_interchange(numbers[0], "TB1.837", "ISA*...", ["c1", "c2"])  # saved again: replaced
        await store.save_interchange(numbers[1], "TB2.837", "ISA*...", ["c3"])
        await store.mark_dropped(numbers[1])
        await store.note_interchange(numbers[0], {"status": "acknowledged", "at": AT.isoformat(), "note": "999 A"})
        undropped = await store.undropped_interchanges()
        waiting = [(found.file_name, found.x12) for found in undropped]
        return numbers, waiting, await store.interchange(numbers[0]), await store.interchange(999_999)

    numbers, waiting, first, missing = stores.run("claims", scenario)
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    assert waiting == [("TB1.837", "ISA*...")] and missing is None  # read to be dropped: with its file
    assert first.claim_ids == ("c1", "c2") and [a["note"] for a in first.acknowledgements] == ["999 A"]
    assert first.control_number == numbers[0] and first.x12 is None  # looked up: without it


def test_claims_remember_lines_and_control_numbers_first_write_wins(stores: Stores) -> None:
    async def scenario(store: Any) -> tuple[Any, ...]:
        await store.remember({"line-a": "c1"}, {"PCN1": "c1"})
        await store.remember({"line-a": "c2", "line-b": "c2"}, {"PCN1": "c2", "PCN2": "c2"})
        return await store.billed(["line-a", "line-b", "line-z"]), await store.records_for_pcns(["PCN1", "PCN9"])

    billed, pcns = stores.run("claims", scenario)
    assert billed == {"line-a": "c1", "line-b": "c2"} and pcns == {"PCN1": "c1"}


FOUND = Finding("CLM-ICD10", "E11 is not a billable ICD-10-CM code", "pick a leaf code")


def claim_record(key: str, status: ClaimStatus, **more: Any) -> ClaimRecord:
    step = Step(status=status.value, at=AT.isoformat(), note="assembled")
    return ClaimRecord(key, key, f"TB{key}", "1", status, (step,), **more)


def test_claims_records_read_back_as_saved_and_findings_are_sealed_at_rest(stores: Stores) -> None:
    submission = Submission("TBs", "MCRTX", 15000, 7, "TB000000007.837", original_payer_claim_number="P0")
    saved = [
        claim_record("s", ClaimStatus.SUBMITTED, replaces="s0", submission=submission),
        claim_record("r", ClaimStatus.SCRUB_REJECTED, findings=(FOUND,), problems=(f"CLM-ICD10: {FOUND.message}",)),
    ]

    async def scenario(store: Any) -> tuple[Any, ...]:
        first = await store.claims.save([Recorded(record.key, record) for record in saved])
        again = await store.claims.save([Recorded("s", claim_record("s", ClaimStatus.SCRUB_REJECTED))])
        found = await store.records(["s", "r", "missing"])
        return first, again, found, await store.claims.outbox.documents(["r"])

    first, again, found, raw = stores.run("claims", scenario)
    assert (first, again) == ({"s", "r"}, set())  # first write wins
    assert found == {record.key: record for record in saved}
    assert found["s"].patient_control_number == "TBs" and found["r"].patient_control_number is None
    assert "E11" not in str(raw)  # a finding names the diagnosis


def test_claims_move_with_what_they_learnt_and_keep_every_step(stores: Stores) -> None:
    """The compare-and-set on the expected status is the caller's, under the claim's lock
    (Lifecycle.move): a server that would scan for a compound filter (FerretDB 1.x) writes by `_id`."""
    reason = "void by billing.lee: billed under the wrong patient"

    async def scenario(store: Any) -> tuple[Any, ...]:
        await store.claims.save([Recorded("c1", claim_record("c1", ClaimStatus.SUBMITTED))])
        accepted, learnt = Step(status="accepted", at=AT.isoformat(), note="277CA A2:20"), ClaimChanges("P1")
        moved = await store.transition("c1", ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED, accepted, learnt)
        late = Step(status="voided", at=AT.isoformat(), note=reason, applied=False)
        noted = await store.transition("c1", None, None, late, ClaimChanges())
        await store.add_version("c1", "c1~8~1")
        [record] = (await store.records(["c1", "missing"])).values()
        return moved, noted, record, await store.claims.outbox.documents(["c1"])

    moved, noted, record, raw = stores.run("claims", scenario)
    assert (moved, noted) == (True, True)
    assert (record.status, record.payer_claim_number) == ("accepted", "P1")
    assert [(h["status"], h["note"]) for h in record.history][1:] == [("accepted", "277CA A2:20"), ("voided", reason)]
    assert record.history[-1]["applied"] is False
    assert (record.current, record.versions) == ("c1~8~1", ("c1~8~1",))
    assert "277CA A2:20" in str(raw) and "wrong patient" not in str(raw)  # a correction's reason is free text


def worklist_entry(key: str, status: ClaimStatus, minutes: int, *problems: str) -> WorklistEntry:
    since = (AT + timedelta(minutes=minutes)).isoformat()
    return WorklistEntry(key, status, f"e:{key}", f"TB{key}", "1", since, (FOUND,) if problems else (), problems)


def test_claims_worklist_lists_by_status_oldest_first_and_forgets_what_was_delisted(stores: Stores) -> None:
    async def scenario(store: Any) -> tuple[Any, ...]:
        await store.enlist(
            [
                worklist_entry("b", ClaimStatus.REJECTED, 2),
                worklist_entry("a", ClaimStatus.REJECTED, 0),
                worklist_entry("c", ClaimStatus.SCRUB_REJECTED, 0, "CLM-ICD10: E11"),
            ]
        )
        before = [entry.key for entry in await store.worklist(ClaimStatus.REJECTED, 10)]
        await store.enlist([worklist_entry("b", ClaimStatus.REJECTED, 5, "277CA A7:164")])  # rejected again
        await store.delist(["a", "missing"])
        after = await store.worklist(ClaimStatus.REJECTED, 10)
        return before, after, await store.worklist(ClaimStatus.SCRUB_REJECTED, 1)

    before, after, stopped = stores.run("claims", scenario)
    assert before == ["a", "b"]
    assert after == [worklist_entry("b", ClaimStatus.REJECTED, 5, "277CA A7:164")]
    assert stopped == [worklist_entry("c", ClaimStatus.SCRUB_REJECTED, 0, "CLM-ICD10: E11")]


def test_claims_keep_each_versions_source_event_first_write_wins(stores: Stores) -> None:
    event, later = coded("E1"), coded("E1", diagnoses=("I10",))

    async def scenario(store: Any) -> tuple[Any, ...]:
        await store.save_sources({"c1": event})
        await store.save_sources({"c1": later, "c2": later})
        return await store.source("c1"), await store.source("c2"), await store.source("missing")

    first, second, missing = stores.run("claims", scenario)
    assert (first, second, missing) == (event, later, None)


# --- eligibility (services/eligibility/handlers.py EligibilityRepository) ----------------------------


def waiting_entry(key: str, minutes: int, kind: Literal["payer", "manual"] = "payer") -> Waiting:
    at = AT + timedelta(minutes=minutes)
    return Waiting(key=key, kind=kind, payer_id="MCRTX", since=at, attempts=0, rounds=1, next_at=at)


def test_eligibility_waiting_encounters_come_due_in_order_and_are_rescheduled_or_cleared(stores: Stores) -> None:
    async def scenario(store: Any) -> tuple[Any, ...]:
        await store.save_waiting(
            [waiting_entry("w2", 2), waiting_entry("w1", 1), waiting_entry("p1", 0, kind="manual")]
        )
        await store.save_waiting([waiting_entry("w1", 50)])  # already waiting: unchanged
        due = [w.key for w in await store.waiting_due(AT + timedelta(minutes=5), 10)]
        await store.reschedule("w1", 2, 3, AT + timedelta(hours=1), "timeout")
        later = [w.key for w in await store.waiting_due(AT + timedelta(minutes=5), 10)]
        await store.clear_waiting(["w2"])
        listed = [(w.key, w.rounds, w.reason) for w in await store.waiting(None, 10)]
        return due, later, listed, [w.key for w in await store.waiting("manual", 10)]

    due, later, listed, people = stores.run("eligibility", scenario)
    assert due == ["w1", "w2"] and later == ["w2"]
    assert listed == [("p1", 1, None), ("w1", 2, "timeout")] and people == ["p1"]


def coverage_checked(n: str, outcome: str = "needs_manual", method: str = "x12_270_271") -> Verification:
    return Verification(
        verification_id=f"v-{n}",
        outcome=outcome,  # type: ignore[arg-type]
        method=method,  # type: ignore[arg-type]
        verified_at=AT,
        reused=False,
        plan_year=2026,
    )


def encounter_entry(n: str, status: EncounterStatus = EncounterStatus.WAITING_PAYER) -> Recorded[EncounterRecord]:
    visit = eligibility_encounter(f"C-{n}")
    announced = Outgoing(topic="coverage-verified", key=visit.key, value=f"first {n}")
    return Recorded(visit.key, EncounterRecord(visit, status, coverage_checked(n)), (announced,))


def resolution_entry(key: str, n: str, method: str = "x12_270_271") -> Recorded[Resolution]:
    resolution = Resolution(EncounterStatus.VERIFIED, coverage_checked(n, "covered", method))
    return Recorded(key, resolution, (Outgoing(topic="coverage-verified", key=key, value=f"resolved {n}"),))


def test_eligibility_of_two_racing_resolutions_one_wins_and_is_announced_once(stores: Stores) -> None:
    async def scenario(store: Any) -> tuple[Any, ...]:
        waiting, done = encounter_entry("w"), encounter_entry("d", EncounterStatus.VERIFIED)
        new = await store.save_and_publish([waiting, done], [], RecordingPublisher())
        resent = RecordingPublisher()
        await store.save_and_publish([], [waiting.key], resent)  # a redelivery: announced already
        published = RecordingPublisher()
        racing = [resolution_entry(waiting.key, "payer"), resolution_entry(waiting.key, "phone", "phone")]
        won = await asyncio.gather(*(store.resolve_and_publish([entry], published) for entry in racing))
        late = await store.resolve_and_publish([resolution_entry(done.key, "late")], published)
        records = await store.records([waiting.key, done.key, "nobody"])
        pending = RecordingPublisher()
        await store.publish_pending_resolutions(list(records.values()), pending)
        events = await store.stored_events(list(records.values()))
        return waiting, new, resent.sent, won, late, published.sent, records, pending.sent, events

    waiting, new, resent, won, late, published, records, pending, events = stores.run("eligibility", scenario)
    assert new == {waiting.key, "acme-video:C-d"} and resent == [] and late == set()
    assert sorted(won, key=len) == [set(), {waiting.key}]
    winner = "payer" if won[0] else "phone"
    [announced] = published
    record = records[waiting.key]
    assert announced.value == f"resolved {winner}" and pending == [] and set(records) == {waiting.key, "acme-video:C-d"}
    assert (record.status, record.verification.verification_id) == ("verified", f"v-{winner}")
    assert record.history == (waiting.record.verification,) and record.resolution == f"{waiting.key}|v-w"
    assert [m.value for m in events[waiting.key]] == ["first w", f"resolved {winner}"]
    assert [m.value for m in events["acme-video:C-d"]] == ["first d"]


def test_eligibility_a_claimed_resolution_is_completed_by_the_next_attempt_and_sent_once(stores: Stores) -> None:
    async def scenario(store: Any) -> tuple[Any, ...]:
        waiting = encounter_entry("w")
        await store.save_and_publish([waiting], [], RecordingPublisher())
        called = resolution_entry(waiting.key, "phone", "phone")
        await store.resolutions.save([Recorded(f"{waiting.key}|v-w", called.record, called.events)])  # then died
        late = RecordingPublisher()
        won = await store.resolve_and_publish([resolution_entry(waiting.key, "payer")], late)
        record = (await store.records([waiting.key]))[waiting.key]
        pending, again = RecordingPublisher(), RecordingPublisher()
        await store.publish_pending_resolutions([record], pending)
        await store.publish_pending_resolutions([record], again)
        return won, late.sent, record, [m.value for m in pending.sent], again.sent

    won, late, record, pending, again = stores.run("eligibility", scenario)
    assert won == set() and late == [] and again == []
    assert (record.status, record.verification.method, record.resolution) == ("verified", "phone", "acme-video:C-w|v-w")
    assert pending == ["resolved phone"]


def test_eligibility_records_resolved_before_resolutions_were_outbox_records_still_announce(stores: Stores) -> None:
    async def scenario(store: Any) -> tuple[Any, ...]:
        resolved, waiting = encounter_entry("r", EncounterStatus.VERIFIED), encounter_entry("w")
        old = Outgoing(topic="coverage-verified", key=resolved.key, value="old r")
        doc = {"_id": resolved.key, **ENCOUNTERS.document(resolved.record), "resolution_outbox": [old.model_dump()]}
        await store.encounters.outbox.save([(doc, resolved.events)])
        await store.save_and_publish([waiting], [], RecordingPublisher())
        claimed = Outgoing(topic="coverage-verified", key=waiting.key, value="old w")
        change = {
            "status": "verified",
            "verification": verification_document(coverage_checked("phone", "covered")),
            "resolution_outbox": [claimed.model_dump()],  # claimed by the old code, which died before applying it
        }
        await store.resolutions.outbox.save([({"_id": f"{waiting.key}|v-w", "change": change}, [])])
        won = await store.resolve_and_publish([resolution_entry(waiting.key, "payer")], RecordingPublisher())
        records = list((await store.records([resolved.key, waiting.key])).values())
        sent = [RecordingPublisher(), RecordingPublisher()]
        for publisher in sent:
            await store.publish_pending_resolutions(records, publisher)
        events = {key: [m.value for m in found] for key, found in (await store.stored_events(records)).items()}
        return won, records, [[m.value for m in p.sent] for p in sent], events

    won, records, sent, events = stores.run("eligibility", scenario)
    assert won == set() and [(r.status, r.resolution) for r in records] == [("verified", None), ("verified", None)]
    assert records[1].verification.verification_id == "v-phone"
    assert sent == [["old r", "old w"], ["old r", "old w"]]  # no marker: sent each time, as before
    assert events == {"acme-video:C-r": ["first r", "old r"], "acme-video:C-w": ["first w", "old w"]}


def test_eligibility_coverages_keep_every_verification_with_its_exchange_sealed(stores: Stores) -> None:
    coverage = CoverageId("MCRTX", "M-CONTRACT-1", 2026)
    asked, phoned = coverage_checked("asked", "covered"), coverage_checked("phoned", "covered", "phone")

    async def scenario(store: Any) -> tuple[Any, ...]:
        exchanged = Exchange(asked, "ISA*270*ASKED", "ISA*271*ANSWERED")
        await store.save_verifications([SavedVerification(coverage, exchanged)])
        await store.save_verifications([SavedVerification(coverage, Exchange(phoned))])
        latest = await store.latest_verifications({coverage.key, "NOPAY|M0|2026"})
        entry = encounter_entry("e", EncounterStatus.VERIFIED)
        await store.save_and_publish([entry], [], RecordingPublisher())
        await store.add_evidence(entry.key, phoned)
        record = (await store.records([entry.key]))[entry.key]
        at_rest = await store.coverages.find([coverage_id(coverage.key)])
        return latest, await store.coverage(coverage.key), await store.coverage("NOPAY|M0|2026"), record, at_rest

    latest, found, missing, record, at_rest = stores.run("eligibility", scenario)
    assert latest == {coverage.key: phoned} and missing is None and record.evidence == (phoned,)
    assert found is not None and (found.payer_id, found.plan_year, found.latest) == ("MCRTX", 2026, phoned)
    assert found.history == (Exchange(asked, "ISA*270*ASKED", "ISA*271*ANSWERED"), Exchange(phoned))
    assert "ANSWERED" not in str(at_rest) and "M-CONTRACT-1" not in str(at_rest)


# --- remittance (services/remittance/handlers.py) ---------------------------------------------------


def test_remittance_a_file_counts_as_seen_only_once_posted_and_problems_stay_on_the_files_worklist(
    stores: Stores,
) -> None:
    def era(digest: str, name: str, outcome: FileOutcome, problems: tuple[str, ...], minutes: int) -> EraFile:
        return EraFile(digest, name, outcome, problems, AT + timedelta(minutes=minutes))

    async def scenario(store: Any) -> tuple[Any, ...]:
        await store.record_era(era("d0", "late.835", FileOutcome.FAILED, ("RuntimeError: boom",), 5))
        await store.record_era(era("d1", "bad.835", FileOutcome.UNBALANCED, ("CLP 1 off by 5",), 0))
        seen_bad = await store.era_seen("d1")
        await store.record_era(era("d2", "good.835", FileOutcome.POSTED, (), 1))
        files = await store.file_worklist(10)
        await store.record_era(era("d0", "late.835", FileOutcome.POSTED, (), 6))  # posted after a fix
        after = [f.digest for f in await store.file_worklist(10)]
        return seen_bad, await store.era_seen("d2"), await store.era_seen("d3"), files, after

    seen_bad, seen_good, seen_never, files, after = stores.run("remittance", scenario)
    assert (seen_bad, seen_good, seen_never) == (False, True, False)
    assert files == [
        era("d1", "bad.835", FileOutcome.UNBALANCED, ("CLP 1 off by 5",), 0),
        era("d0", "late.835", FileOutcome.FAILED, ("RuntimeError: boom",), 5),
    ]
    assert after == ["d1"]


def test_remittance_payer_claim_numbers_first_write_wins(stores: Stores) -> None:
    async def scenario(store: Any) -> dict[str, str]:
        await store.remember_payer_claims({"P1": "PCN1"})
        await store.remember_payer_claims({"P1": "PCN9", "P2": "PCN2"})
        result: dict[str, str] = await store.pcns_for_payer_claims(["P1", "P2", "P3"])
        return result

    assert stores.run("remittance", scenario) == {"P1": "PCN1", "P2": "PCN2"}


def test_remittance_an_expected_claim_is_kept_once_by_its_pcn_and_read_back_typed(stores: Stores) -> None:
    first, again = submitted("PCN1", 15000), submitted("PCN1", 99999)

    async def scenario(store: Any) -> dict[str, ExpectedClaim]:
        await store.save_expected([first])
        await store.save_expected([again, submitted("PCN2", 5000)])
        found: dict[str, ExpectedClaim] = await store.expected(["PCN1", "PCN9"])
        return found

    assert stores.run("remittance", scenario) == {"PCN1": ExpectedClaim.of(first)}


def test_remittance_a_posting_is_announced_once_read_back_typed_and_followed_up_once(stores: Stores) -> None:
    rules, day = load_remittance_rules(), AT.date()

    def claim(pcn: str, status: str, paid: int, *adjustments: Adjustment) -> ClaimPayment:
        line = LinePayment("99213", (), 20000, paid, Decimal(1), adjustments, (), "HC", day)
        return ClaimPayment(pcn, status, 20000, paid, 0, f"P-{pcn}", (), (line,))

    denied = claim("PCN1", "4", 0, Adjustment("CO", "27", 20000))
    short = claim("PCN2", "1", 8000, Adjustment("CO", "45", 12000))  # allowed 80.00, the contract says 118.30
    entries = [
        payment_record("T1", c, ExpectedClaim.of(submitted(c.patient_control_number, 20000)), rules, AT)
        for c in (denied, short)
    ]
    postings = [entry.record for entry in entries]
    to_follow = (
        [DenialFollowUp.of(p) for p in postings if p.denied],
        [Underpayment.of(p) for p in postings if p.underpaid],
    )

    async def scenario(store: Any) -> tuple[Any, ...]:
        publisher = RecordingPublisher()
        new = await store.payments.save_and_publish(entries, publisher)
        again = await store.payments.save_and_publish(entries, publisher)
        await store.follow_up(*to_follow)
        await store.follow_up(*to_follow)  # the same 835 again
        found = (await store.posting("T1:PCN1:4"), await store.posting("T1:nobody:1"))
        worklists = (await store.denial_worklist(10), await store.underpayment_worklist(10))
        return new, again, sorted(m.key for m in publisher.sent), found, worklists

    new, again, sent, found, worklists = stores.run("remittance", scenario)
    assert new == {"T1:PCN1:4", "T1:PCN2:1"} and again == set() and sent == ["acme:PCN1", "acme:PCN2"]
    assert found == (postings[0], None)
    assert worklists == to_follow and [len(to_follow[0]), len(to_follow[1])] == [1, 1]


# --- ingest (services/ingest/handlers.py AcceptedStore, SeenSignatures) ------------------------------


def test_ingest_accepts_each_key_once_and_lists_the_accepted_before_a_moment(stores: Stores) -> None:
    def accepted(key: str, minutes: int) -> Accepted:
        return Accepted(key=key, digest=f"d-{key}", event_id=f"e-{key}", accepted_at=AT + timedelta(minutes=minutes))

    async def scenario(store: Any) -> tuple[Any, ...]:
        first = await store.record([accepted("s:1", 5), accepted("s:2", 1)])
        again = await store.record([accepted("s:1", 9), accepted("s:3", 20)])
        found = await store.find(["s:1", "s:9"])
        return (
            first,
            again,
            {k: v.accepted_at for k, v in found.items()},
            await store.accepted_before(AT + timedelta(minutes=10), 10),
        )

    first, again, found, before = stores.run("accepted", scenario)
    assert first == {"s:1", "s:2"} and again == {"s:3"}
    assert found == {"s:1": AT + timedelta(minutes=5)}
    assert before == ["s:2", "s:1"]


def test_ingest_a_signature_is_new_only_the_first_time(stores: Stores) -> None:
    async def scenario(store: Any) -> list[bool]:
        return [
            await store.first_time("sig", AT),
            await store.first_time("sig", AT),
            await store.first_time("other", AT),
        ]

    assert stores.run("signatures", scenario) == [True, False, True]


def test_remittance_an_unmatched_claim_is_parked_once_read_back_whole_and_cleared(stores: Stores) -> None:
    paid = ClaimPayment("TB7", "1", 15000, 9000, 2000, "P7", remarks=("N130",))

    async def scenario(store: Any) -> tuple[Any, ...]:
        await store.park_unmatched("T1", [paid])
        await store.park_unmatched("T1", [paid])  # the same 835 again
        [parked] = await store.parked()
        await store.clear_unmatched([parked.key, "missing"])
        return parked, await store.parked()

    parked, after = stores.run("remittance", scenario)
    assert (parked.key, parked.trace, parked.claim) == ("T1:TB7:1", "T1", paid) and after == []
