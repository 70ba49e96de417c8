"""The claims service's API: the scrub worklist, a claim with its history, replacement and void claims."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from prometheus_client import make_asgi_app
from pydantic import BaseModel, ConfigDict, Field

from services.claims.bootstrap import Claims
from services.claims.handlers import Correction
from shared.settings import Settings, get_settings

CORRECTION_STATUS = {"submitted": 201, "scrub_rejected": 422, "not_found": 404, "not_correctable": 409}


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[0-9A-Z]{5}$")
    modifiers: list[str] = Field(default_factory=list, max_length=4)
    units: int = Field(1, ge=1)
    diagnosis_pointers: list[int] = Field(min_length=1, max_length=4)
    date_of_service: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class ReplacementIn(BaseModel):
    """A corrected claim (frequency 7): the lines and diagnoses as they should have been."""

    model_config = ConfigDict(extra="forbid")

    operator: str = Field(min_length=1, max_length=80)
    reason: str = Field(min_length=3, max_length=500)
    lines: list[LineIn] | None = Field(None, min_length=1, max_length=50)
    diagnoses: list[str] | None = Field(None, min_length=1, max_length=12)
    prior_authorization: str | None = Field(None, max_length=50)


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operator: str = Field(min_length=1, max_length=80)
    reason: str = Field(min_length=3, max_length=500)


def claims(request: Request) -> Claims:
    return request.app.state.claims  # type: ignore[no-any-return]


def operator_token(
    settings: Annotated[Settings, Depends(get_settings)], authorization: Annotated[str, Header()] = ""
) -> None:
    if not hmac.compare_digest(authorization.encode(), f"Bearer {settings.ops_token}".encode()):
        raise HTTPException(status_code=401, detail="missing or invalid ops bearer token")


ClaimsDep = Annotated[Claims, Depends(claims)]
router = APIRouter(prefix="/v1/claims", dependencies=[Depends(operator_token)])


@router.get("")
async def worklist(
    service: ClaimsDep,
    status: Literal["scrub_rejected", "rejected"] = "scrub_rejected",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The claims worklist: claims the scrubber stopped (with each edit's fix hint) or the payer rejected."""
    found = await service.worklist(status, limit)
    return {"count": len(found), "claims": found}


@router.get("/{key}")
async def claim(key: str, service: ClaimsDep) -> dict[str, Any]:
    found = await service.submit.store.records([key])
    if key not in found:
        raise HTTPException(status_code=404, detail=f"no claim {key}")
    doc = found[key]
    versions = await service.submit.store.records(doc.get("versions", []))
    return doc | {"version_records": [versions[v] for v in doc.get("versions", []) if v in versions]}


async def corrected(service: Claims, key: str, correction: Correction) -> JSONResponse:
    result = await service.correct(key, correction)
    content = {"key": key, "status": result.status, "record_id": result.record_id, "errors": list(result.problems)}
    return JSONResponse(status_code=CORRECTION_STATUS[result.status], content=content)


@router.post("/{key}/replacement")
async def replace(key: str, body: ReplacementIn, service: ClaimsDep) -> JSONResponse:
    lines = [line.model_dump() for line in body.lines] if body.lines else None
    correction = Correction("replacement", body.operator, body.reason, lines, body.diagnoses, body.prior_authorization)
    return await corrected(service, key, correction)


@router.post("/{key}/void")
async def void(key: str, body: VoidIn, service: ClaimsDep) -> JSONResponse:
    return await corrected(service, key, Correction("void", body.operator, body.reason))


health = APIRouter()


@health.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@health.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    ready = getattr(request.app.state, "claims", None) is not None
    return JSONResponse(status_code=200 if ready else 503, content={"ready": ready})


def create_app(make_claims: Callable[[], Claims] | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        producer = None
        if make_claims is None:
            from services.claims.bootstrap import real_claims
            from shared.kafka import ProducerPublisher, make_producer

            producer = make_producer(get_settings())
            app.state.claims = real_claims(get_settings(), ProducerPublisher(producer))[0]
        else:
            app.state.claims = make_claims()
        yield
        if producer is not None:
            producer.close()

    app = FastAPI(title="telebill claims", version="1", lifespan=lifespan)
    app.include_router(router)
    app.include_router(health)
    app.mount("/metrics", make_asgi_app())
    return app
