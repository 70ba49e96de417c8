"""Commands run as the separate processes they are in production: the installed `telebill code`
keeps its exit-status contract, the compose health probe is healthy on 200 only, and (where a
compose client exists) docker-compose.yml is valid."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.conftest import EXAMPLES
from tests.unit.test_compose import COMPOSE
from tests.unit.test_processes import compose_services

pytestmark = pytest.mark.integration
TELEBILL = [sys.executable, "-m", "deploy.ops.cli"]


def test_the_installed_command_keeps_the_exit_status_contract() -> None:
    for path, status in (
        (EXAMPLES / "01-medicare-video-home-established.json", 0),
        (EXAMPLES / "90-invalid-several-errors.json", 2),
    ):
        done = subprocess.run([*TELEBILL, "code", str(path)], capture_output=True, text=True, check=False, timeout=60)
        assert done.returncode == status, done.stderr
        assert (json.loads(done.stdout)["status"] == "coded") if status == 0 else done.stdout == ""


class Answering(BaseHTTPRequestHandler):
    code = 200

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.send_response(self.code)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


def probe_exit_code(answer: int | None) -> int:
    """The coding service's compose probe, run against a local server answering `answer` (None: nothing)."""
    command = compose_services()["coding"]["healthcheck"]["test"]
    server = HTTPServer(("127.0.0.1", 0), type("Answer", (Answering,), {"code": answer or 200}))
    port = server.server_address[1]
    if answer is None:
        server.server_close()
    else:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    argv = [sys.executable if part == "python" else part.replace(":9402/", f":{port}/") for part in command[1:]]
    try:
        return subprocess.run(argv, capture_output=True, timeout=20).returncode
    finally:
        if answer is not None:
            server.shutdown()
            server.server_close()


@pytest.mark.parametrize(("answer", "healthy"), [(200, True), (503, False), (None, False)])
def test_the_compose_probe_is_healthy_on_200_only(answer: int | None, healthy: bool) -> None:
    assert (probe_exit_code(answer) == 0) is healthy


def compose_client() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not compose_client(), reason="no docker compose client on this machine")
def test_docker_compose_config_is_valid() -> None:
    result = subprocess.run(["docker", "compose", "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
