"""The eligibility service's MongoDB database: encounters (with outbox) and verifications."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.events import Verification
from shared.messaging import Outgoing, Publisher
from shared.outbox import OutboxStore
from services.eligibility.domain.model import CoverageId


class MongoEligibilityRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self.encounters = OutboxStore(db["encounters"])
        self.verifications = db["verifications"]

    async def ensure_indexes(self) -> None:
        await self.verifications.create_index([("coverage_key", ASCENDING)])
        await self.encounters.collection.create_index([("status", ASCENDING)])

    async def known_encounters(self, keys: list[str]) -> set[str]:
        return await self.encounters.known(keys)

    async def latest_verifications(self, coverage_keys: set[str]) -> dict[str, Verification]:
        docs = await self.verifications.find({"coverage_key": {"$in": sorted(coverage_keys)}}).to_list(None)
        latest: dict[str, Verification] = {}
        for doc in sorted(docs, key=lambda d: d["verification"]["verified_at"]):
            latest[doc["coverage_key"]] = Verification.model_validate(doc["verification"])
        return latest

    async def save(
        self, records: list[tuple[dict[str, Any], list[Outgoing]]], verifications: list[tuple[CoverageId, Verification]]
    ) -> None:
        if verifications:
            await self.verifications.bulk_write([verification_upsert(c, v) for c, v in verifications], ordered=False)
        await self.encounters.save(records)

    async def flush(self, keys: list[str], publisher: Publisher) -> int:
        return await self.encounters.flush(keys, publisher)


def verification_upsert(coverage: CoverageId, verification: Verification) -> UpdateOne:
    doc = {
        "coverage_key": coverage.key, "payer_id": coverage.payer_id, "member_id": coverage.member_id,
        "plan_year": coverage.plan_year, "verification": verification.model_dump(mode="json"),
    }
    return UpdateOne({"_id": verification.verification_id}, {"$setOnInsert": doc}, upsert=True)
