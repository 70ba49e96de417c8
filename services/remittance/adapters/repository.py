"""The remittance service's MongoDB database: expected claims, ERA files, postings, unmatched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.remittance.domain.era import Adjustment, ClaimPayment, LinePayment
from services.remittance.domain.parked import ParkedClaim
from services.remittance.domain.posting import posting_key
from shared.contracts.events import ClaimSubmitted
from shared.mongo import Document, find_by_ids, insert_new
from shared.outbox import OutboxStore


class MongoRemittanceStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.payments = OutboxStore(db["payments"])
        self.expected_claims = db["expected_claims"]
        self.eras = db["eras"]
        self.unmatched = db["unmatched"]
        self.denials = db["denials"]  # worklists: small, scanned by the remittance API
        self.underpayments = db["underpayments"]
        self.era_problems = db["era_problems"]  # worklist: 835s that did not post
        self.payer_claims = db["payer_claims"]  # CLP07 -> our PCN, for payers that change CLP01

    async def follow_up(self, denied: list[dict[str, Any]], underpaid: list[dict[str, Any]]) -> None:
        await insert_new(self.denials, denied)
        await insert_new(self.underpayments, underpaid)

    async def worklist(self, name: str, limit: int) -> list[dict[str, Any]]:
        collection, since = {
            "denials": (self.denials, "posted_at"),
            "underpayments": (self.underpayments, "posted_at"),
            "files": (self.era_problems, "recorded_at"),
        }[name]
        docs = [doc async for doc in collection.find({})]
        return sorted(docs, key=lambda doc: doc[since])[:limit]

    async def remember_payer_claims(self, pcn_by_payer_claim: dict[str, str]) -> None:
        await insert_new(self.payer_claims, [{"_id": number, "pcn": pcn} for number, pcn in pcn_by_payer_claim.items()])

    async def pcns_for_payer_claims(self, payer_claims: Sequence[str]) -> dict[str, str]:
        return {number: doc["pcn"] for number, doc in (await find_by_ids(self.payer_claims, payer_claims)).items()}

    async def posting(self, key: str) -> dict[str, Any] | None:
        return await self.payments.get(key)

    async def save_expected(self, claims: Sequence[ClaimSubmitted]) -> None:
        await insert_new(self.expected_claims, [{"_id": c.patient_control_number, **expected_doc(c)} for c in claims])

    async def expected(self, pcns: Sequence[str]) -> dict[str, dict[str, Any]]:
        return await find_by_ids(self.expected_claims, pcns, {"submitted": 0})

    async def era_seen(self, digest: str) -> bool:
        doc = await self.eras.find_one({"_id": digest}, {"outcome": 1})
        return doc is not None and doc["outcome"] == "posted"

    async def record_era(self, digest: str, file_name: str, outcome: str, problems: list[str], at: datetime) -> None:
        doc = {"file_name": file_name, "outcome": outcome, "problems": problems, "recorded_at": at}
        await self.eras.update_one({"_id": digest}, {"$set": doc}, upsert=True)
        if outcome == "posted":  # the same file, posted after a fix, leaves the worklist
            await self.era_problems.delete_one({"_id": digest})
        else:
            await self.era_problems.update_one({"_id": digest}, {"$set": doc}, upsert=True)

    async def park_unmatched(self, trace: str, claims: Sequence[ClaimPayment]) -> None:
        await insert_new(self.unmatched, [{"_id": posting_key(trace, c), **unmatched_doc(trace, c)} for c in claims])

    async def parked(self, limit: int = 500) -> list[ParkedClaim]:
        docs = await self.unmatched.find({}).to_list(limit)
        return [
            ParkedClaim(doc["_id"], doc["trace"], claim_payment_from_doc(doc["claim"]), doc["parked_at"])
            for doc in docs
        ]

    async def clear_unmatched(self, ids: Sequence[str]) -> None:
        if ids:
            await self.unmatched.delete_many({"_id": {"$in": list(ids)}})


def expected_doc(claim: ClaimSubmitted) -> dict[str, Any]:
    return {
        "claim_id": claim.claim_id,
        "correlation_id": claim.correlation_id,
        "event_id": claim.event_id,
        "payer_id": claim.payer_id,
        "plan_type": claim.plan_type,
        "place_of_service": claim.place_of_service,
        "first_date_of_service": min(line.date_of_service for line in claim.lines).isoformat(),
        "lines": [line.model_dump(mode="json") for line in claim.lines],
        "total_charge_cents": claim.total_charge_cents,
        "status": "awaiting_payment",
        "submitted": claim.model_dump(mode="json"),
    }


def parked_from(doc: dict[str, Any]) -> ParkedClaim:
    return ParkedClaim(doc["_id"], doc["trace"], claim_payment_from_doc(doc["claim"]), doc["parked_at"])


def unmatched_doc(trace: str, claim: ClaimPayment) -> dict[str, Any]:
    return {
        "trace": trace,
        "parked_at": datetime.now(UTC),  # the unmatched worklist's age
        "patient_control_number": claim.patient_control_number,
        "charge_cents": claim.charge_cents,
        "paid_cents": claim.paid_cents,
        "claim": claim_payment_doc(claim),
    }


def claim_payment_doc(claim: ClaimPayment) -> dict[str, Any]:
    """A ClaimPayment as BSON-friendly values (Decimal units and dates as strings)."""
    doc = asdict(claim)
    for line in doc["lines"]:
        line["units"] = str(line["units"])
        line["service_date"] = line["service_date"].isoformat() if line["service_date"] else None
    return doc


def claim_payment_from_doc(doc: dict[str, Any]) -> ClaimPayment:
    lines = tuple(
        LinePayment(
            **{
                **line,
                "units": Decimal(line["units"]),
                "modifiers": tuple(line["modifiers"]),
                "adjustments": tuple(Adjustment(**a) for a in line["adjustments"]),
                "remark_codes": tuple(line["remark_codes"]),
                "service_date": date.fromisoformat(line["service_date"]) if line["service_date"] else None,
            }
        )
        for line in doc["lines"]
    )
    return ClaimPayment(
        **{
            **doc,
            "adjustments": tuple(Adjustment(**a) for a in doc["adjustments"]),
            "lines": lines,
            "remarks": tuple(doc["remarks"]),
        }
    )
