"""docker-compose.yml runs every process the code defines, and is valid where a compose client exists."""

from __future__ import annotations

import yaml

from deploy.ops.processes import pipeline_processes
from shared.metrics import SERVICE_PORT_OFFSET
from shared.settings import Settings
from tests.conftest import REPO

COMPOSE = REPO / "docker-compose.yml"


def compose_services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_every_pipeline_process_has_a_compose_service() -> None:
    local = {process.name for process in pipeline_processes(Settings())}
    assert local <= set(compose_services())
    assert {"kafka", "mongo", "prometheus", "grafana"} <= set(compose_services())


def test_prometheus_scrapes_every_process_with_metrics() -> None:
    scraped = (REPO / "deploy" / "prometheus" / "prometheus.yml").read_text()
    assert all(f"{name}:" in scraped for name in SERVICE_PORT_OFFSET)
