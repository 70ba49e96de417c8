"""The business gauges of the ops API's `/metrics`, refreshed from the read model every minute
(a scrape never waits on a query): encounters by state, worklist depth by kind, money by payer over
the last 30 days of visits, A/R by payer and aging bucket, and the KPIs of the last 30 days."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from prometheus_client import Gauge

from services.ops.domain.money import MONEY_FIELDS, per_payer
from services.ops.handlers.answer_queries import OpsQueries

log = logging.getLogger(__name__)
REFRESH_SECONDS = 60.0  # each refresh reads the read model: often enough for Prometheus, no more
WINDOW = timedelta(days=30)

ENCOUNTERS = Gauge("telebill_encounters", "Encounters in the ops read model by current state", ["state"])
WORKLIST = Gauge("telebill_worklist_items", "Items needing a person, by kind and owning service", ["kind", "owner"])
MONEY = Gauge(
    "telebill_money_dollars", "Money of the last 30 days of visits by payer (billed, paid, outstanding, ...)",
    ["payer", "measure"],
)  # fmt: skip
AR = Gauge("telebill_ar_dollars", "Outstanding insurance A/R by payer and aging bucket", ["payer", "bucket"])
KPI = Gauge("telebill_kpi", "Revenue-cycle KPIs over the last 30 days of visits (rates 0-1; days in A/R)", ["kpi"])
KPI_HOURS = Gauge(
    "telebill_kpi_hours", "Hours from visit end to a milestone over the last 30 days", ["milestone", "quantile"]
)
DENIAL_RATE = Gauge(
    "telebill_denial_rate", "Adjudicated claims with a denial of the category (last 30 days)", ["category"]
)
REFRESHED = Gauge("telebill_ops_gauges_refreshed_timestamp_seconds", "When the business gauges were last refreshed")


def replace(gauge: Gauge, values: dict[tuple[str, ...], float]) -> None:
    """Labels that went away (a payer paid off) disappear instead of keeping their last value."""
    gauge.clear()
    for labels, value in values.items():
        gauge.labels(*labels).set(value)


async def refresh(queries: OpsQueries) -> None:
    now = datetime.now(UTC)
    flow_states = await queries.states()
    found = await queries.worklist()
    grouped = await queries.money(now - WINDOW, now)
    aged = await queries.aging(now)
    figures = await queries.kpis(now - WINDOW, now)
    replace(ENCOUNTERS, {(state,): n for state, n in flow_states.items()})
    owners = {item.kind: item.owner for item in found.items}
    replace(WORKLIST, {(kind, owners.get(kind, "")): n for kind, n in found.depths.items()})
    replace(MONEY, {(p, m): cents[m] / 100 for p, cents in per_payer(grouped).items() for m in MONEY_FIELDS})
    replace(AR, {(p, bucket): cents / 100 for p, row in aged.items() for bucket, cents in row.items()})
    rates = {
        "clean_claim_rate": figures.clean_claim_rate,
        "first_pass_acceptance_rate": figures.first_pass_acceptance_rate,
        "net_collection_rate": figures.net_collection_rate,
        "days_in_ar": figures.days_in_ar,
    }
    replace(KPI, {(name,): value for name, value in rates.items() if value is not None})
    hours = {"submitted": figures.hours_to_submitted, "paid": figures.hours_to_paid}
    quantiles = ("0.5", "0.95")
    replace(
        KPI_HOURS,
        {(m, q): v for m, pair in hours.items() for q, v in zip(quantiles, pair, strict=True) if v is not None},
    )
    replace(DENIAL_RATE, {(category,): rate for category, rate in figures.denial_rate_by_category.items()})
    REFRESHED.set(now.timestamp())


async def refresh_forever(queries: OpsQueries, every: float = REFRESH_SECONDS) -> None:
    while True:
        try:
            await refresh(queries)
        except Exception as error:  # noqa: BLE001 - the gauges keep their last figures; the API still answers
            log.warning("business gauges not refreshed: %s", type(error).__name__)
        await asyncio.sleep(every)
