"""The running processes' Prometheus metrics, read as Prometheus would: for the benches (what a run
cost each process) and the tests that check what the processes export."""

from __future__ import annotations

import httpx
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from deploy.ops import processes
from shared.settings import Settings


def program_names(settings: Settings) -> list[str]:
    """The pipeline's programs, and any further instances of a worker that supervisord runs."""
    names = [p.name for p in processes.pipeline_processes(settings)]
    return names + [name for name in processes.supervised_names(settings) if name not in names]


def families(settings: Settings, name: str) -> list[Metric]:
    """The metric families one program exports now; none when it has no metrics or does not answer."""
    url = processes.metrics_url(settings, name)
    if url is None:
        return []
    try:
        text = httpx.get(url, timeout=5, follow_redirects=True).text
    except httpx.HTTPError:
        return []
    return list(text_string_to_metric_families(text))
