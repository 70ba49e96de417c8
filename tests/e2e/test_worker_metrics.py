"""Each worker's `/metrics` lists, for dashboards, its consumer group's lag on every topic it reads."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_the_ops_read_model_exports_its_lag_on_every_topic_and_dead_letter_topic(pipeline) -> None:  # type: ignore[no-untyped-def]
    wanted = {name for topic in PIPELINE for name in (topic.name, topic.dlq)}
    eventually(lambda: lag_topics(pipeline, processes.READ_MODEL) == wanted, 60, "ops exports its lag")


README = Path(__file__).resolve().parents[2] / "README.md"
DOCUMENTED = re.compile(r"^\| `(telebill_[a-z_]+)(?:\{[^}]*\})?` \| ([a-z-]+) \|", re.MULTILINE)


def documented_metrics() -> list[tuple[str, str]]:
    """The README's metrics table (between its `<!-- metrics` markers): metric name and process."""
    text = README.read_text()
    table = text[text.index("<!-- metrics") : text.index("<!-- /metrics -->")]
    return DOCUMENTED.findall(table)


def test_each_process_lists_the_metrics_the_readme_documents(pipeline) -> None:  # type: ignore[no-untyped-def]
    documented = documented_metrics()
    assert len(documented) >= 10

    def missing() -> list[tuple[str, str]]:
        names = {program: {f.name for f in scrape.families(pipeline, program)} for _, program in documented}
        return [
            (metric, program) for metric, program in documented if metric.removesuffix("_total") not in names[program]
        ]

    eventually(lambda: missing() == [], 90, f"documented metrics exported: {missing()}")
