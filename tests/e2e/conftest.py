"""The whole pipeline as processes: four workers, the clearinghouse simulator, the ingest API."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest

from deploy.ops import processes
from shared.access import presented_key
from shared.settings import Settings
from tests.eventually import eventually


@pytest.fixture(scope="session")
def pipeline(settings):  # type: ignore[no-untyped-def]
    """Start what is not running yet, and stop at the end only what this session started."""
    already = {p.name for p in processes.pipeline_processes(settings) if processes.pid_of(settings, p.name)}
    processes.start_all(settings)
    yield settings
    for process in processes.pipeline_processes(settings):
        if process.name not in already:
            processes.stop(settings, process.name)


def renamed(event: dict, suffix: str) -> dict:
    """A copy of an example with its own ids (encounter, patient), so every run's events are new, and
    its visit moved to ten days ago, so claims are inside every payer's timely filing limit."""
    fresh = copy.deepcopy(event)
    fresh["event_id"] = str(uuid.uuid4())
    fresh["encounter"]["encounter_id"] = f"{fresh['encounter']['encounter_id']}-{suffix}"
    fresh["patient"]["patient_id"] = f"{fresh['patient']['patient_id']}-{suffix}"  # else: a duplicate claim
    return moved_to_recent(fresh)


def moved_to_recent(event: dict, days_ago: int = 10) -> dict:
    visit = event["encounter"]
    shift = date.today() - timedelta(days=days_ago) - date.fromisoformat(visit["date_of_service"])

    def moved(value: str) -> str:
        if "T" in value:
            return (datetime.fromisoformat(value.replace("Z", "+00:00")) + shift).isoformat()
        return (date.fromisoformat(value) + shift).isoformat()

    visit["date_of_service"] = moved(visit["date_of_service"])
    for name in ("start", "end"):
        if name in visit:
            visit[name] = moved(visit[name])
    event["occurred_at"] = moved(event["occurred_at"])
    period = visit.get("remote_monitoring")
    if period:
        period["period_start"], period["period_end"] = moved(period["period_start"]), moved(period["period_end"])
    return event


@pytest.fixture
def watch_factory(settings) -> Iterator:  # type: ignore[no-untyped-def]
    from tests.kafka_watch import TopicWatch

    opened: list[TopicWatch] = []

    def open_watch(topic: str) -> TopicWatch:
        opened.append(TopicWatch(settings.kafka_bootstrap, topic))
        return opened[-1]

    yield open_watch
    for watch in opened:
        watch.close()


def ops_api(settings: Settings, port: int, timeout: float = 15) -> httpx.Client:
    """A client of one service's ops API (claims, coding, eligibility, remittance), with the ops token."""
    headers = {"Authorization": f"Bearer {presented_key(settings)}"}
    return httpx.Client(base_url=f"http://{settings.ingest_host}:{port}", headers=headers, timeout=timeout)


def read_model_settled(api: httpx.Client, timeout: float = 180.0) -> dict:  # type: ignore[type-arg]
    """Wait until the ops read model has read every topic and two readings of it agree; its flow."""
    from shared.kafka import consumer_group

    readings: list[tuple[Any, Any]] = []

    def reading() -> dict:  # type: ignore[type-arg]
        flow = api.get("/v1/pipeline").json()
        behind = sum(row["lag"] for row in flow["lag"] if row["group"] == consumer_group("ops"))
        readings.append((flow["states"], api.get("/v1/worklist", params={"limit": 1}).json()["depths"]))
        return {"flow": flow, "caught_up": behind == 0}

    def settled(now: dict) -> bool:  # type: ignore[type-arg]
        return bool(now["caught_up"]) and len(readings) > 1 and readings[-1] == readings[-2]

    # Read no oftener than the API refreshes its summaries (5 s) or the lag (10 s): two equal readings mean settled.
    return dict(eventually(reading, settled, timeout=timeout, every=11, what="the ops read model settling")["flow"])
