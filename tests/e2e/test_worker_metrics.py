"""What each worker's `/metrics` lists for dashboards: its consumer group's lag on every topic it
reads, its batches, and its database commands by shape."""

from __future__ import annotations

import httpx
import pytest

from deploy.ops import processes
from shared.topics import PIPELINE
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


def test_every_worker_exports_its_lag_per_input_topic(pipeline) -> None:  # type: ignore[no-untyped-def]
    for worker in processes.WORKERS:
        url = processes.metrics_url(pipeline, worker)
        assert url is not None
        wanted = [
            f'telebill_consumer_lag{{group="telebill-{worker}",topic="{topic.name}"}}'
            for topic in PIPELINE
            if worker in topic.consumers
        ]
        assert wanted, worker

        def listed(url: str = url, wanted: list[str] = wanted) -> bool:
            text = httpx.get(url, timeout=5).text
            return all(line in text for line in wanted)

        eventually(listed, 60, f"{worker} exports its consumer lag")
