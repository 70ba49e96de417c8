"""The coding service's ops API: list held encounters, resolve one with explicit codes."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from prometheus_client import make_asgi_app
from pydantic import BaseModel, ConfigDict, Field

from services.coding.bootstrap import HoldDesk
from services.coding.domain.resolution import ManualLine, Resolution
from shared.settings import Settings, get_settings

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

    operator: str = Field(min_length=1, max_length=80, description="Who resolves the hold (kept as evidence).")
    note: str = Field(min_length=3, max_length=500, description="Why these codes.")
    place_of_service: str = Field(pattern=r"^[0-9]{2}$")
    lines: list[LineIn] = Field(min_length=1, max_length=50)
    diagnoses: list[str] | None = Field(None, min_length=1, max_length=12, description="Replaces the encounter's.")

    def to_domain(self) -> Resolution:
        lines = tuple(
            ManualLine(
                line.code, tuple(line.modifiers), line.units, tuple(line.diagnosis_pointers), line.date_of_service
            )
            for line in self.lines
        )
        diagnoses = tuple(self.diagnoses) if self.diagnoses else None
        return Resolution(self.operator, self.note, self.place_of_service, lines, diagnoses)


def desk(request: Request) -> HoldDesk:
    return request.app.state.desk  # type: ignore[no-any-return]


def operator_token(
    settings: Annotated[Settings, Depends(get_settings)], authorization: Annotated[str, Header()] = ""
) -> None:
    if not hmac.compare_digest(authorization.encode(), f"Bearer {settings.ops_token}".encode()):
        raise HTTPException(status_code=401, detail="missing or invalid ops bearer token")


DeskDep = Annotated[HoldDesk, Depends(desk)]
router = APIRouter(prefix="/v1/holds", dependencies=[Depends(operator_token)])


@router.get("")
async def list_holds(
    hold_desk: DeskDep,
    reason: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    order: Literal["oldest", "newest"] = "oldest",
) -> dict[str, Any]:
    """The worklist: oldest first by default, so nothing held waits unseen."""
    holds = await hold_desk.list_holds(reason, limit, order == "newest")
    return {"count": len(holds), "holds": holds}


@router.get("/{key}")
async def get_hold(key: str, hold_desk: DeskDep) -> dict[str, Any]:
    hold = await hold_desk.list_holds.one(key)
    if hold is None:
        raise HTTPException(status_code=404, detail=f"{key} is not held")
    return hold


@router.post("/{key}/resolution")
async def resolve_hold(key: str, body: ResolutionIn, hold_desk: DeskDep) -> JSONResponse:
    outcome = await hold_desk.resolve(key, body.to_domain(), datetime.now(UTC))
    content = {"key": key, "status": outcome.status, "errors": list(outcome.problems), "resolution": outcome.resolution}
    return JSONResponse(status_code=STATUS_CODES[outcome.status], content=content)


health = APIRouter()


@health.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@health.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    ready = getattr(request.app.state, "desk", None) is not None
    return JSONResponse(status_code=200 if ready else 503, content={"ready": ready})


def create_app(make_desk: Callable[[], HoldDesk] | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        producer = None
        if make_desk is None:
            from services.coding.bootstrap import build_hold_desk
            from shared.kafka import ProducerPublisher, make_producer

            producer = make_producer(get_settings())
            app.state.desk = build_hold_desk(get_settings(), ProducerPublisher(producer))
        else:
            app.state.desk = make_desk()
        yield
        if producer is not None:
            producer.close()

    app = FastAPI(title="telebill coding ops", version="1", lifespan=lifespan)
    app.include_router(router)
    app.include_router(health)
    app.mount("/metrics", make_asgi_app())
    return app
