"""The burst load test: rounds of encounters posted in bursts of 200 as fast as ingest takes them, each
round waited out until every encounter is accounted for. A database that hangs under the burst (as
FerretDB once did with pymongo's default pool of 100 per client) leaves encounters unaccounted and
fails the run. Run by `make test-load` on a fresh stack; figures go to the closing note, never into
assertions on time.

    python -m tests.load.bursts [ENCOUNTERS_PER_ROUND] [ROUNDS]
"""

from __future__ import annotations

import sys
import time

from deploy.ops.client import post_events
from deploy.ops.synthetic import batch
from deploy.ops.tracking import Tracker, stage_counts
from shared.settings import get_settings

BURST = 200
ROUND_TIMEOUT_SECONDS = 1200.0


def run_round(number: int, count: int) -> bool:
    settings = get_settings()
    stamp = int(time.time())
    events = batch(count, seed=stamp + number, prefix=f"LOAD-{stamp}-{number}-")
    tracker, started, keys = Tracker(settings), time.monotonic(), []
    for start in range(0, count, BURST):
        status, body = post_events(events[start : start + BURST], settings=settings)
        if status not in (200, 202):
            print(f"round {number}: ingest answered {status}: {body}")
            return False
        keys += [item["key"] for item in body["accepted"]]
    ingested = time.monotonic() - started
    found = tracker.wait(keys, timeout=ROUND_TIMEOUT_SECONDS, late_payments=False)
    elapsed = time.monotonic() - started
    counts = stage_counts(found)
    print(
        f"round {number}: {len(keys)} encounters, ingest {len(keys) / ingested:,.0f}/s, "
        f"accounted for in {elapsed:.0f}s ({len(keys) / elapsed:,.1f}/s): {dict(counts)}",
        flush=True,
    )
    return counts.get("in_flight", 0) == 0


def main(count: int, rounds: int) -> int:
    results = [run_round(number, count) for number in range(1, rounds + 1)]
    print(f"load: {sum(results)} of {rounds} rounds of {count} encounters fully accounted for")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000, int(sys.argv[2]) if len(sys.argv) > 2 else 3))
