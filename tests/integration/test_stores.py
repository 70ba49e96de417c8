"""Service repositories on the real server: verification reuse, unique control numbers."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from deploy.clearinghouse.eligibility import Roster, answer_270
from services.claims.adapters.repository import MongoClaimStore
from services.claims.domain.interchange import Interchange
from services.eligibility.adapters.memory import CallableGateway
from services.eligibility.adapters.repository import MongoEligibilityRepository
from services.eligibility.bootstrap import bootstrap
from services.eligibility.handlers.ports import Asking
from shared.contracts.encounter import EncounterCompleted
from shared.messaging import RecordingPublisher
from shared.mongo import async_database
from tests.conftest import example
from tests.unit.claims_cases import coded

pytestmark = pytest.mark.integration
ASKING = Asking("LONESTARTH", "SIMCLEARING", "T", attempts=2, backoff_seconds=0.01, concurrency=4, pause_seconds=1)


def encounter(encounter_id: str, day: str, member: str) -> EncounterCompleted:
    data = example("01-medicare-video-home-established.json")
    data["encounter"].update(encounter_id=encounter_id, date_of_service=day)
    data["coverage"]["member_id"] = member
    return EncounterCompleted.model_validate(data)


def test_second_encounter_reuses_the_stored_verification_and_a_new_plan_year_does_not(settings, unique) -> None:  # type: ignore[no-untyped-def]
    gateway = CallableGateway(lambda x270: answer_270(x270, Roster.load(), 11))
    member = f"M{int(unique, 16) % 10000:04d}"  # a synthetic member the simulated payer knows

    async def scenario() -> list[tuple[bool, int]]:
        db = async_database(settings, f"test_{unique}")
        repo = MongoEligibilityRepository(db)
        await repo.ensure_indexes()
        seen = []
        for n, day in enumerate(["2026-12-01", "2026-12-20", "2027-01-04"]):
            publisher = RecordingPublisher()
            now = datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC)
            service = bootstrap(repo, publisher, gateway, ASKING, clock=lambda now=now: now)
            await service.verify([encounter(f"{unique}-{n}", day, member)])
            seen.append(('"reused":true' in publisher.sent[0].value, gateway.asked))
        coverage = await repo.coverage(f"MCRTX|{member}|2026")
        at_rest = await db["verifications"].find_one({})  # this test's database: the one coverage
        await db.client.drop_database(db.name)
        assert coverage is not None and len(coverage.history) == 1
        assert "ST*271" in (coverage.history[0].response_x12 or "")
        assert at_rest is not None and "ST*271" not in str(at_rest)  # sealed at rest
        return seen

    # (reused?, inquiries so far): the second encounter asks nobody; the new plan year asks again
    assert asyncio.run(scenario()) == [(False, 1), (True, 1), (False, 2)]


def test_a_waiting_encounter_is_resolved_once_on_the_real_server(settings, unique) -> None:  # type: ignore[no-untyped-def]
    gateway = CallableGateway(lambda x270: answer_270(x270, Roster.load(), 12))
    gateway.down.add("*")

    async def scenario() -> tuple[str, int, int]:
        db = async_database(settings, f"test_{unique}")
        repo, publisher, clock = MongoEligibilityRepository(db), RecordingPublisher(), [datetime.now(UTC)]
        service = bootstrap(repo, publisher, gateway, ASKING, clock=lambda: clock[0])
        await service.verify([encounter(f"{unique}-w", "2026-03-02", f"M{int(unique, 16) % 10000:04d}")])
        gateway.down.clear()
        clock[0] += timedelta(minutes=1)
        resolved = await service.redrive()
        again = await service.redrive()
        status = (await repo.records([f"acme-video:{unique}-w"]))[f"acme-video:{unique}-w"].status
        waiting = len(await repo.waiting(None, 10))
        await db.client.drop_database(db.name)
        return status, resolved + again, waiting

    assert asyncio.run(scenario()) == ("verified", 1, 0)


def test_interchange_control_numbers_never_repeat_across_restarts(settings, unique) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> list[int]:
        numbers = []
        for _ in range(2):  # a fresh store object stands for a restarted worker
            store = MongoClaimStore(async_database(settings, f"test_{unique}"))
            numbers += await asyncio.gather(*(store.next_control_number() for _ in range(20)))
        await store.interchanges.database.client.drop_database(store.interchanges.database.name)
        return numbers

    numbers = asyncio.run(scenario())
    assert sorted(numbers) == list(range(1, 41))


def test_the_coders_worklist_follows_holds_resolutions_and_late_verifications(settings, unique) -> None:  # type: ignore[no-untyped-def]
    from services.coding.adapters.repository import MongoCodingStore
    from services.coding.bootstrap import bootstrap as coding
    from services.coding.domain.resolution import ManualLine, Resolution
    from tests.unit.test_coding_holds import TIME_HELD, verified

    async def scenario() -> list[list[str]]:
        db = async_database(settings, f"test_{unique}")
        store, publisher = MongoCodingStore(db), RecordingPublisher()
        desk = coding(store, publisher)
        code = desk.code
        time_held, coverage_held = (
            verified(TIME_HELD),
            verified({"encounter.encounter_id": f"C-{unique}"}, outcome="needs_manual"),
        )
        await code([time_held, coverage_held])
        seen = [sorted(h.holds[0].reason for h in await desk.list_holds())]
        await code([verified({"encounter.encounter_id": f"C-{unique}"})])  # the payer answered: coded now
        seen.append([h.key for h in await desk.list_holds()])
        line = ManualLine("99213", ("95",), 1, (1, 2))
        await desk.resolve(
            time_held.correlation_id, Resolution("coder", "from the note", "10", (line,)), datetime.now(UTC)
        )
        seen.append([h.key for h in await desk.list_holds()])
        await db.client.drop_database(db.name)
        return seen

    seen = asyncio.run(scenario())
    assert seen[0] == ["coverage_not_verified", "em_level_unsupported"]
    assert seen[1] == ["acme-video:AV-2026-000101"] and seen[2] == []


def test_an_835_that_did_not_post_stays_on_the_files_worklist_until_it_posts(settings, unique) -> None:  # type: ignore[no-untyped-def]
    from services.remittance.adapters.repository import MongoRemittanceStore
    from services.remittance.bootstrap import bootstrap as remittance
    from services.remittance.domain.files import EraFile, FileOutcome
    from tests.unit.test_remittance_posting import ERA, PCNS, submitted

    async def scenario() -> list[list[tuple[str, str]]]:
        db = async_database(settings, f"test_{unique}")
        store = MongoRemittanceStore(db)

        async def listed() -> list[tuple[str, str]]:
            return [(f.file_name, f.outcome) for f in await store.file_worklist(10)]

        posting = remittance(store, RecordingPublisher())
        await posting.record_submissions([submitted(pcn, charge) for pcn, charge in PCNS.items()])
        short = ERA.replace("BPR*I*945.00*", "BPR*I*944.00*")
        for name, text in (("short.835", short), ("bad.835", "not X12"), ("good.835", ERA)):
            await posting.post_file(name, text)
        seen = [await listed()]
        await store.record_era(
            EraFile("d1", "broke.835", FileOutcome.FAILED, ("RuntimeError: boom",), datetime.now(UTC))
        )
        seen.append(await listed())
        await store.record_era(EraFile("d1", "broke.835", FileOutcome.POSTED, (), datetime.now(UTC)))  # after a fix
        seen.append(await listed())
        await db.client.drop_database(db.name)
        return seen

    first, failed, fixed = asyncio.run(scenario())
    assert first == [("short.835", "unbalanced"), ("bad.835", "unreadable")]
    assert failed == [*first, ("broke.835", "failed")] and fixed == first


def test_a_claims_source_event_is_kept_apart_and_an_older_claim_still_gives_its_own(settings, unique) -> None:  # type: ignore[no-untyped-def]
    """Lifecycle moves read and rewrite claim documents, so the `claim-coded` event a correction starts
    from lives in `sources`; claims stored before that still carry it and are read the old way."""

    new_event, again, old_event = coded("E-new"), coded("E-again"), coded("E-old")
    old_claim = {  # as the first claims service stored a submitted claim: no encounter key nor frequency
        "_id": "old", "claim_id": "TBOLD", "patient_control_number": "TBOLD", "status": "paid", "payer_id": "MCRTX",
        "total_charge_cents": 15000, "interchange_control_number": 3, "file_name": "TB000000003.837",
        "history": [{"status": "created", "at": "2026-03-02T10:00:00+00:00", "note": "assembled from claim-coded"}],
        "claim_coded": old_event.model_dump(mode="json"),
    }  # fmt: skip

    async def scenario() -> tuple[Any, ...]:
        store = MongoClaimStore(async_database(settings, f"test_{unique}"))
        await store.save_sources({"new": new_event})
        await store.save_sources({"new": again})  # a redelivery: the first write stays
        await store.outbox.collection.insert_one(old_claim)
        found = (await store.source("new"), await store.source("old"), await store.source("missing"))
        stored = await store.sources.find_one({"_id": "new"}) or {}
        old = (await store.records(["old"]))["old"]
        await store.outbox.collection.database.client.drop_database(store.outbox.collection.database.name)
        return *found, stored, old

    new, old, missing, stored, old_record = asyncio.run(scenario())
    assert (new, old, missing) == (new_event, old_event, None)
    assert set(stored) == {"_id", "claim_coded"} and new_event.encounter.patient.last_name not in str(stored)
    assert (old_record.encounter_key, old_record.frequency_code, old_record.status) == ("old", "1", "paid")
    assert old_record.patient_control_number == "TBOLD"
    assert old_record.history[0]["note"] == "assembled from claim-coded"


def test_interchanges_are_kept_under_text_ids_and_older_numeric_ones_are_moved_at_start_up(settings, unique) -> None:  # type: ignore[no-untyped-def]
    """FerretDB uses its `_id` index only for text (and ObjectId) ids: a numeric id made every
    interchange lookup read every stored 837. Ones stored before keep working after a restart."""

    async def scenario() -> tuple[Any, ...]:
        store = MongoClaimStore(async_database(settings, f"test_{unique}"))
        await store.interchanges.insert_many([{"_id": 7, "dropped": True, "claim_ids": ["P7"]}, {"_id": 8}])
        await store.drops_pending.insert_one({"_id": 8, "file_name": "TB000000008.837"})
        await store.ensure_indexes()  # start-up
        await store.ensure_indexes()  # and again: nothing changes
        ids = sorted([doc["_id"] async for doc in store.interchanges.find({}, {"_id": 1})])
        old, undropped = await store.interchange(7), await store.undropped_interchanges()
        number = await store.next_control_number()
        await store.save_interchange(number, "TB000000009.837", "ISA...", ["P9"])
        await store.note_interchange(
            number, {"status": "acknowledged", "at": "2026-12-01T10:00:00+00:00", "note": "999"}
        )
        new = await store.interchange(number)
        await store.interchanges.database.client.drop_database(store.interchanges.database.name)
        return ids, old, [found.control_number for found in undropped], number, new

    ids, old, undropped, number, new = asyncio.run(scenario())
    assert ids == ["000000007", "000000008"]
    assert old == Interchange(7, "", ("P7",), dropped=True)
    assert undropped == [8] and number == 9
    assert (
        new is not None and new.control_number == 9 and [a["status"] for a in new.acknowledgements] == ["acknowledged"]
    )
    assert new.x12 is None  # read without its file
