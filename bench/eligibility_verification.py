"""Verification throughput of the eligibility use case on the real database and the simulator's
real-time HTTP endpoint (needs `telebill up`): cache misses (a 270/271 per coverage) and cache
hits (a stored verification of the same coverage reused). Publishing is in memory here; the
worker's Kafka rate is in pipeline_throughput.py."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime

from deploy.ops.synthetic import batch
from services.eligibility.bootstrap import asking_from, bootstrap, real_adapters
from shared.contracts.encounter import EncounterCompleted
from shared.messaging import RecordingPublisher
from shared.settings import get_settings


def encounters(count: int, tag: str, members: list[str] | None = None) -> list[EncounterCompleted]:
    raw = batch(count, seed=5, prefix=f"ELB-{tag}-")
    for n, item in enumerate(raw):
        member = members[n % len(members)] if members else f"W{tag[-5:]}{n:04d}"
        item["coverage"] = {"plan_type": "commercial", "payer_id": "87726", "member_id": member}
    return [EncounterCompleted.model_validate(item) for item in raw]


async def timed(service, items: list[EncounterCompleted], size: int = 500) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for start in range(0, len(items), size):
        await service.verify(items[start : start + size])
    return time.perf_counter() - started


async def main(count: int) -> None:
    settings = get_settings()
    repo, gateway = real_adapters(settings)
    publisher = RecordingPublisher()
    service = bootstrap(repo, publisher, gateway, asking_from(settings), clock=lambda: datetime.now(UTC))
    tag = f"{int(time.time()) % 100000:05d}"
    misses = encounters(count, tag)
    miss_seconds = await timed(service, misses)
    members = [e.coverage.member_id or "" for e in misses]
    hits = encounters(count, tag + "h", members)
    hit_seconds = await timed(service, hits)
    outcomes = {
        o: sum(1 for m in publisher.sent if f'"outcome":"{o}"' in m.value)
        for o in ("covered", "not_covered", "needs_manual")
    }
    print(
        f"eligibility: cache misses {count / miss_seconds:,.0f} verifications/s ({count} 270/271 exchanges over HTTP), "
        f"cache hits {count / hit_seconds:,.0f}/s; outcomes {outcomes}"
    )
    await gateway.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
