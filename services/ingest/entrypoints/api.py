"""The ingest API: platforms POST `encounter-completed` events, signed per source."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter, make_asgi_app

from services.ingest.domain.intake import Problem, claimed_source, parse_body, signature_valid, validate_items
from shared.contracts.encounter import EncounterCompleted
from shared.settings import Settings, get_settings

ACCEPTED = Counter("telebill_ingest_accepted_total", "Encounters accepted by the ingest API")
REJECTED = Counter("telebill_ingest_rejected_total", "Requests rejected by the ingest API", ["reason"])


class Sink(Protocol):
    def send(self, encounters: list[EncounterCompleted]) -> None: ...


router = APIRouter()


def sink(request: Request) -> Sink:
    return request.app.state.sink  # type: ignore[no-any-return]


SinkDep = Annotated[Sink, Depends(sink)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def unprocessable(problems: list[Problem]) -> JSONResponse:
    REJECTED.labels("invalid").inc()
    return JSONResponse(
        status_code=422, content={"detail": "invalid encounter-completed", "errors": [p.as_dict() for p in problems]}
    )


@router.post("/v1/encounters", status_code=202)
async def post_encounters(
    request: Request,
    out: SinkDep,
    settings: SettingsDep,
    x_telebill_signature: Annotated[str | None, Header()] = None,
) -> Any:
    body = await request.body()
    parsed = parse_body(body)
    if isinstance(parsed, Problem):
        return unprocessable([parsed])
    items, _ = parsed
    source = claimed_source(items)
    if source is None or not signature_valid(body, x_telebill_signature, settings.secret_for(source)):
        REJECTED.labels("signature").inc()
        return JSONResponse(
            status_code=401, content={"detail": "missing or invalid X-Telebill-Signature for this source"}
        )
    encounters, problems = validate_items(items)
    if problems:
        return unprocessable(problems)
    await asyncio.to_thread(out.send, encounters)
    ACCEPTED.inc(len(encounters))
    return {"accepted": [{"event_id": str(e.event_id), "key": e.key} for e in encounters]}


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    ready = getattr(request.app.state, "sink", None) is not None
    return JSONResponse(status_code=200 if ready else 503, content={"ready": ready})


def create_app(make_sink: Any = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.sink = make_sink() if make_sink else default_sink()
        yield
        close = getattr(app.state.sink, "close", None)
        if close:
            close()

    app = FastAPI(title="telebill ingest", version="1", lifespan=lifespan)
    app.include_router(router)
    app.mount("/metrics", make_asgi_app())
    return app


def default_sink() -> Sink:
    from services.ingest.adapters.producer import EncounterProducer
    from shared.kafka import make_producer

    return EncounterProducer(make_producer(get_settings()))
