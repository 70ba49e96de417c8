"""The coding service's ops API: list held encounters, resolve one with explicit codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.coding.bootstrap import Coding, build_api
from services.coding.domain.held import HeldEncounter
from services.coding.domain.records import ResolutionRecord, line_fields
from services.coding.domain.resolution import ManualLine, Resolution
from services.coding.reconcile import reconcile_for
from shared.access import ADMINS, READERS, Operator, Writer
from shared.api import answers, ops_app, use_cases
from shared.reconcile import ReconciledOut, ReconcileIn

STATUS_CODES = {"resolved": 201, "already_resolved": 200, "invalid": 422, "not_found": 404, "not_held": 409}


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[0-9A-Z]{5}$")
    modifiers: list[str] = Field(default_factory=list, max_length=4)
    units: int = Field(1, ge=1)
    diagnosis_pointers: list[int] = Field(min_length=1, max_length=4)
    date_of_service: date | None = None


class ResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=3, max_length=500, description="Why these codes.")
    place_of_service: str = Field(pattern=r"^[0-9]{2}$")
    lines: list[LineIn] = Field(min_length=1, max_length=50)
    diagnoses: list[str] | None = Field(None, min_length=1, max_length=12, description="Replaces the encounter's.")

    def to_domain(self, operator: Operator) -> Resolution:
        lines = tuple(
            ManualLine(
                line.code, tuple(line.modifiers), line.units, tuple(line.diagnosis_pointers), line.date_of_service
            )
            for line in self.lines
        )
        diagnoses = tuple(self.diagnoses) if self.diagnoses else None
        return Resolution(operator.name, self.note, self.place_of_service, lines, diagnoses)


class HoldList(BaseModel):
    count: int
    holds: list[dict[str, Any]] = Field(description="held encounters: key, date of service, modality, payer, holds")


class ResolutionOut(BaseModel):
    key: str
    status: str = Field(description="resolved | already_resolved | invalid | not_found | not_held")
    errors: list[str]
    resolution: dict[str, Any] | None


DeskDep = Annotated[Coding, Depends(use_cases)]
router = APIRouter(prefix="/v1/holds")


@router.get("", dependencies=READERS)
async def list_holds(
    hold_desk: DeskDep,
    reason: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    order: Literal["oldest", "newest"] = "oldest",
) -> HoldList:
    """The worklist: oldest first by default, so nothing held waits unseen."""
    holds = await hold_desk.list_holds(reason, limit, order == "newest")
    return HoldList(count=len(holds), holds=[hold_json(hold) for hold in holds])


@router.get("/{key}", dependencies=READERS, responses=answers(404))
async def get_hold(key: str, hold_desk: DeskDep) -> dict[str, Any]:
    hold = await hold_desk.list_holds.one(key)
    if hold is None:
        raise HTTPException(status_code=404, detail=f"{key} is not held")
    return hold_json(hold)


@router.post("/{key}/resolution", status_code=201, responses=answers(*STATUS_CODES.values(), model=ResolutionOut))
async def resolve_hold(key: str, body: ResolutionIn, hold_desk: DeskDep, operator: Writer) -> JSONResponse:
    """Who resolved it is the caller's credential (kept as evidence)."""
    outcome = await hold_desk.resolve(key, body.to_domain(operator), datetime.now(UTC))
    content = {
        "key": key,
        "status": outcome.status,
        "errors": list(outcome.problems),
        "resolution": resolution_json(key, outcome.resolution) if outcome.resolution else None,
    }
    return JSONResponse(status_code=STATUS_CODES[outcome.status], content=content)


def hold_json(hold: HeldEncounter) -> dict[str, Any]:
    return asdict(hold) | {"diagnoses": list(hold.diagnoses)}


def resolution_json(key: str, resolution: ResolutionRecord) -> dict[str, Any]:
    fields = asdict(resolution) | {"diagnoses": list(resolution.diagnoses)}
    return {"_id": key, **fields, "lines": [line_fields(line) for line in resolution.lines]}


reconcile_router = APIRouter(prefix="/v1/reconcile", dependencies=ADMINS)


@reconcile_router.post("", response_model=ReconciledOut, response_model_exclude_none=True)
async def reconcile(body: ReconcileIn, hold_desk: DeskDep) -> dict[str, Any]:
    """Where each key stands here; `redrive` re-sends the events of those that should have moved on."""
    return (await reconcile_for(hold_desk)(body.keys, body.redrive)).as_dict()


def create_app(make: Callable[[], Coding] | None = None) -> FastAPI:
    app = ops_app("coding", "telebill coding ops", router, build_api, make)
    app.include_router(reconcile_router)
    return app
