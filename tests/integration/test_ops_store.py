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
