"""Each worker's `/metrics` lists, for dashboards, its consumer group's lag on every topic it reads."""

from __future__ import annotations

import pytest

from deploy.ops import processes, scrape
from shared.kafka import consumer_group
from shared.topics import PIPELINE
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


def lag_topics(settings, worker: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {
        sample.labels["topic"]
        for family in scrape.families(settings, worker)
        if family.name == "telebill_consumer_lag"
        for sample in family.samples
        if sample.labels["group"] == consumer_group(worker)
    }


def test_every_worker_exports_its_lag_per_input_topic(pipeline) -> None:  # type: ignore[no-untyped-def]
    for worker in processes.WORKERS:
        wanted = {topic.name for topic in PIPELINE if worker in topic.consumers}
        assert wanted, worker
        eventually(lambda w=worker, t=wanted: lag_topics(pipeline, w) == t, 60, f"{worker} exports its lag")  # type: ignore[misc]
