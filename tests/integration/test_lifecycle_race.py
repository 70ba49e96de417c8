"""A claim's status never moves backwards when an acknowledgement and a payment race on it: the claims
worker's acknowledgement timer and its payment consumer, on the real server, many times.

Across processes the compare-and-set on the status is what guards it, and it is atomic on MongoDB;
FerretDB 1.24 evaluates an update's filter outside SQLite's transaction, so locally one claims worker
owns the lifecycle (see the README's failure modes)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from services.claims.adapters.repository import MongoClaimStore
from services.claims.bootstrap import load_claim_rules
from services.claims.domain.lifecycle import ClaimStatus
from services.claims.domain.records import ClaimRecord
from services.claims.handlers.claim_lifecycle import Lifecycle, Move
from shared.mongo import async_database
from shared.outbox import Recorded

pytestmark = pytest.mark.integration
CLAIMS = 60


def submitted(n: int) -> Recorded[ClaimRecord]:
    return Recorded(f"race:{n}", ClaimRecord(f"race:{n}", f"race:{n}", f"C{n}", "1", ClaimStatus.SUBMITTED))


def lifecycle(settings, database: str) -> Lifecycle:  # type: ignore[no-untyped-def]
    store = MongoClaimStore(async_database(settings, database))
    return Lifecycle(store, load_claim_rules().acks, lambda: datetime.now(UTC))


def test_a_late_acknowledgement_never_moves_a_paid_claim_back(settings, unique) -> None:  # type: ignore[no-untyped-def]
    database = f"test_{unique}"

    async def race() -> list[ClaimRecord]:
        worker = lifecycle(settings, database)
        acknowledgements = payments = worker
        await worker.store.claims.save([submitted(n) for n in range(CLAIMS)])
        accepted = [Move(f"race:{n}", ClaimStatus.ACCEPTED, "277CA accepted") for n in range(CLAIMS)]
        paid = [Move(f"race:{n}", ClaimStatus.PAID, "835 paid") for n in reversed(range(CLAIMS))]
        await asyncio.gather(  # the payment is read first half the time, the acknowledgement the other half
            *(acknowledgements.move_all([move]) for move in accepted),
            *(payments.move_all([move]) for move in paid),
        )
        found = await payments.store.records([f"race:{n}" for n in range(CLAIMS)])
        db = async_database(settings, database)
        await db.client.drop_database(db.name)
        return list(found.values())

    claims = asyncio.run(race())
    assert len(claims) == CLAIMS
    assert {claim.status for claim in claims} == {"paid"}
    for claim in claims:  # both messages are kept; only the payment moved the claim last
        assert sorted(step["status"] for step in claim.history) == ["accepted", "paid"]
        assert [step["applied"] for step in claim.history if step["status"] == "paid"] == [True]
