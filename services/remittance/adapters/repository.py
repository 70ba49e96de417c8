"""The remittance service's MongoDB database: expected claims, ERA files, postings, unmatched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.remittance.adapters.documents import (
    DENIALS,
    ERA_FILES,
    EXPECTED_CLAIMS,
    LEFT_OUT_OF_EXPECTED,
    POSTINGS,
    UNDERPAYMENTS,
    expected_document,
    oldest_first,
)
from services.remittance.domain.era import Adjustment, ClaimPayment, LinePayment
from services.remittance.domain.files import EraFile
from services.remittance.domain.parked import ParkedClaim
from services.remittance.domain.posting import posting_key
from services.remittance.domain.records import DenialFollowUp, ExpectedClaim, PostingRecord, Underpayment
from shared.contracts.events import ClaimSubmitted
from shared.mongo import Document, find_by_ids, insert_new
from shared.outbox import OutboxStore, Records


class MongoRemittanceStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.payments = Records(OutboxStore(db["payments"]), POSTINGS)
        self.expected_claims = db["expected_claims"]
        self.eras = db["eras"]
        self.unmatched = db["unmatched"]
        self.denials = db["denials"]  # worklists: small, scanned by the remittance API
        self.underpayments = db["underpayments"]
        self.era_problems = db["era_problems"]  # worklist: 835s that did not post
        self.payer_claims = db["payer_claims"]  # CLP07 -> our PCN, for payers that change CLP01

    async def follow_up(self, denied: Sequence[DenialFollowUp], underpaid: Sequence[Underpayment]) -> None:
        await insert_new(self.denials, [{"_id": entry.posting.key, **DENIALS.document(entry)} for entry in denied])
        await insert_new(
            self.underpayments, [{"_id": entry.posting.key, **UNDERPAYMENTS.document(entry)} for entry in underpaid]
        )

    async def denial_worklist(self, limit: int) -> list[DenialFollowUp]:
        docs = await self.denials.find({}).to_list()
        return [DENIALS.record(doc) for doc in oldest_first(docs, "posted_at", limit)]

    async def underpayment_worklist(self, limit: int) -> list[Underpayment]:
        docs = await self.underpayments.find({}).to_list()
        return [UNDERPAYMENTS.record(doc) for doc in oldest_first(docs, "posted_at", limit)]

    async def file_worklist(self, limit: int) -> list[EraFile]:
        docs = await self.era_problems.find({}).to_list()
        return [ERA_FILES.record(doc) for doc in oldest_first(docs, "recorded_at", limit)]

    async def remember_payer_claims(self, pcn_by_payer_claim: dict[str, str]) -> None:
        await insert_new(self.payer_claims, [{"_id": number, "pcn": pcn} for number, pcn in pcn_by_payer_claim.items()])

    async def pcns_for_payer_claims(self, payer_claims: Sequence[str]) -> dict[str, str]:
        return {number: doc["pcn"] for number, doc in (await find_by_ids(self.payer_claims, payer_claims)).items()}

    async def posting(self, key: str) -> PostingRecord | None:
        return await self.payments.get(key)

    async def save_expected(self, claims: Sequence[ClaimSubmitted]) -> None:
        await insert_new(self.expected_claims, [expected_document(claim) for claim in claims])

    async def expected(self, pcns: Sequence[str]) -> dict[str, ExpectedClaim]:
        docs = await find_by_ids(self.expected_claims, pcns, LEFT_OUT_OF_EXPECTED)
        return {pcn: EXPECTED_CLAIMS.record(doc) for pcn, doc in docs.items()}

    async def era_seen(self, digest: str) -> bool:
        doc = await self.eras.find_one({"_id": digest}, {"outcome": 1})
        return doc is not None and doc["outcome"] == "posted"

    async def record_era(self, file: EraFile) -> None:
        doc = ERA_FILES.document(file)
        await self.eras.update_one({"_id": file.digest}, {"$set": doc}, upsert=True)
        if file.posted:  # the same file, posted after a fix, leaves the worklist
            await self.era_problems.delete_one({"_id": file.digest})
        else:
            await self.era_problems.update_one({"_id": file.digest}, {"$set": doc}, upsert=True)

    async def park_unmatched(self, trace: str, claims: Sequence[ClaimPayment]) -> None:
        await insert_new(self.unmatched, [{"_id": posting_key(trace, c), **unmatched_doc(trace, c)} for c in claims])

    async def parked(self, limit: int = 500) -> list[ParkedClaim]:
        return [parked_from(doc) for doc in await self.unmatched.find({}).to_list(limit)]

    async def clear_unmatched(self, ids: Sequence[str]) -> None:
        if ids:
            await self.unmatched.delete_many({"_id": {"$in": list(ids)}})


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
