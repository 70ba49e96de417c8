"""Measurements of the running pipeline, shared by `pipeline_throughput.py` and `suite.py`: a backlog
run to the end (every encounter accounted for), history filled up to a stored count, and the latency
from ingest to `claim-submitted` at a steady offered load."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from _measure import Usage, settled, snapshot, top_shapes  # beside this script
from kafka import KafkaConsumer

from deploy.ops import processes
from deploy.ops.client import post_events
from deploy.ops.synthetic import batch
from deploy.ops.tracking import Tracker, stage_counts
from shared.kafka import consumer_from_now, consumer_group, group_lag
from shared.mongo import sync_database
from shared.settings import Settings
from shared.topics import CLAIM_SUBMITTED, pipeline_topic_names

POST_BATCH = 200


@dataclass
class BacklogRun:
    encounters: int
    seconds: float
    ingest_per_second: float
    end_to_end_per_second: float
    stored_before: int
    outcomes: dict[str, int]
    read_model_seconds: float | None = None  # from the first post until the ops read model had read it all
    per_process: dict[str, dict[str, Any]] = field(default_factory=dict)
    slowest_shapes: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def fresh_events(count: int, label: str) -> list[dict[str, Any]]:
    stamp = time.time_ns()
    return batch(count, seed=stamp % 1_000_000, prefix=f"{label}-{stamp}-")


def post_all(settings: Settings, events: list[dict[str, Any]]) -> list[str]:
    keys: list[str] = []
    for start in range(0, len(events), POST_BATCH):
        status, body = post_events(events[start : start + POST_BATCH], settings=settings)
        if status != 202:
            raise RuntimeError(f"ingest answered {status}: {body}")
        keys += [item["key"] for item in body["accepted"]]
    return keys


def time_allowed(count: int) -> float:
    """Ten minutes, or 20 encounters a second if that is longer: far below any rate measured."""
    return max(600.0, count / 20)


def stored_encounters(settings: Settings) -> int:
    """Encounters the pipeline holds: each has one small published marker in eligibility's database.
    (Counting `encounters` itself made FerretDB read every stored encounter: a minute of its CPU at
    50,000, which the first measurements of retention wrongly charged to the pipeline.)"""
    return int(sync_database(settings, "eligibility")["encounters_published"].estimated_document_count())


def run_backlog(settings: Settings, count: int, label: str = "BENCH") -> BacklogRun:
    """Post `count` encounters as fast as ingest takes them; the clock stops when every one is accounted
    for (payment posted, or held/not covered/self-pay with a reason). Costs are counted until the
    pipeline settles, so the claims lifecycle that follows the payments is included."""
    events, stored = fresh_events(count, label), stored_encounters(settings)
    before = snapshot(settings)
    tracker, started = Tracker(settings), time.monotonic()
    keys = post_all(settings, events)
    ingested = time.monotonic() - started
    found = tracker.wait(keys, timeout=time_allowed(count), late_payments=False)
    elapsed = time.monotonic() - started
    read_model = read_model_caught_up(settings, started + time_allowed(count))
    after = settled(settings)
    return BacklogRun(
        encounters=count,
        seconds=round(elapsed, 1),
        ingest_per_second=round(count / ingested, 1),
        end_to_end_per_second=round(count / elapsed, 1),
        stored_before=stored,
        outcomes=dict(stage_counts(found)),
        read_model_seconds=round(read_model - started, 1) if read_model else None,
        per_process=per_process(before, after, count),
        slowest_shapes=top_shapes(before, after, count),
    )


def read_model_caught_up(settings: Settings, deadline: float) -> float | None:
    """When the ops read model's consumer group had nothing left to read on any topic (None: not by
    the deadline, or it is not running). It reads at its own pace; the pipeline never waits for it."""
    if processes.pid_of(settings, processes.READ_MODEL) is None:
        return None
    group = consumer_group(processes.READ_MODEL)
    topics = pipeline_topic_names()
    while time.monotonic() < deadline:
        if sum(group_lag(settings.kafka_bootstrap, group, topics).values()) == 0:
            return time.monotonic()
        time.sleep(0.5)
    return None


def per_process(before: dict[str, Usage], after: dict[str, Usage], count: int) -> dict[str, dict[str, Any]]:
    figures = {}
    for name, usage in after.items():
        spent = usage.minus(before.get(name, Usage()))
        if spent.cpu_seconds < 0.05 and not spent.commands:
            continue
        figures[name] = {
            "cpu_seconds_per_1000": round(spent.cpu_seconds * 1000 / count, 2),
            "db_commands_per_encounter": round(sum(spent.commands.values()) / count, 2),
        }
    return figures


def print_backlog(run: BacklogRun) -> None:
    print(
        f"pipeline: {run.encounters} encounters ({run.stored_before:,} already stored), "
        f"ingest {run.ingest_per_second:,.0f}/s, end to end {run.end_to_end_per_second:,.1f}/s "
        f"({run.seconds:.1f}s); outcomes {run.outcomes}; ops read model caught up after {run.read_model_seconds}s"
    )
    print("per process (cpu s per 1,000 encounters, database commands per encounter):")
    for name, figures in run.per_process.items():
        print(
            f"  {name:16} cpu {figures['cpu_seconds_per_1000']:6.1f}   "
            f"db commands {figures['db_commands_per_encounter']:5.2f}"
        )
    print("slowest command shapes (database time per encounter):")
    for shape in run.slowest_shapes:
        print(
            f"  {shape['process']:12} {shape['command']:7} {shape['collection']:22} {shape['shape']:24} "
            f"{shape['per_encounter']:5.2f}/enc  mean {shape['mean_ms']:6.2f} ms  "
            f"{shape['ms_per_encounter']:6.2f} ms/enc"
        )


def fill_history(settings: Settings, target: int, chunk: int = 5000) -> float:
    """Run encounters through until `target` are stored (the history later runs must not slow down
    with). Returns the seconds it took."""
    started = time.monotonic()
    while (stored := stored_encounters(settings)) < target:
        count = min(chunk, target - stored)
        tracker = Tracker(settings)  # before sending: it reads payments posted from its creation on
        keys = post_all(settings, fresh_events(count, "HISTORY"))
        tracker.wait(keys, timeout=time_allowed(count), late_payments=False)
        print(f"  history: {stored_encounters(settings):,} encounters stored", flush=True)
    return time.monotonic() - started


@dataclass
class LatencyRun:
    offered_per_second: float
    seconds: float
    sent: int
    submitted: int
    p50_seconds: float
    p95_seconds: float
    p99_seconds: float


def latency_at(settings: Settings, rate: float, seconds: float) -> LatencyRun:
    """Send at `rate` encounters/s for `seconds` (a batch every half second) and time each one from
    its post to its `claim-submitted` record (the record's broker timestamp, same machine clock)."""
    watch = consumer_from_now(settings.kafka_bootstrap, CLAIM_SUBMITTED.name)
    sent_at: dict[str, float] = {}
    events = fresh_events(int(rate * seconds) + POST_BATCH, "LATENCY")
    per_tick, tick, started = max(1, round(rate / 2)), 0.5, time.time()
    position = 0
    while time.time() - started < seconds and position < len(events):
        due = started + tick * (position // per_tick)
        time.sleep(max(0.0, due - time.time()))
        posted = time.time()
        for key in post_all(settings, events[position : position + per_tick]):
            sent_at[key] = posted
        position += per_tick
    delays = collect_submissions(watch, sent_at, quiet=15.0)
    return LatencyRun(
        offered_per_second=round(rate, 1),
        seconds=seconds,
        sent=len(sent_at),
        submitted=len(delays),
        p50_seconds=percentile(delays, 50),
        p95_seconds=percentile(delays, 95),
        p99_seconds=percentile(delays, 99),
    )


def collect_submissions(consumer: KafkaConsumer, sent_at: dict[str, float], quiet: float) -> list[float]:
    delays: dict[str, float] = {}
    last = time.monotonic()
    while time.monotonic() - last < quiet:
        for records in consumer.poll(timeout_ms=500).values():
            for record in records:
                key = json.loads(record.value).get("correlation_id")
                if key in sent_at and key not in delays:
                    delays[key] = record.timestamp / 1000 - sent_at[key]
                    last = time.monotonic()
    consumer.close()
    return sorted(delays.values())


def percentile(ordered: list[float], p: int) -> float:
    if not ordered:
        return float("nan")
    if len(ordered) == 1:
        return round(ordered[0], 3)
    return round(statistics.quantiles(ordered, n=100, method="inclusive")[p - 1], 3)
