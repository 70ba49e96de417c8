"""The remittance service's API: upload an 835, the denial / underpayment / unmatched worklists,
and an appeal packet with the eligibility evidence."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from prometheus_client import make_asgi_app

from services.remittance.bootstrap import RemittanceDesk
from shared.settings import Settings, get_settings

UPLOAD_STATUS = {"posted": 201, "duplicate": 200, "unbalanced": 422, "unreadable": 422}
MAX_ERA_BYTES = 20 * 1024 * 1024


def remittance(request: Request) -> RemittanceDesk:
    return request.app.state.desk  # type: ignore[no-any-return]


def operator_token(
    settings: Annotated[Settings, Depends(get_settings)], authorization: Annotated[str, Header()] = ""
) -> None:
    if not hmac.compare_digest(authorization.encode(), f"Bearer {settings.ops_token}".encode()):
        raise HTTPException(status_code=401, detail="missing or invalid ops bearer token")


DeskDep = Annotated[RemittanceDesk, Depends(remittance)]
router = APIRouter(prefix="/v1", dependencies=[Depends(operator_token)])


@router.post("/eras")
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


@router.get("/worklists/{name}")
async def worklist(
    name: Literal["denials", "underpayments", "unmatched"],
    service: DeskDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    if name == "unmatched":
        parked = await service.store.parked(limit)
        entries = [
            {k: v for k, v in doc.items() if k != "claim"} | {"paid_cents": doc["claim"].paid_cents} for doc in parked
        ]
    else:
        entries = await service.store.worklist(name, limit)
    return {"count": len(entries), name: entries}


@router.get("/denials/{posting_key}/appeal-packet")
async def appeal_packet(posting_key: str, service: DeskDep) -> dict[str, Any]:
    packet = await service.appeal(posting_key)
    if packet is None:
        raise HTTPException(status_code=404, detail=f"no denied posting {posting_key}")
    return packet


health = APIRouter()


@health.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@health.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    ready = getattr(request.app.state, "desk", None) is not None
    return JSONResponse(status_code=200 if ready else 503, content={"ready": ready})


def create_app(make_desk: Callable[[], RemittanceDesk] | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        producer = None
        if make_desk is None:
            from services.remittance.bootstrap import build_desk
            from shared.kafka import ProducerPublisher, make_producer

            producer = make_producer(get_settings())
            app.state.desk = build_desk(get_settings(), ProducerPublisher(producer))
        else:
            app.state.desk = make_desk()
        yield
        if producer is not None:
            producer.close()

    app = FastAPI(title="telebill remittance", version="1", lifespan=lifespan)
    app.include_router(router)
    app.include_router(health)
    app.mount("/metrics", make_asgi_app())
    return app
