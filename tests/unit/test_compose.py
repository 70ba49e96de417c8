"""docker-compose.yml runs every process the code defines, and is valid where a compose client exists."""

from __future__ import annotations

import shutil
import subprocess

import pytest
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


def compose_client() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not compose_client(), reason="no docker compose client on this machine")
def test_docker_compose_config_is_valid() -> None:
    result = subprocess.run(["docker", "compose", "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
