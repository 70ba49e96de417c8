"""The ops trails on the real server: facts survive the round trip exactly, the summary fields the
ops API filters on are written with them, and projecting the same batch again changes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.ops.adapters.repository import MongoTrailStore
from services.ops.bootstrap import bootstrap
from services.ops.domain.trail import project
from shared.mongo import async_database
from tests.unit.test_ops_projection import SCENARIO

pytestmark = pytest.mark.integration


def test_trails_round_trip_and_a_replayed_batch_changes_nothing(settings, unique) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> tuple[Any, ...]:
        db = async_database(settings, f"test_{unique}")
        store = MongoTrailStore(db)
        await store.ensure_indexes()
        project_facts = bootstrap(store)
        await project_facts(SCENARIO)
        first = {doc["_id"]: doc async for doc in store.collection.find({})}
        await project_facts(SCENARIO[::-1])  # again, in the opposite order
        again = {doc["_id"]: doc async for doc in store.collection.find({})}
        read = await store.trails(["A", "B", "C", "D", "nobody"])
        await db.client.drop_database(db.name)
        return first, again, read

    first, again, read = asyncio.run(scenario())
    assert read == project({}, SCENARIO)  # every fact back as it was: tuples, aware datetimes
    assert first == again
    assert {key: (doc["state"], doc["outstanding_cents"], doc["payer_id"]) for key, doc in first.items()} == {
        "A": ("paid", 0, "MEDICARE-TX"),
        "B": ("denied", 0, "MEDICARE-TX"),
        "C": ("coded", 0, "MEDICARE-TX"),
        "D": ("submitted", 5000, "MEDICARE-TX"),
    }


@pytest.mark.parametrize("scan_once", [False, True], ids=["by_index", "one_scan"])
def test_the_ops_api_queries_read_the_summaries_on_the_real_server(settings, unique, scan_once) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from services.ops.domain.summary import Search, summarize
    from tests.unit.test_ops_projection import T0

    async def scenario() -> dict[str, Any]:
        db = async_database(settings, f"test_{unique}")
        store = MongoTrailStore(db, scan_once=scan_once)  # as on MongoDB, or as on a server that scans
        await store.ensure_indexes()
        await bootstrap(store)(SCENARIO)
        page, total = await store.search(Search(), 1, 2)
        answers = {
            "summaries": {s.key: s for s in await store.summaries(Search())},
            "page": ([s.key for s in page], total),
            "denied": [s.key for s in (await store.search(Search(state="denied"), 0, 10))[0]],
            "patient": [s.key for s in (await store.search(Search(patient_id="P-C"), 0, 10))[0]],
            "window": sorted(
                s.key
                for s in await store.summaries(
                    Search(visit_from=T0 + timedelta(days=1), visit_to=T0 + timedelta(days=3))
                )
            ),
            "outstanding": [s.key for s in await store.outstanding()],
            "attention": [s.key for s in await store.needing_attention()],
            "recent": sorted(s.key for s in await store.changed_since(T0 + timedelta(days=10))),
            "states": await store.state_counts(),
            "trail": await store.trail("A"),
        }
        await db.client.drop_database(db.name)
        return answers

    found = asyncio.run(scenario())
    trails = project({}, SCENARIO)
    assert found["summaries"] == {key: summarize(trail) for key, trail in trails.items()}  # every field back as written
    assert found["page"] == (["C", "B"], 4)  # newest visit first: D (day 3) is skipped, then C, B
    assert (found["denied"], found["patient"], found["window"]) == (["B"], ["C"], ["B", "C"])
    assert (found["outstanding"], found["attention"]) == (["D"], ["B"])
    assert found["recent"] == ["A", "B"]  # their remittances came on days 14 and 20
    assert found["states"] == {"paid": 1, "denied": 1, "coded": 1, "submitted": 1}
    assert found["trail"] == trails["A"]


def test_creating_a_trail_already_there_sets_it_and_the_keys_are_read_back(settings, unique) -> None:  # type: ignore[no-untyped-def]
    from services.ops.domain.summary import summarize

    trails = project({}, SCENARIO)
    partial = project({}, SCENARIO[:3])["A"]  # A's first three facts: what a crash may have left

    async def scenario() -> tuple[Any, ...]:
        db = async_database(settings, f"test_{unique}")
        store = MongoTrailStore(db, scan_once=False)
        await store.create([partial])
        await store.create(list(trails.values()))  # A again, whole: set, not refused as a duplicate
        read = await store.trails(list(trails))
        summaries = {s.key: s for s in await store.summaries(Search())}
        keys = await store.keys()
        await db.client.drop_database(db.name)
        return read, summaries, keys

    from services.ops.domain.summary import Search

    read, summaries, keys = asyncio.run(scenario())
    assert read == trails and keys == set(trails)
    assert summaries == {key: summarize(trail) for key, trail in trails.items()}
