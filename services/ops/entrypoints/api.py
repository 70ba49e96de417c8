"""The ops API: the encounters and their trails, the cross-service worklist, money, A/R aging, KPIs
and the pipeline's flow, read from the ops read model (it changes nothing; the actions it names are
the owning services'), and the built-in dashboard page at `/`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from prometheus_client import make_asgi_app

from services.ops.bootstrap import build_api
from services.ops.domain.money import MONEY_FIELDS, add_up, bucket_totals, per_payer
from services.ops.domain.summary import Search
from services.ops.domain.worklist import KINDS
from services.ops.entrypoints import gauges, page
from services.ops.entrypoints.schemas import (
    AgingReport,
    EncounterOut,
    EncounterPage,
    FlowOut,
    ItemOut,
    KpisOut,
    LagOut,
    MoneyOut,
    MoneyReport,
    MoneyRow,
    TrailOut,
    WorklistOut,
)
from services.ops.handlers.answer_queries import OpsQueries
from shared.access import READERS
from shared.api import answer_outages, answers, count_requests, dependencies_probe, document_answers, health, use_cases
from shared.audit.http import audit_log_for, audit_requests
from shared.settings import Settings, get_settings

QueriesDep = Annotated[OpsQueries, Depends(use_cases)]
DEFAULT_DAYS = 30


def period(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) in UTC; by default the last 30 days up to now."""
    end = aware(end) if end else now
    start = aware(start) if start else end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise HTTPException(
            status_code=422, detail=f"start ({start.isoformat()}) must be before end ({end.isoformat()})"
        )
    return start, end


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


encounters = APIRouter(prefix="/v1/encounters", tags=["encounters"], dependencies=READERS)


@encounters.get("")
async def search_encounters(
    queries: QueriesDep,
    key: str | None = None,
    patient_id: str | None = None,
    payer_id: str | None = None,
    state: str | None = None,
    visit_from: datetime | None = None,
    visit_to: datetime | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> EncounterPage:
    """Encounters newest visit first; every filter given applies (visits ending in [visit_from, visit_to))."""
    search = Search(
        key,
        patient_id,
        payer_id,
        state,
        aware(visit_from) if visit_from else None,
        aware(visit_to) if visit_to else None,
    )
    found, total = await queries.encounters(search, page, page_size)
    return EncounterPage(total=total, page=page, page_size=page_size, encounters=[EncounterOut.of(s) for s in found])


@encounters.get("/{key}/trail", responses=answers(404))
async def encounter_trail(key: str, queries: QueriesDep) -> TrailOut:
    found = await queries.trail(key)
    if found is None:
        raise HTTPException(status_code=404, detail=f"no encounter {key} in the ops read model")
    return TrailOut.of(*found)


worklists = APIRouter(prefix="/v1/worklist", tags=["worklist"], dependencies=READERS)


@worklists.get("")
async def worklist(
    request: Request,
    queries: QueriesDep,
    kind: str | None = Query(None, description=f"One of: {', '.join(KINDS)}"),
    owner: str | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> WorklistOut:
    """Everything that needs a person, oldest first, each with its owner, age, next action and the
    owner's endpoint that takes it; `depths` counts every kind (before the filters)."""
    if kind is not None and kind not in KINDS:
        raise HTTPException(status_code=422, detail=f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")
    found = await queries.worklist(kind, owner)
    now, settings = queries.clock(), get_settings()
    items = [ItemOut.of(item, now, owner_url(settings, item.kind)) for item in found.items[:limit]]
    return WorklistOut(
        depths=found.depths,
        denials_by_category=found.denials_by_category,
        unavailable=found.unavailable,
        count=len(found.items),
        items=items,
    )


def owner_url(settings: Settings, kind: str) -> str:
    api = KINDS[kind].api
    return settings.api_url(api) if api else ""


money = APIRouter(prefix="/v1", tags=["money"], dependencies=READERS)


def money_out(cents: dict[str, int]) -> MoneyOut:
    return MoneyOut(**{name: cents[name] for name in MONEY_FIELDS})


@money.get("/money")
async def money_report(queries: QueriesDep, start: datetime | None = None, end: datetime | None = None) -> MoneyReport:
    """Billed, allowed, paid, patient responsibility, adjustments, written off and outstanding (cents)
    by payer and month of the visit, for the claims of visits ending in [start, end)."""
    start, end = period(start, end, queries.clock())
    grouped = await queries.money(start, end)
    return MoneyReport(
        start=start,
        end=end,
        rows=[MoneyRow(payer_id=payer, month=month, cents=money_out(c)) for (payer, month), c in grouped.items()],
        by_payer={payer: money_out(cents) for payer, cents in per_payer(grouped).items()},
        totals=money_out(add_up(grouped.values())),
    )


@money.get("/aging")
async def aging_report(queries: QueriesDep, as_of: datetime | None = None) -> AgingReport:
    """Outstanding insurance A/R (cents) by payer in 0-30, 31-60, 61-90, 91-120 and >120 days since
    the date of service; the buckets add up to the outstanding total."""
    moment = aware(as_of) if as_of else queries.clock()
    by_payer = await queries.aging(moment)
    totals = bucket_totals(by_payer)
    return AgingReport(
        as_of=moment, buckets=list(totals), by_payer=by_payer, totals=totals, outstanding_cents=sum(totals.values())
    )


kpi = APIRouter(prefix="/v1/kpis", tags=["kpis"], dependencies=READERS)


@kpi.get("")
async def kpi_report(queries: QueriesDep, start: datetime | None = None, end: datetime | None = None) -> KpisOut:
    """The revenue-cycle KPIs of the visits ending in [start, end) (definitions in the README)."""
    start, end = period(start, end, queries.clock())
    return KpisOut.of(await queries.kpis(start, end), start, end)


pipeline = APIRouter(prefix="/v1/pipeline", tags=["pipeline"], dependencies=READERS)


@pipeline.get("")
async def flow(queries: QueriesDep, minutes: Annotated[int, Query(ge=5, le=240)] = 30) -> FlowOut:
    """Encounters by state and stage, stage arrivals per minute, consumer lag and dead letters."""
    found = await queries.flow(minutes)
    lag = [LagOut(group=group, topic=topic, lag=n) for (group, topic), n in sorted(found.lag.items())]
    return FlowOut(
        states=found.states, stages=found.stages, minutes=found.minutes, throughput=found.throughput, lag=lag,
        dead_letters=found.dead_letters,
    )  # fmt: skip


ROUTERS = (encounters, worklists, money, kpi, pipeline)


def create_app(make: Callable[[], OpsQueries] | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.use_cases = make() if make else await build_api(get_settings())
        app.state.probe = None if make else dependencies_probe(get_settings(), "ops")
        app.state.audit = audit_log_for("ops", faked=make is not None)
        refresher = asyncio.create_task(gauges.refresh_forever(app.state.use_cases)) if make is None else None
        try:
            yield
        finally:
            if refresher:
                refresher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await refresher

    app = FastAPI(title="telebill ops", version="1", lifespan=lifespan)
    count_requests(app)
    answer_outages(app)
    document_answers(app)
    audit_requests(app, "ops")
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(health)
    app.include_router(page.router)
    app.mount("/metrics", make_asgi_app())
    return app
