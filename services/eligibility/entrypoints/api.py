"""The eligibility service's ops API: phone verifications, the waiting list, the evidence trail."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from prometheus_client import make_asgi_app
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.eligibility.bootstrap import Eligibility
from services.eligibility.handlers import PhoneCall
from shared.settings import Settings, get_settings

PHONE_STATUS = {"resolved": 201, "recorded": 200, "not_found": 404, "not_applicable": 409}


class PhoneVerificationIn(BaseModel):
    """The telemedicine coverage verification form: who called whom, when, and what the payer said."""

    model_config = ConfigDict(extra="forbid")

    verified_by: str = Field(min_length=1, max_length=80)
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

    def to_domain(self) -> PhoneCall:
        return PhoneCall(**self.model_dump())


def eligibility(request: Request) -> Eligibility:
    return request.app.state.eligibility  # type: ignore[no-any-return]


def operator_token(
    settings: Annotated[Settings, Depends(get_settings)], authorization: Annotated[str, Header()] = ""
) -> None:
    if not hmac.compare_digest(authorization.encode(), f"Bearer {settings.ops_token}".encode()):
        raise HTTPException(status_code=401, detail="missing or invalid ops bearer token")


EligibilityDep = Annotated[Eligibility, Depends(eligibility)]
router = APIRouter(prefix="/v1", dependencies=[Depends(operator_token)])


@router.post("/encounters/{key}/phone-verifications")
async def record_phone_verification(key: str, body: PhoneVerificationIn, service: EligibilityDep) -> JSONResponse:
    result = await service.record_phone(key, body.to_domain())
    found = result.verification.model_dump(mode="json") if result.verification else None
    content = {"key": key, "status": result.status, "message": result.message, "verification": found}
    return JSONResponse(status_code=PHONE_STATUS[result.status], content=content)


@router.get("/encounters/{key}/verification-trail")
async def verification_trail(key: str, service: EligibilityDep) -> dict[str, Any]:
    trail = await service.trail(key)
    if trail is None:
        raise HTTPException(status_code=404, detail=f"no eligibility record for {key}")
    return jsonable(trail)


@router.get("/waiting")
async def waiting(
    service: EligibilityDep,
    kind: Literal["payer", "manual"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Encounters waiting for a payer to answer or for a person (oldest first)."""
    docs = await service.waiting(kind, limit)
    return {"count": len(docs), "waiting": jsonable(docs)}


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value.isoformat() if isinstance(value, datetime | date) else value


health = APIRouter()


@health.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@health.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    ready = getattr(request.app.state, "eligibility", None) is not None
    return JSONResponse(status_code=200 if ready else 503, content={"ready": ready})


def create_app(make_service: Callable[[], Eligibility] | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        producer = None
        if make_service is None:
            from services.eligibility.bootstrap import build_api
            from shared.kafka import ProducerPublisher, make_producer

            producer = make_producer(get_settings())
            app.state.eligibility = build_api(get_settings(), ProducerPublisher(producer))
        else:
            app.state.eligibility = make_service()
        yield
        if producer is not None:
            producer.close()

    app = FastAPI(title="telebill eligibility ops", version="1", lifespan=lifespan)
    app.include_router(router)
    app.include_router(health)
    app.mount("/metrics", make_asgi_app())
    return app
