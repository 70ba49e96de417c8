"""The eligibility service's ops API: phone verifications, the waiting list, the evidence trail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.eligibility.bootstrap import Eligibility, build_api
from services.eligibility.domain.records import Exchange
from services.eligibility.domain.status import Waiting
from services.eligibility.handlers.record_phone_verification import PhoneCall
from services.eligibility.handlers.verification_trail import Trail
from services.eligibility.reconcile import reconcile_for
from shared.access import ADMINS, READERS, Operator, Writer
from shared.api import answers, ops_app, use_cases
from shared.contracts.events import Verification
from shared.phi.fields import PLAIN
from shared.reconcile import ReconciledOut, ReconcileIn

PHONE_STATUS = {"resolved": 201, "recorded": 200, "not_found": 404, "not_applicable": 409}


class PhoneVerificationIn(BaseModel):
    """The telemedicine coverage verification form: who called whom, when, and what the payer said.
    Who verified is the caller's credential, not a field of the form."""

    model_config = ConfigDict(extra="forbid")

    called_at: AwareDatetime
    payer_representative: str = Field(min_length=1, max_length=80)
    call_reference: str = Field(min_length=3, max_length=50, description="The payer's call reference number.")
    covered: bool
    telehealth_covered: bool | None = None
    audio_only_covered: bool | None = None
    copay_cents: int | None = Field(None, ge=0)
    coinsurance_percent: str | None = Field(None, pattern=r"^\d{1,3}(\.\d+)?$")
    deductible_remaining_cents: int | None = Field(None, ge=0)
    plan_end: date | None = None
    notes: str | None = Field(None, max_length=1000)

    def to_domain(self, operator: Operator) -> PhoneCall:
        return PhoneCall(verified_by=operator.name, **self.model_dump())


EligibilityDep = Annotated[Eligibility, Depends(use_cases)]
router = APIRouter(prefix="/v1")


class PhoneVerificationOut(BaseModel):
    key: str
    status: str = Field(description="resolved | recorded | not_found | not_applicable")
    message: str
    verification: dict[str, Any] | None


class WaitingOut(BaseModel):
    id: str = Field(serialization_alias="_id", description="the encounter key")
    kind: Literal["payer", "manual"]
    payer_id: str | None
    since: datetime
    attempts: int
    rounds: int
    next_at: datetime
    reason: str | None


class WaitingListOut(BaseModel):
    count: int
    waiting: list[WaitingOut]


@router.post(
    "/encounters/{key}/phone-verifications",
    status_code=201,
    responses=answers(*PHONE_STATUS.values(), model=PhoneVerificationOut),
)
async def record_phone_verification(
    key: str, body: PhoneVerificationIn, service: EligibilityDep, operator: Writer
) -> JSONResponse:
    result = await service.record_phone(key, body.to_domain(operator))
    found = plain(result.verification) if result.verification else None
    content = {"key": key, "status": result.status, "message": result.message, "verification": found}
    return JSONResponse(status_code=PHONE_STATUS[result.status], content=content)


@router.get("/encounters/{key}/verification-trail", dependencies=READERS, responses=answers(404))
async def verification_trail(key: str, service: EligibilityDep) -> dict[str, Any]:
    trail = await service.trail(key)
    if trail is None:
        raise HTTPException(status_code=404, detail=f"no eligibility record for {key}")
    return shown_trail(trail)


def shown_trail(trail: Trail) -> dict[str, Any]:
    return {
        "key": trail.key,
        "status": str(trail.status),
        "coverage_key": trail.coverage_key,
        "current": plain(trail.current),
        "steps": [plain(step) for step in trail.steps],
        "payer_exchanges": [shown_exchange(e) for e in trail.payer_exchanges],
        "phone_calls": [shown_exchange(e) for e in trail.phone_calls],
    }


def shown_exchange(exchange: Exchange) -> dict[str, Any]:
    return plain(exchange.verification) | {"inquiry_x12": exchange.inquiry_x12, "response_x12": exchange.response_x12}


def plain(verification: Verification) -> dict[str, Any]:
    return verification.model_dump(mode="json", context=PLAIN)


@router.get("/waiting", dependencies=READERS)
async def waiting(
    service: EligibilityDep,
    kind: Literal["payer", "manual"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> WaitingListOut:
    """Encounters waiting for a payer to answer or for a person (oldest first)."""
    entries = await service.waiting(kind, limit)
    return WaitingListOut(count=len(entries), waiting=[shown(entry) for entry in entries])


def shown(entry: Waiting) -> WaitingOut:
    fields = asdict(entry)
    return WaitingOut(id=fields.pop("key"), **fields)


@router.post("/reconcile", dependencies=ADMINS, response_model=ReconciledOut, response_model_exclude_none=True)
async def reconcile(body: ReconcileIn, service: EligibilityDep) -> dict[str, Any]:
    """Where each key stands here; `redrive` re-sends the events of those that should have moved on."""
    return (await reconcile_for(service)(body.keys, body.redrive)).as_dict()


def create_app(make: Callable[[], Eligibility] | None = None) -> FastAPI:
    return ops_app("eligibility", "telebill eligibility ops", router, build_api, make)
