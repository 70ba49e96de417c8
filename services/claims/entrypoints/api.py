"""The claims service's API: the scrub worklist, a claim with its history, replacement and void claims."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.claims.bootstrap import Claims, build_api
from services.claims.domain.lifecycle import ClaimStatus
from services.claims.domain.records import ClaimRecord, WorklistEntry, claim_fields, worklist_fields
from services.claims.handlers.correct_claim import Correction
from services.claims.reconcile import pcns_as_dict, reconcile_for
from shared.access import ADMINS, READERS, Writer
from shared.api import answers, ops_app, use_cases
from shared.reconcile import ReconciledOut, ReconcileIn

CORRECTION_STATUS = {"submitted": 201, "scrub_rejected": 422, "not_found": 404, "not_correctable": 409}


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[0-9A-Z]{5}$")
    modifiers: list[str] = Field(default_factory=list, max_length=4)
    units: int = Field(1, ge=1)
    diagnosis_pointers: list[int] = Field(min_length=1, max_length=4)
    date_of_service: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class ReplacementIn(BaseModel):
    """A corrected claim (frequency 7): the lines and diagnoses as they should have been. Who asked for
    it is the caller's credential."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500)
    lines: list[LineIn] | None = Field(None, min_length=1, max_length=50)
    diagnoses: list[str] | None = Field(None, min_length=1, max_length=12)
    prior_authorization: str | None = Field(None, max_length=50)


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500)


class ClaimList(BaseModel):
    count: int
    claims: list[dict[str, Any]] = Field(description="worklist entries: status, claim, findings with fix hints, since")


class CorrectionOut(BaseModel):
    key: str
    status: str = Field(description="submitted | scrub_rejected | not_found | not_correctable")
    record_id: str | None
    errors: list[str]


class PcnStateOut(BaseModel):
    pcn: str
    known: bool
    record: str | None


class PcnsOut(BaseModel):
    pcns: list[PcnStateOut]
    redriven: int


ClaimsDep = Annotated[Claims, Depends(use_cases)]
router = APIRouter(prefix="/v1/claims")


@router.get("", dependencies=READERS)
async def worklist(
    service: ClaimsDep,
    status: Literal["scrub_rejected", "rejected"] = "scrub_rejected",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ClaimList:
    """The claims worklist: claims the scrubber stopped (with each edit's fix hint) or the payer rejected."""
    found = await service.worklist(ClaimStatus(status), limit)
    return ClaimList(count=len(found), claims=[worklist_answer(entry) for entry in found])


@router.get("/{key}", dependencies=READERS, responses=answers(404))
async def claim(key: str, service: ClaimsDep) -> dict[str, Any]:
    found = await service.history(key)
    if found is None:
        raise HTTPException(status_code=404, detail=f"no claim {key}")
    return claim_answer(found.claim) | {"version_records": [claim_answer(version) for version in found.versions]}


def worklist_answer(entry: WorklistEntry) -> dict[str, Any]:
    return {"_id": entry.key, **worklist_fields(entry)}


def claim_answer(record: ClaimRecord) -> dict[str, Any]:
    return {"_id": record.key, **claim_fields(record)}


async def corrected(service: Claims, key: str, correction: Correction) -> JSONResponse:
    result = await service.correct(key, correction)
    content = {"key": key, "status": result.status, "record_id": result.record_id, "errors": list(result.problems)}
    return JSONResponse(status_code=CORRECTION_STATUS[result.status], content=content)


@router.post("/{key}/replacement", status_code=201, responses=answers(*CORRECTION_STATUS.values(), model=CorrectionOut))
async def replace(key: str, body: ReplacementIn, service: ClaimsDep, operator: Writer) -> JSONResponse:
    lines = [line.model_dump() for line in body.lines] if body.lines else None
    correction = Correction("replacement", operator.name, body.reason, lines, body.diagnoses, body.prior_authorization)
    return await corrected(service, key, correction)


@router.post("/{key}/void", status_code=201, responses=answers(*CORRECTION_STATUS.values(), model=CorrectionOut))
async def void(key: str, body: VoidIn, service: ClaimsDep, operator: Writer) -> JSONResponse:
    return await corrected(service, key, Correction("void", operator.name, body.reason))


class PcnsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pcns: list[str] = Field(max_length=500)
    redrive: bool = False


reconcile_router = APIRouter(prefix="/v1/reconcile", dependencies=ADMINS)


@reconcile_router.post("", response_model=ReconciledOut, response_model_exclude_none=True)
async def reconcile(body: ReconcileIn, service: ClaimsDep) -> dict[str, Any]:
    """Where each key's claim stands; `redrive` re-sends the `claim-submitted` of those not final."""
    return (await reconcile_for(service)(body.keys, body.redrive)).as_dict()


@reconcile_router.post("/pcns", response_model=PcnsOut)
async def reconcile_pcns(body: PcnsIn, service: ClaimsDep) -> dict[str, Any]:
    """Which patient control numbers are claims here; `redrive` re-sends those claims' `claim-submitted`."""
    return pcns_as_dict(*await reconcile_for(service).pcns(body.pcns, body.redrive))


def create_app(make: Callable[[], Claims] | None = None) -> FastAPI:
    app = ops_app("claims", "telebill claims", router, build_api, make)
    app.include_router(reconcile_router)
    return app
