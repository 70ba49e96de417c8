"""Service repositories on the real server: verification reuse, unique control numbers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from services.claims.adapters.repository import MongoClaimStore
from services.eligibility.adapters.repository import MongoEligibilityRepository
from services.eligibility.bootstrap import bootstrap
from shared.contracts.encounter import EncounterCompleted
from shared.messaging import RecordingPublisher
from shared.mongo import async_database
from tests.conftest import example

pytestmark = pytest.mark.integration


def encounter(encounter_id: str, day: str, member: str) -> EncounterCompleted:
    data = example("01-medicare-video-home-established.json")
    data["encounter"].update(encounter_id=encounter_id, date_of_service=day)
    data["coverage"]["member_id"] = member
    return EncounterCompleted.model_validate(data)


def test_second_encounter_reuses_the_stored_verification_and_a_new_plan_year_does_not(settings, unique) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> list[bool]:
        db = async_database(settings, f"test_{unique}")
        repo = MongoEligibilityRepository(db)
        await repo.ensure_indexes()
        reused = []
        for n, day in enumerate(["2026-12-01", "2026-12-20", "2027-01-04"]):
            publisher = RecordingPublisher()
            await bootstrap(repo, publisher, clock=lambda: datetime.now(UTC))([encounter(f"{unique}-{n}", day, unique)])
            reused.append('"reused":true' in publisher.sent[0].value)
        await db.client.drop_database(db.name)
        return reused

    assert asyncio.run(scenario()) == [False, True, False]


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
