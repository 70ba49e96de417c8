"""`make bench`: the pipeline's figures from one run on a stack of its own, printed and written to
bench/results/suite-<UTC time>.json.

1. raw limits of this machine with the pipeline's clients (Kafka through five hops, the database
   server's bulk writes and `_id` reads);
2. end to end rate over a backlog (default 20,000 encounters) on a fresh database;
3. history filled to a stored count (default 50,000), then the same backlog again: retention =
   later / fresh;
4. latency from ingest to `claim-submitted` at a steady half of the fresh rate;
5. the backlog rate with one and with two instances of every worker.

Sizes: BENCH_BACKLOG, BENCH_STORED, BENCH_LATENCY_SECONDS, BENCH_SCALE (encounters per scale run)."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _pipeline import (  # beside this script
    BacklogRun,
    fill_history,
    fresh_events,
    latency_at,
    print_backlog,
    run_backlog,
)
from _raw_limits import database_limits, kafka_limits

from deploy.ops import processes
from shared.settings import Settings, get_settings

RESULTS = Path(__file__).parent / "results"


def size(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def raw_limits(settings: Settings) -> dict[str, Any]:
    sample = fresh_events(2000, "RAW")
    value = json.dumps(sample[0]).encode()
    return {
        "kafka": kafka_limits(settings, 20_000, value),
        "database": database_limits(settings, sample, settings.mongo_max_pool_size),
    }


def with_instances(settings: Settings, count: int) -> Settings:
    """Every worker at `count` instances: the missing ones started (their consumer groups rebalance)."""
    scaled = settings.model_copy(update={"worker_instances": count})
    processes.start_all(scaled)
    time.sleep(settings.worker_session_timeout_seconds)  # the groups settle before the clock starts
    return scaled


def without_extra_instances(settings: Settings) -> None:
    for name in processes.supervised_names(settings):
        if processes.service_instance(name)[1] > 0:
            processes.stop(settings, name)


def main() -> None:
    settings = get_settings()
    backlog, stored = size("BENCH_BACKLOG", 20_000), size("BENCH_STORED", 50_000)
    latency_seconds, scale = size("BENCH_LATENCY_SECONDS", 60), size("BENCH_SCALE", 5_000)
    without_extra_instances(settings)
    result: dict[str, Any] = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count()}

    print("== raw limits", flush=True)
    result["raw_limits"] = raw_limits(settings)
    print(json.dumps(result["raw_limits"], indent=1), flush=True)

    print(f"== backlog of {backlog:,} on a fresh database", flush=True)
    fresh = run_backlog(settings, backlog, "FRESH")
    print_backlog(fresh)

    print(f"== history up to {stored:,} stored encounters", flush=True)
    result["history_fill_seconds"] = round(fill_history(settings, stored), 1)
    print(f"== backlog of {backlog:,} after that history", flush=True)
    later = run_backlog(settings, backlog, "LATER")
    print_backlog(later)

    print(f"== latency at half the fresh rate for {latency_seconds}s", flush=True)
    latency = latency_at(settings, fresh.end_to_end_per_second / 2, latency_seconds)
    print(latency, flush=True)

    print(f"== {scale:,} encounters with 1, then 2 instances of every worker", flush=True)
    one = run_backlog(settings, scale, "ONE")
    two = run_backlog(with_instances(settings, 2), scale, "TWO")
    without_extra_instances(settings)

    result |= summary(result["raw_limits"], fresh, later, latency, one, two)
    print_summary(result)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"suite-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"written to {path}")


def summary(
    raw: dict[str, Any], fresh: BacklogRun, later: BacklogRun, latency: Any, one: BacklogRun, two: BacklogRun
) -> dict[str, Any]:
    return {
        "fresh": fresh.as_dict(),
        "after_history": later.as_dict(),
        "retention": round(later.end_to_end_per_second / fresh.end_to_end_per_second, 3),
        "latency_to_claim_submitted": asdict(latency),
        "scale_out": {"one_instance": one.as_dict(), "two_instances": two.as_dict()},
        "ratio_to_kafka_five_hops": round(fresh.end_to_end_per_second / raw["kafka"]["five_hops_per_second"], 4),
        "database_commands_per_second": round(
            fresh.end_to_end_per_second * sum(p["db_commands_per_encounter"] for p in fresh.per_process.values())
        ),
    }


def print_summary(result: dict[str, Any]) -> None:
    fresh, later = result["fresh"], result["after_history"]
    latency, scale = result["latency_to_claim_submitted"], result["scale_out"]
    raw = result["raw_limits"]
    print("== summary")
    print(f"end to end {fresh['end_to_end_per_second']}/s over {fresh['encounters']:,} (fresh database)")
    print(
        f"end to end {later['end_to_end_per_second']}/s over {later['encounters']:,} with "
        f"{later['stored_before']:,} stored: retention {result['retention']}"
    )
    print(
        f"latency ingest → claim-submitted at {latency['offered_per_second']}/s: p50 {latency['p50_seconds']}s "
        f"p95 {latency['p95_seconds']}s p99 {latency['p99_seconds']}s ({latency['submitted']} claims)"
    )
    print(
        f"instances: 1 → {scale['one_instance']['end_to_end_per_second']}/s, "
        f"2 → {scale['two_instances']['end_to_end_per_second']}/s"
    )
    print(
        f"raw: Kafka five hops {raw['kafka']['five_hops_per_second']:,}/s (pipeline at "
        f"{result['ratio_to_kafka_five_hops']:.1%}); database {raw['database']['insert_many_docs_per_second']:,} "
        f"inserts/s, {raw['database']['find_by_id_per_second_1_thread']:,} `_id` reads/s from one thread; "
        f"the pipeline sent {result['database_commands_per_second']:,} commands/s"
    )


if __name__ == "__main__":
    sys.exit(main())
