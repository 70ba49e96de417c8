"""How remittance's records are kept, by the MongoDB store and the in-memory one alike, under the
field names of the documents already stored (each document's `_id` is its record's key).

Nothing remittance keeps is patient data (an 835's patient name and member id never reach a
`ClaimPayment`), so no field here is sealed; a contract model's `Phi` fields would seal themselves
when dumped."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from services.remittance.domain.files import EraFile, FileOutcome
from services.remittance.domain.matching import LineMatch
from services.remittance.domain.records import (
    AWAITING_PAYMENT,
    DenialFollowUp,
    ExpectedClaim,
    PostingRecord,
    PostingSummary,
    Underpayment,
)
from shared.contracts.events import ClaimSubmitted, Denial, PaymentPosted, SubmittedLine, UnderpaidLine
from shared.outbox import Codec

Doc = dict[str, Any]


def expected_claim_document(claim: ExpectedClaim) -> Doc:
    day = claim.first_date_of_service
    return {
        "claim_id": claim.claim_id,
        "correlation_id": claim.correlation_id,
        "event_id": claim.event_id,
        "payer_id": claim.payer_id,
        "plan_type": claim.plan_type,
        "place_of_service": claim.place_of_service,
        "first_date_of_service": day.isoformat() if day else None,
        "lines": [line.model_dump(mode="json") for line in claim.lines],
        "total_charge_cents": claim.total_charge_cents,
        "status": claim.status,
    }


def expected_claim_from(doc: Doc) -> ExpectedClaim:
    """Read without the `submitted` event kept beside it (see `expected_document`)."""
    day = doc.get("first_date_of_service")
    return ExpectedClaim(
        patient_control_number=doc["_id"],
        claim_id=doc["claim_id"],
        correlation_id=doc["correlation_id"],
        event_id=doc["event_id"],
        payer_id=doc["payer_id"],
        plan_type=doc.get("plan_type", ""),
        place_of_service=doc.get("place_of_service"),
        first_date_of_service=date.fromisoformat(day) if day else None,
        lines=tuple(SubmittedLine.model_validate(line) for line in doc.get("lines", [])),
        total_charge_cents=doc["total_charge_cents"],
        status=doc.get("status", AWAITING_PAYMENT),
    )


EXPECTED_CLAIMS: Codec[ExpectedClaim] = Codec(expected_claim_document, expected_claim_from)
LEFT_OUT_OF_EXPECTED = {"submitted": 0}  # the projection that reads an expected claim


def expected_document(claim: ClaimSubmitted) -> Doc:
    """The expected claim, keyed by its PCN, with the whole `claim-submitted` it came from."""
    expected = ExpectedClaim.of(claim)
    return {
        "_id": expected.patient_control_number,
        **EXPECTED_CLAIMS.document(expected),
        "submitted": claim.model_dump(mode="json"),
    }


def posting_document(posting: PostingRecord) -> Doc:
    payment = posting.payment
    return {
        "line_matches": [line_match_document(match) for match in posting.line_matches],
        "lines_unmatched": posting.lines_unmatched,
        "crossover_payer": posting.crossover_payer,
        "forwarded": posting.forwarded,
        "correlation_id": payment.correlation_id,
        "claim_id": payment.claim_id,
        "status": payment.claim_status,
        "paid_cents": payment.paid_cents,
        "posted_at": posting.posted_at.isoformat(),
        "payment": payment.model_dump(mode="json"),
    }


def posting_from(doc: Doc) -> PostingRecord:
    return PostingRecord(
        key=doc["_id"],
        payment=PaymentPosted.model_validate(doc["payment"]),
        line_matches=tuple(LineMatch(**match) for match in doc.get("line_matches", [])),
        crossover_payer=doc.get("crossover_payer"),
        forwarded=doc.get("forwarded", False),
        posted_at=datetime.fromisoformat(doc["posted_at"]),
    )


def line_match_document(match: LineMatch) -> Doc:
    # field by field: `dataclasses.asdict` deep-copies, and this runs for every line posted
    return {"billed_line": match.billed_line, "code": match.code, "paid_cents": match.paid_cents, "how": match.how}


POSTINGS: Codec[PostingRecord] = Codec(posting_document, posting_from)


def summary_document(summary: PostingSummary) -> Doc:
    return {
        "correlation_id": summary.correlation_id,
        "claim_id": summary.claim_id,
        "payer_claim_number": summary.payer_claim_number,
        "era_trace_number": summary.era_trace_number,
        "claim_status": summary.claim_status,
        "posted_at": summary.posted_at.isoformat(),
    }


def summary_from(doc: Doc) -> PostingSummary:
    return PostingSummary(
        key=doc["_id"],
        correlation_id=doc["correlation_id"],
        claim_id=doc["claim_id"],
        payer_claim_number=doc["payer_claim_number"],
        era_trace_number=doc["era_trace_number"],
        claim_status=doc["claim_status"],
        posted_at=datetime.fromisoformat(doc["posted_at"]),
    )


def denial_document(entry: DenialFollowUp) -> Doc:
    return {**summary_document(entry.posting), "denials": dumped(entry.denials)}


def denial_from(doc: Doc) -> DenialFollowUp:
    return DenialFollowUp(summary_from(doc), tuple(Denial.model_validate(denial) for denial in doc["denials"]))


def underpayment_document(entry: Underpayment) -> Doc:
    return {**summary_document(entry.posting), "underpaid_lines": dumped(entry.underpaid_lines)}


def underpayment_from(doc: Doc) -> Underpayment:
    lines = tuple(UnderpaidLine.model_validate(line) for line in doc["underpaid_lines"])
    return Underpayment(summary_from(doc), lines)


def dumped(models: Iterable[Denial | UnderpaidLine]) -> list[Doc]:
    return [model.model_dump(mode="json") for model in models]


DENIALS: Codec[DenialFollowUp] = Codec(denial_document, denial_from)
UNDERPAYMENTS: Codec[Underpayment] = Codec(underpayment_document, underpayment_from)


def era_file_document(file: EraFile) -> Doc:
    return {
        "file_name": file.file_name,
        "outcome": file.outcome.value,
        "problems": list(file.problems),
        "recorded_at": file.recorded_at,
    }


def era_file_from(doc: Doc) -> EraFile:
    return EraFile(
        doc["_id"], doc["file_name"], FileOutcome(doc["outcome"]), tuple(doc["problems"]), doc["recorded_at"]
    )


ERA_FILES: Codec[EraFile] = Codec(era_file_document, era_file_from)


def oldest_first(docs: Iterable[Doc], field: str, limit: int) -> list[Doc]:
    """A worklist's documents by the time they were stored under `field` (worklists stay small)."""
    return sorted(docs, key=lambda doc: doc[field])[:limit]
