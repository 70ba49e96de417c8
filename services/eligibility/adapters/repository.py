"""The eligibility service's MongoDB database: encounters (with outbox) and verifications."""

from __future__ import annotations

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from services.eligibility.domain.model import CoverageId
from shared.contracts.events import Verification
from shared.messaging import Publisher
from shared.mongo import bulk_write_safely, find_by_ids
from shared.outbox import OutboxStore, Record


class MongoEligibilityRepository:
    """`verifications` holds one document per coverage (`_id` = payer|member|plan year): the
    latest verification, which later encounters reuse, and every earlier one as history."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.encounters = OutboxStore(db["encounters"])
        self.verifications = db["verifications"]

    async def ensure_indexes(self) -> None:
        await self.encounters.collection.create_index("status")

    async def latest_verifications(self, coverage_keys: set[str]) -> dict[str, Verification]:
        docs = await find_by_ids(self.verifications, sorted(coverage_keys), {"latest": 1})
        return {key: Verification.model_validate(doc["latest"]) for key, doc in docs.items()}

    async def save_verifications(self, verifications: list[tuple[CoverageId, Verification]]) -> None:
        await bulk_write_safely(self.verifications, [verification_upsert(c, v) for c, v in verifications])

    async def save_and_publish(self, records: list[Record], publisher: Publisher) -> set[str]:
        return await self.encounters.save_and_publish(records, publisher)


def verification_upsert(coverage: CoverageId, verification: Verification) -> UpdateOne:
    stored = verification.model_dump(mode="json")
    identity = {"payer_id": coverage.payer_id, "member_id": coverage.member_id, "plan_year": coverage.plan_year}
    return UpdateOne(
        {"_id": coverage.key},
        {"$set": {**identity, "latest": stored}, "$push": {"history": stored}},
        upsert=True,
    )
