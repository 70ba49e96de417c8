"""The whole pipeline as processes: four workers, the clearinghouse simulator, the ingest API."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator

import pytest

from deploy.ops import processes


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
    """A copy of an example with its own ids, so every run's events are new to the pipeline."""
    fresh = copy.deepcopy(event)
    fresh["event_id"] = str(uuid.uuid4())
    fresh["encounter"]["encounter_id"] = f"{fresh['encounter']['encounter_id']}-{suffix}"
    return fresh


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
