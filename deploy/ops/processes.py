"""Starting and stopping the pipeline's own processes (workers, simulator, ingest API) locally."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from shared.settings import Settings

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Process:
    name: str
    argv: tuple[str, ...]
    ready_line: str = ""
    ready_url: str = ""


APIS = (  # name, ASGI factory, settings field with its port
    ("ingest", "services.ingest.entrypoints.api:create_app", "ingest_port"),
    ("coding-api", "services.coding.entrypoints.api:create_app", "coding_api_port"),
    ("claims-api", "services.claims.entrypoints.api:create_app", "claims_api_port"),
    ("eligibility-api", "services.eligibility.entrypoints.api:create_app", "eligibility_api_port"),
    ("remittance-api", "services.remittance.entrypoints.api:create_app", "remittance_api_port"),
)


def pipeline_processes(settings: Settings) -> list[Process]:
    """In start order: the payer side first (eligibility asks it at once), then workers, then APIs."""
    worker = ("worker", "--loglevel", "info", "--without-web")
    realtime = api_process(
        "clearinghouse-rt",
        "deploy.clearinghouse.realtime:create_app",
        settings.ingest_host,
        settings.clearinghouse_port,
    )
    workers = [
        Process(name, (sys.executable, "-m", f"services.{name}.entrypoints.worker", *worker), "Ready")
        for name in ("eligibility", "coding", "claims", "remittance")
    ]
    simulator = Process(
        "clearinghouse", (sys.executable, "-m", "deploy.clearinghouse.simulator"), "clearinghouse ready"
    )
    apis = [api_process(name, factory, settings.ingest_host, getattr(settings, port)) for name, factory, port in APIS]
    return [realtime, *workers, simulator, *apis]


def api_process(name: str, factory: str, host: str, port: int) -> Process:
    argv = (sys.executable, "-m", "uvicorn", "--factory", factory, "--host", host, "--port", str(port))
    return Process(name, (*argv, "--log-level", "warning"), ready_url=f"http://{host}:{port}/readyz")


def run_dir(settings: Settings) -> Path:
    path = settings.state_dir / "run"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_path(settings: Settings, name: str) -> Path:
    path = settings.state_dir / "logs" / f"{name}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def pid_of(settings: Settings, name: str) -> int | None:
    pid_file = run_dir(settings) / f"{name}.pid"
    if not pid_file.exists():
        return None
    pid_text, _, argv = pid_file.read_text().partition("\n")
    pid = int(pid_text.strip() or 0)
    return pid if pid and alive(pid) and runs(pid, tuple(argv.split("\0"))) else None


def runs(pid: int, argv: tuple[str, ...]) -> bool:
    """A pid file outlives its process when a machine ends everything (CI runs on the machine a
    session left): a recycled pid must not pass for ours, or stop() would signal a stranger's group."""
    if not Path("/proc/self").exists():  # no procfs (not Linux): the pid is all there is to go by
        return True
    try:
        return tuple(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]) == argv
    except OSError:
        return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    status = Path(f"/proc/{pid}/status")  # a killed child stays a zombie until reaped: not alive
    return not status.exists() or "(zombie)" not in status.read_text()


def start(settings: Settings, process: Process) -> int:
    running = pid_of(settings, process.name)
    if running:
        return running
    log = log_path(settings, process.name)
    with log.open("ab") as out:
        child = subprocess.Popen(
            process.argv, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=os.environ.copy()
        )
    wait_for_exec(child.pid)
    (run_dir(settings) / f"{process.name}.pid").write_text(f"{child.pid}\n" + "\0".join(process.argv))
    return child.pid


def wait_for_exec(pid: int, timeout: float = 2.0) -> None:
    """Popen can return while the child is still inside execve, when /proc shows an empty command
    line: the pid file is written once the command line is there, so runs() can stay strict."""
    cmdline, deadline = Path(f"/proc/{pid}/cmdline"), time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cmdline.read_bytes():
                return
        except OSError:
            return  # gone already: wait_ready reports it
        time.sleep(0.01)


def wait_ready(settings: Settings, process: Process, since: int, timeout: float = 90.0) -> None:
    """Wait until the process logs its ready line after byte offset `since` (or, for the API, answers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pid_of(settings, process.name) is None:
            raise RuntimeError(f"{process.name} exited; see {log_path(settings, process.name)}")
        if is_ready(settings, process, since):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{process.name} not ready after {timeout:.0f}s; see {log_path(settings, process.name)}")


def is_ready(settings: Settings, process: Process, since: int) -> bool:
    if process.ready_url:
        return answers(process.ready_url)
    with log_path(settings, process.name).open("rb") as log:
        log.seek(since)
        return process.ready_line.encode() in log.read()


def answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def stop(settings: Settings, name: str, grace: float = 15.0) -> bool:
    pid = pid_of(settings, name)
    if pid is None:
        return False
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if alive(pid):
        os.killpg(pid, signal.SIGKILL)
    (run_dir(settings) / f"{name}.pid").unlink(missing_ok=True)
    return True


def start_all(settings: Settings) -> list[tuple[str, int]]:
    """Start every process not yet running, then wait for all of them together."""
    starting = []
    for process in pipeline_processes(settings):
        if pid_of(settings, process.name) is None:
            log = log_path(settings, process.name)
            starting.append((process, log.stat().st_size if log.exists() else 0))
            start(settings, process)
    for process, offset in starting:
        wait_ready(settings, process, offset)
    return [(p.name, pid_of(settings, p.name) or 0) for p in pipeline_processes(settings)]


def stop_all(settings: Settings) -> list[str]:
    return [p.name for p in reversed(pipeline_processes(settings)) if stop(settings, p.name)]
