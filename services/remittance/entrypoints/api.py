"""The remittance service's API: upload an 835, the denial / underpayment / unmatched / files worklists,
and an appeal packet with the eligibility evidence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.remittance.bootstrap import RemittanceDesk, build_api
from services.remittance.domain.appeal import Appeal
from services.remittance.domain.files import EraFile, FileOutcome
from services.remittance.domain.parked import ParkedClaim
from services.remittance.domain.records import DenialFollowUp, PostingSummary, Underpayment
from services.remittance.handlers.ports import RemittanceStore
from services.remittance.reconcile import Reconcile
from shared.access import ADMINS, READERS, WRITERS
from shared.api import answers, ops_app, raw_body, use_cases
from shared.reconcile import MAX_KEYS, ReconciledOut, ReconcileIn

UPLOAD_STATUS = {
    FileOutcome.POSTED: 201,
    FileOutcome.DUPLICATE: 200,
    FileOutcome.UNBALANCED: 422,
    FileOutcome.UNREADABLE: 422,
    FileOutcome.FAILED: 500,
}
MAX_ERA_BYTES = 20 * 1024 * 1024


class UploadOut(BaseModel):
    file: str
    outcome: str = Field(description="posted | duplicate | unreadable | unbalanced | failed")
    problems: list[str]


class WorklistOut(BaseModel):
    """`count`, and the entries under the worklist's own name (`denials`, `underpayments`, `unmatched`,
    `files`): postings with categorised denials and next actions, underpaid lines, 835 claims no
    submitted claim matches, 835 files that did not post."""

    model_config = ConfigDict(extra="allow")

    count: int


class ParkedOut(BaseModel):
    count: int
    parked: list[dict[str, Any]]


DeskDep = Annotated[RemittanceDesk, Depends(use_cases)]
router = APIRouter(prefix="/v1")


@router.post(
    "/eras",
    status_code=201,
    dependencies=WRITERS,
    responses=answers(413, *UPLOAD_STATUS.values(), model=UploadOut),
    openapi_extra=raw_body("application/edi-x12", "An 835 (X12 5010 X221A1) file, as sent by the payer"),
)
async def upload(
    request: Request, service: DeskDep, x_file_name: Annotated[str, Header()] = "upload.835"
) -> JSONResponse:
    """An 835 as the request body (X12 text). Posted all or nothing; the same file twice posts once."""
    body = await request.body()
    if len(body) > MAX_ERA_BYTES:
        raise HTTPException(status_code=413, detail=f"835 larger than {MAX_ERA_BYTES} bytes")
    outcome, problems = await service.posting.post_file_explained(x_file_name, body.decode(errors="replace"))
    return JSONResponse(
        status_code=UPLOAD_STATUS[outcome], content={"file": x_file_name, "outcome": outcome, "problems": problems}
    )


WorklistName = Literal["denials", "underpayments", "unmatched", "files"]


@router.get("/worklists/{name}", dependencies=READERS)
async def worklist(
    name: WorklistName, service: DeskDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> WorklistOut:
    entries = await worklist_entries(service.store, name, limit)
    return WorklistOut.model_validate({"count": len(entries), name: entries})


async def worklist_entries(store: RemittanceStore, name: WorklistName, limit: int) -> list[dict[str, Any]]:
    match name:
        case "denials":
            return [denial_entry(entry) for entry in await store.denial_worklist(limit)]
        case "underpayments":
            return [underpayment_entry(entry) for entry in await store.underpayment_worklist(limit)]
        case "files":
            return [file_entry(file) for file in await store.file_worklist(limit)]
        case "unmatched":
            return [unmatched_entry(parked) for parked in await store.parked(limit)]


def posting_entry(posting: PostingSummary) -> dict[str, Any]:
    return {
        "_id": posting.key,
        "correlation_id": posting.correlation_id,
        "claim_id": posting.claim_id,
        "payer_claim_number": posting.payer_claim_number,
        "era_trace_number": posting.era_trace_number,
        "claim_status": posting.claim_status,
        "posted_at": posting.posted_at.isoformat(),
    }


def denial_entry(entry: DenialFollowUp) -> dict[str, Any]:
    """A posting with categorised denials, each with its next action."""
    return {**posting_entry(entry.posting), "denials": [denial.model_dump(mode="json") for denial in entry.denials]}


def underpayment_entry(entry: Underpayment) -> dict[str, Any]:
    return {
        **posting_entry(entry.posting),
        "underpaid_lines": [line.model_dump(mode="json") for line in entry.underpaid_lines],
    }


def file_entry(file: EraFile) -> dict[str, Any]:
    return {
        "_id": file.digest,
        "file_name": file.file_name,
        "outcome": file.outcome.value,
        "problems": list(file.problems),
        "recorded_at": file.recorded_at,
    }


def unmatched_entry(parked: ParkedClaim) -> dict[str, Any]:
    """An unmatched 835 claim on the worklist: amounts and numbers, not the patient."""
    claim = parked.claim
    return {
        "_id": parked.key,
        "trace": parked.trace,
        "parked_at": parked.parked_at,
        "patient_control_number": claim.patient_control_number,
        "charge_cents": claim.charge_cents,
        "paid_cents": claim.paid_cents,
    }


@router.get("/denials/{posting_key}/appeal-packet", dependencies=READERS, responses=answers(404))
async def appeal_packet(posting_key: str, service: DeskDep) -> dict[str, Any]:
    appeal = await service.appeal(posting_key)
    if appeal is None:
        raise HTTPException(status_code=404, detail=f"no denied posting {posting_key}")
    return packet(appeal)


def packet(appeal: Appeal) -> dict[str, Any]:
    """The posting's facts and denials, the eligibility trail as that service answered, and the
    references an appeal cites."""
    payment, evidence = appeal.posting.payment, appeal.evidence
    return {
        "posting_key": appeal.posting.key,
        "encounter_key": appeal.posting.encounter_key,
        "claim_id": payment.claim_id,
        "payer_claim_number": payment.payer_claim_number,
        "era_trace_number": payment.era_trace_number,
        "claim_status": payment.claim_status,
        "charge_cents": payment.charge_cents,
        "paid_cents": payment.paid_cents,
        "denials": [denial.model_dump(mode="json") for denial in payment.denials],
        "eligibility_evidence": dict(evidence.answer),
        "call_references": list(evidence.call_references),
        "payer_traces": list(evidence.payer_traces),
    }


class RemittanceReconcileIn(ReconcileIn):
    """`pcns`: each key's patient control number, as the claims service reports it."""

    pcns: dict[str, str] = Field(default_factory=dict, max_length=MAX_KEYS)


@router.post("/reconcile", dependencies=ADMINS, response_model=ReconciledOut, response_model_exclude_none=True)
async def reconcile(body: RemittanceReconcileIn, service: DeskDep) -> dict[str, Any]:
    """Which keys' claims are expected here (waiting for the payer); nothing is re-sent from here."""
    return (await Reconcile(service.store)(body.keys, body.pcns)).as_dict()


@router.get("/reconcile/parked", dependencies=ADMINS)
async def parked(service: DeskDep, limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> ParkedOut:
    entries = await Reconcile(service.store).parked(limit)
    return ParkedOut(count=len(entries), parked=entries)


def create_app(make: Callable[[], RemittanceDesk] | None = None) -> FastAPI:
    return ops_app("remittance", "telebill remittance", router, build_api, make)
