"""End-to-end rate of the running pipeline: encounters posted to the ingest API until every one
is accounted for (payment posted, or held with a reason). Run by `make bench` after `telebill up`."""

from __future__ import annotations

import sys
import time

from _measure import report, settled, snapshot  # beside this script

from deploy.ops.client import post_events
from deploy.ops.synthetic import batch
from deploy.ops.tracking import Tracker, stage_counts
from shared.settings import get_settings


def main(count: int) -> None:
    settings = get_settings()
    events = batch(count, seed=int(time.time()), prefix=f"BENCH-{int(time.time())}-")
    before = snapshot(settings)
    tracker, started = Tracker(settings), time.monotonic()
    keys: list[str] = []
    for start in range(0, count, 200):
        status, body = post_events(events[start : start + 200], settings=settings)
        assert status == 202, body
        keys += [item["key"] for item in body["accepted"]]
    ingested = time.monotonic() - started
    found = tracker.wait(keys, timeout=600, late_payments=False)  # until every encounter is accounted for
    elapsed = time.monotonic() - started
    counts = stage_counts(found)
    after = settled(settings)  # costs include what follows the accounting (the claims lifecycle)
    print(
        f"pipeline: {count} encounters, ingest {count / ingested:,.0f}/s, "
        f"end to end {count / elapsed:,.1f}/s ({elapsed:.1f}s); outcomes {dict(counts)}"
    )
    print("per process (cpu, database commands per encounter, the most frequent):")
    print("\n".join(report(before, after, count)))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
