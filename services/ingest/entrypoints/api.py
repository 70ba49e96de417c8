"""The ingest API: platforms POST `encounter-completed` events, signed per source.

202: every new encounter is on the broker. 200: all of them had been accepted before. 401 bad
signature, 409 a key already accepted with other content, 413 over a limit, 422 a malformed body
or encounter (every problem listed), 503 broker or database unavailable (nothing accepted).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter, make_asgi_app
from pydantic import AwareDatetime, BaseModel

from services.ingest.bootstrap import Ingest, build
from services.ingest.domain.intake import Kind, Limits, Outcome, Signed, body_too_large
from services.ingest.handlers.ports import SERVICE
from services.ingest.reconcile import accepted_before_for
from shared.access import ADMINS
from shared.api import answer_outages, answers, count_requests, document_answers, raw_body
from shared.audit.http import audit_log_for, audit_requests
from shared.settings import get_settings

ACCEPTED = Counter("telebill_ingest_accepted_total", "Encounters accepted by the ingest API")
REJECTED = Counter("telebill_ingest_rejected_total", "Requests rejected by the ingest API", ["reason"])
STATUS_CODES: dict[Kind, int] = {
    "accepted": 202,
    "already_accepted": 200,
    "unsigned": 401,
    "conflict": 409,
    "too_large": 413,
    "invalid": 422,
    "unavailable": 503,
}
RETRY_AFTER_SECONDS = "5"

router = APIRouter()


def ingest(request: Request) -> Ingest:
    return request.app.state.ingest  # type: ignore[no-any-return]


IngestDep = Annotated[Ingest, Depends(ingest)]


@router.post(
    "/v1/encounters",
    status_code=202,
    responses=answers(*STATUS_CODES.values()),
    openapi_extra=raw_body("application/json", "One encounter-completed event, or a list of them (signed bytes)"),
)
async def post_encounters(
    request: Request,
    use_cases: IngestDep,
    x_telebill_signature: Annotated[str | None, Header()] = None,
    x_telebill_timestamp: Annotated[str | None, Header()] = None,
    x_telebill_nonce: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """A platform's encounters, signed: `X-Telebill-Signature: sha256=<HMAC-SHA256 of
    "<X-Telebill-Timestamp>.<X-Telebill-Nonce>.<body>" under the source's secret>`. A stale or
    replayed request is 401."""
    body = await body_within(request, use_cases.limits)
    if body is None:
        outcome = body_too_large(use_cases.limits)
    else:
        signed = Signed(x_telebill_signature, x_telebill_timestamp, x_telebill_nonce)
        outcome = await use_cases.accept(body, signed)
    if outcome.signed_by:  # a platform's verified submission: audited under its source, with its keys
        request.state.audit_who, request.state.audit_keys = f"platform {outcome.signed_by}", outcome.keys()
    count(outcome)
    return answer(outcome)


async def body_within(request: Request, limits: Limits) -> bytes | None:
    """The body, or None once it is over the limit: read in chunks, never whole into memory first."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_body_bytes:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limits.max_body_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def count(outcome: Outcome) -> None:
    if outcome.kind == "accepted":
        ACCEPTED.inc(sum(item["status"] == "accepted" for item in outcome.body["accepted"]))
    elif outcome.kind != "already_accepted":
        REJECTED.labels(outcome.kind).inc()


def answer(outcome: Outcome) -> JSONResponse:
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if outcome.kind == "unavailable" else None
    return JSONResponse(status_code=STATUS_CODES[outcome.kind], content=outcome.body, headers=headers)


class AcceptedKeys(BaseModel):
    count: int
    keys: list[str]


@router.get("/v1/accepted", dependencies=ADMINS, response_model=AcceptedKeys)
async def accepted(
    use_cases: IngestDep, before: AwareDatetime, limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000
) -> dict[str, Any]:
    """Keys accepted before `before`, oldest first (ops only: `telebill reconcile` starts here)."""
    keys = await accepted_before_for(use_cases)(before, limit)
    return {"count": len(keys), "keys": keys}


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready while the broker and the database answer; the body says which one does not."""
    use_cases: Ingest | None = getattr(request.app.state, "ingest", None)
    reachable = await use_cases.readiness() if use_cases else {}
    ready = bool(reachable) and all(reachable.values())
    content = {"ready": ready} | {name: "ok" if ok else "unreachable" for name, ok in reachable.items()}
    return JSONResponse(status_code=200 if ready else 503, content=content)


def create_app(make: Callable[[], Ingest] | None = None) -> FastAPI:
    """`make` builds the use cases (fakes in unit tests); by default Kafka and MongoDB from settings."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ingest = make() if make else build(get_settings())
        app.state.audit = audit_log_for(SERVICE, faked=make is not None)
        try:
            yield
        finally:
            await app.state.ingest.close()

    app = FastAPI(title="telebill ingest", version="1", lifespan=lifespan)
    count_requests(app)
    answer_outages(app)
    document_answers(app)
    audit_requests(app, SERVICE)
    app.include_router(router)
    app.mount("/metrics", make_asgi_app())
    return app
