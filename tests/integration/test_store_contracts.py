"""One contract suite per store port, run on the in-memory fake the unit tests use and on the Mongo
adapter against the real server: a fake cannot drift from the adapter it stands in for.

Each test is a scenario over the port's own methods; the `store` fixture builds the implementation
named by its parameter (`memory` needs no server, `mongo` uses a database of its own, dropped after)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

import pytest

from services.claims.adapters.memory import InMemoryClaimStore
from services.claims.adapters.repository import MongoClaimStore
from services.coding.adapters.memory import InMemoryCodingRecords
from services.coding.adapters.repository import CodingRecords
from services.eligibility.adapters.memory import InMemoryEligibilityRepository
from services.eligibility.adapters.repository import MongoEligibilityRepository
from services.eligibility.domain.status import Waiting
from services.ingest.adapters.accepted import InMemoryAcceptedStore, MongoAcceptedStore
from services.ingest.adapters.signatures import InMemorySeenSignatures, MongoSeenSignatures
from services.ingest.domain.idempotency import Accepted
from services.remittance.adapters.memory import InMemoryRemittanceStore
from services.remittance.adapters.repository import MongoRemittanceStore
from services.remittance.domain.era import ClaimPayment
from shared.messaging import Outgoing, RecordingPublisher
from shared.mongo import async_database, sync_client
from shared.outbox import InMemoryOutboxStore, OutboxStore, Record

pytestmark = pytest.mark.integration
T = TypeVar("T")
AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
Builder = Callable[[Any], Any]  # a database (None for memory) -> the store

PORTS: dict[str, tuple[Builder, Builder]] = {
    "outbox": (lambda _: InMemoryOutboxStore(), lambda db: OutboxStore(db["records"])),
    "coding_records": (lambda _: InMemoryCodingRecords(), lambda db: CodingRecords(db["coded_encounters"])),
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
        return new, redelivered, [m.key for m in first.sent], again.sent, await store.get("r-0")

    new, redelivered, first, again, doc = stores.run("outbox", scenario)
    assert new == {"r-0", "r-1", "r-2"} and redelivered == set()
    assert sorted(first) == ["r-0", "r-1", "r-2"] and again == []
    assert doc == {"_id": "r-0", "status": "new"}  # the first write stands; `get` leaves the outbox out


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


def test_outbox_knows_its_keys_returns_outboxes_and_unmarking_makes_events_pending_again(stores: Stores) -> None:
    async def scenario(store: Any) -> tuple[Any, ...]:
        await store.save_and_publish(records("k", 2), RecordingPublisher())
        await store.unmark("k-1")
        publisher = RecordingPublisher()
        await store.save_and_publish(records("k", 2), publisher)
        outboxes = await store.outboxes(["k-0", "missing"])
        return await store.known(["k-0", "k-1", "missing"]), outboxes, [m.key for m in publisher.sent]

    known, outboxes, resent = stores.run("outbox", scenario)
    assert known == {"k-0", "k-1"}
    assert outboxes == {"k-0": [Outgoing(topic="t", key="k-0", value="v0")]}
    assert resent == ["k-1"]


def test_coding_records_are_replaced_only_from_the_event_they_were_coded_from(stores: Stores) -> None:
    def coded(event_id: str) -> Record:
        return {"_id": "e", "event_id": event_id, "status": "coded"}, [Outgoing(topic="t", key="e", value=event_id)]

    async def scenario(store: Any) -> tuple[Any, ...]:
        await store.save_and_publish([coded("e1")], RecordingPublisher())
        stale = await store.replace("e", "e0", coded("e9"))
        fresh = await store.replace("e", "e1", coded("e2"))
        publisher = RecordingPublisher()
        await store.save_and_publish([coded("e1")], publisher)  # a redelivery after the replacement
        stored = await store.stored(["e", "missing"])
        return stale, fresh, [m.value for m in publisher.sent], {k: v["event_id"] for k, v in stored.items()}

    stale, fresh, resent, stored = stores.run("coding_records", scenario)
    assert (stale, fresh) == (False, True)
    assert resent == ["e2"] and stored == {"e": "e2"}


# --- claims (services/claims/handlers.py ClaimStore) ------------------------------------------------


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


def test_claims_move_with_their_extra_fields_and_keep_every_step(stores: Stores) -> None:
    """The compare-and-set on the expected status is the caller's, under the claim's lock
    (Lifecycle.move): a server that would scan for a compound filter (FerretDB 1.x) writes by `_id`."""

    async def scenario(store: Any) -> tuple[Any, ...]:
        await store.claims.save([({"_id": "c1", "status": "created", "history": []}, [])])
        moved = await store.transition("c1", "created", "scrubbed", {"step": 1}, {"note": "ok"})
        noted = await store.transition("c1", None, None, {"step": 2}, {})
        await store.add_version("c1", "c1-v2")
        [doc] = (await store.records(["c1", "missing"])).values()
        return moved, noted, doc

    moved, noted, doc = stores.run("claims", scenario)
    assert (moved, noted) == (True, True)
    assert doc["status"] == "scrubbed" and doc["note"] == "ok"
    assert [h["step"] for h in doc["history"]] == [1, 2]
    assert doc["current"] == "c1-v2" and doc["versions"] == ["c1-v2"]


def test_claims_worklist_lists_by_status_oldest_first_and_forgets_what_was_delisted(stores: Stores) -> None:
    async def scenario(store: Any) -> tuple[Any, ...]:
        entries = [
            {"_id": "b", "status": "rejected", "since": AT + timedelta(minutes=2)},
            {"_id": "a", "status": "rejected", "since": AT},
            {"_id": "c", "status": "denied", "since": AT},
        ]
        await store.enlist(entries)
        before = [e["_id"] for e in await store.worklist("rejected", 10)]
        await store.delist(["a", "missing"])
        await store.save_sources({"c1": {"event_id": "x"}})
        await store.save_sources({"c1": {"event_id": "y"}})
        return before, [e["_id"] for e in await store.worklist("rejected", 10)], await store.source("c1")

    before, after, source = stores.run("claims", scenario)
    assert before == ["a", "b"] and after == ["b"]
    assert source is not None and source["event_id"] == "x"


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


# --- remittance (services/remittance/handlers.py) ---------------------------------------------------


def test_remittance_a_file_counts_as_seen_only_once_posted_and_problems_stay_on_the_files_worklist(
    stores: Stores,
) -> None:
    async def scenario(store: Any) -> tuple[Any, ...]:
        await store.record_era("d1", "bad.835", "unbalanced", ["CLP 1 off by 5"], AT)
        seen_bad = await store.era_seen("d1")
        await store.record_era("d2", "good.835", "posted", [], AT + timedelta(minutes=1))
        files = [(f["file_name"], f["outcome"]) for f in await store.worklist("files", 10)]
        return seen_bad, await store.era_seen("d2"), await store.era_seen("d3"), files

    seen_bad, seen_good, seen_never, files = stores.run("remittance", scenario)
    assert (seen_bad, seen_good, seen_never) == (False, True, False)
    assert files == [("bad.835", "unbalanced")]


def test_remittance_payer_claim_numbers_first_write_wins(stores: Stores) -> None:
    async def scenario(store: Any) -> dict[str, str]:
        await store.remember_payer_claims({"P1": "PCN1"})
        await store.remember_payer_claims({"P1": "PCN9", "P2": "PCN2"})
        result: dict[str, str] = await store.pcns_for_payer_claims(["P1", "P2", "P3"])
        return result

    assert stores.run("remittance", scenario) == {"P1": "PCN1", "P2": "PCN2"}


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
