"""docker-compose.yml runs every process the code defines, and is valid where a compose client exists."""

from __future__ import annotations

import tomllib

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


def test_the_image_builds_and_installs_the_wheel_from_every_package_directory() -> None:
    """The Dockerfile does what tests/integration/test_wheel.py checks: a wheel built from the
    package's own directories, installed, and no source tree left in the image."""
    dockerfile = (REPO / "Dockerfile").read_text()
    included = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    copied = {line.split()[1] for line in dockerfile.splitlines() if line.startswith("COPY ") and "--from" not in line}
    assert {pattern.rstrip("*") for pattern in included["include"]} | {"pyproject.toml"} <= copied
    assert "pip wheel --no-cache-dir --no-deps --wheel-dir /wheels ." in dockerfile
    final_stage = dockerfile.split("\nFROM ")[-1]
    assert "pip install --no-cache-dir /wheels/*.whl" in final_stage and "COPY --from=build /wheels" in final_stage
    assert not any(line.startswith("COPY ") and "--from" not in line for line in final_stage.splitlines())
