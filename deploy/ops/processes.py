"""Starting and stopping the pipeline's own processes (workers, simulator, APIs) locally, supervised:
supervisord restarts whatever exits (see deploy.ops.supervision). Every function takes the program
list it works on, the pipeline's by default, so tests can supervise toy programs."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from deploy.ops import supervision
from deploy.ops.pids import alive, pid_file_stray, runs
from deploy.ops.process_status import ProcessStatus, process_status
from deploy.ops.programs import REPO, Process, log_path, log_size, ready_now, run_dir
from deploy.ops.restarts import RestartRecord, load_records
from deploy.ops.supervision import KEPT_GOING, SupervisorUnreachable
from shared.logs import logging_config
from shared.metrics import SERVICE_PORT_OFFSET, metrics_port
from shared.settings import Settings

__all__ = [
    "REPO",
    "Process",
    "READ_MODEL",
    "WORKERS",
    "ProcessStatus",
    "RestartRecord",
    "SupervisorUnreachable",
    "alive",
    "instance_name",
    "is_ready",
    "log_path",
    "metrics_url",
    "pid_of",
    "pipeline_processes",
    "restart_records",
    "run_dir",
    "service_instance",
    "runs",
    "start",
    "supervised_names",
    "start_all",
    "status",
    "stop",
    "stop_all",
    "wait_ready",
]

APIS = (  # name, ASGI factory, settings field with its port
    ("ingest", "services.ingest.entrypoints.api:create_app", "ingest_port"),
    ("coding-api", "services.coding.entrypoints.api:create_app", "coding_api_port"),
    ("claims-api", "services.claims.entrypoints.api:create_app", "claims_api_port"),
    ("eligibility-api", "services.eligibility.entrypoints.api:create_app", "eligibility_api_port"),
    ("remittance-api", "services.remittance.entrypoints.api:create_app", "remittance_api_port"),
    ("ops-api", "services.ops.entrypoints.api:create_app", "ops_api_port"),
)


WORKERS = ("eligibility", "coding", "claims", "remittance")  # the pipeline's; scaled by worker_instances
READ_MODEL = "ops"  # one instance: it reads every topic, the pipeline never waits for it


def instance_name(service: str, instance: int) -> str:
    """The first instance keeps the service's name; further ones are `claims-2`, `claims-3`, ..."""
    return service if instance == 0 else f"{service}-{instance + 1}"


def service_instance(name: str) -> tuple[str, int]:
    """The inverse of instance_name: ("claims", 1) for `claims-2`; (name, 0) for anything else."""
    service, _, number = name.rpartition("-")
    if service in WORKERS and number.isdigit() and int(number) >= 2:
        return service, int(number) - 1
    return name, 0


def pipeline_processes(settings: Settings) -> list[Process]:
    """In start order: the payer side first (eligibility asks it at once), then workers, then APIs."""
    worker = ("worker", "--loglevel", "info", "--without-web")
    log_config = written_log_config(settings)
    realtime = api_process(
        "clearinghouse-rt",
        "deploy.clearinghouse.realtime:create_app",
        settings.ingest_host,
        settings.clearinghouse_port,
        log_config,
    )
    workers = [
        Process(
            instance_name(name, instance),
            (sys.executable, "-m", f"services.{name}.entrypoints.worker", *worker),
            "Ready",
            environment=(("TELEBILL_INSTANCE", str(instance)),) if instance else (),
        )
        for name in WORKERS
        for instance in range(settings.worker_instances)
    ]
    read_model = Process(READ_MODEL, (sys.executable, "-m", "services.ops.entrypoints.worker", *worker), "Ready")
    simulator = Process(
        "clearinghouse", (sys.executable, "-m", "deploy.clearinghouse.simulator"), "clearinghouse ready"
    )
    apis = [
        api_process(name, factory, settings.ingest_host, getattr(settings, port), log_config)
        for name, factory, port in APIS
    ]
    return [realtime, *workers, read_model, simulator, *apis]


def api_process(name: str, factory: str, host: str, port: int, log_config: Path) -> Process:
    """An API under uvicorn, logging JSON lines through the redaction filter (its access log too: a
    path can carry an encounter key, never more, and a query value is redacted like any text)."""
    argv = (sys.executable, "-m", "uvicorn", "--factory", factory, "--host", host, "--port", str(port))
    options = ("--log-level", "warning", "--log-config", str(log_config))
    return Process(name, (*argv, *options), ready_url=f"http://{host}:{port}/readyz")


def written_log_config(settings: Settings) -> Path:
    path = settings.state_dir / "log-config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(logging_config("WARNING"), indent=2))
    return path


def metrics_url(settings: Settings, name: str) -> str | None:
    """Where a program serves its Prometheus metrics (a worker instance on its own port)."""
    service, instance = service_instance(name)
    if service in SERVICE_PORT_OFFSET and service != "ingest":
        return f"http://{settings.metrics_host}:{metrics_port(service, settings.metrics_base_port, instance)}/metrics"
    api = next((api for api in APIS if api[0] == name), None)
    return f"http://{settings.ingest_host}:{getattr(settings, api[2])}/metrics/" if api else None


def supervised_names(settings: Settings) -> list[str]:
    """Every program supervisord knows for this state directory (further worker instances too)."""
    try:
        return [name for name in supervision.supervisor_info(settings) if name != supervision.LISTENER]
    except SupervisorUnreachable:
        return []


def pid_of(settings: Settings, name: str) -> int | None:
    """The live pid of that program, supervised or (from before supervision) in a pid file."""
    supervised = supervision.live_pid(supervision.program_info(settings, name))
    if supervised:
        return supervised
    stray = pid_file_stray(run_dir(settings) / f"{name}.pid")
    return stray.pid if stray else None


def start(settings: Settings, process: Process) -> int:
    """Start one program under supervision (if not running) and return its pid."""
    supervision.supervise(settings, [process])
    return supervision.start_program(settings, process.name)


def stop(settings: Settings, name: str, grace: float = supervision.STOP_SECONDS) -> bool:
    """A deliberate stop: the program stays stopped until `start`. False if it was not running.
    (`grace` applies to a process of the pid-file era; supervised programs get STOP_SECONDS.)"""
    stopped = supervision.stop_program(settings, name)
    retired = supervision.retire_pid_files(supervision.paths(settings), [name], grace)
    return stopped or bool(retired)


def start_all(settings: Settings, processes: Sequence[Process] | None = None) -> list[tuple[str, int]]:
    """Start every program not yet running, then wait for all of them together."""
    wanted = list(pipeline_processes(settings) if processes is None else processes)
    supervision.supervise(settings, wanted)
    starting = [
        (process, log_size(log_path(settings, process.name)))
        for process in wanted
        if pid_of(settings, process.name) is None
    ]
    for process, _ in starting:
        supervision.start_program(settings, process.name)
    for process, offset in starting:
        wait_ready(settings, process, offset)
    return [(process.name, pid_of(settings, process.name) or 0) for process in wanted]


def stop_all(settings: Settings) -> list[str]:
    """Every program, then supervisord; also what a killed supervisord or the pid-file era left.
    Works whether or not supervisord runs, and signals only processes proven to be ours."""
    return supervision.stop_everything(settings)


def wait_ready(settings: Settings, process: Process, since: int, timeout: float = 90.0) -> None:
    """Wait until the process logs its ready line after byte offset `since` (or, for an API, answers).
    A program that fails to start is retried by supervisord; this gives up once supervisord does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = supervision.program_info(settings, process.name)
        state = str(info["statename"]) if info else "not supervised"
        if state not in KEPT_GOING and state != "EXITED":  # EXITED: restarting at once
            raise RuntimeError(f"{process.name} is {state}; see {log_path(settings, process.name)}")
        if is_ready(settings, process, since):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{process.name} not ready after {timeout:.0f}s; see {log_path(settings, process.name)}")


def is_ready(settings: Settings, process: Process, since: int) -> bool:
    return ready_now(process, log_path(settings, process.name), since)


def restart_records(settings: Settings) -> dict[str, RestartRecord]:
    """Per program: restarts by supervisord since it started, and the last one's exit → ready time."""
    return load_records(run_dir(settings))


def status(settings: Settings, processes: Sequence[Process] | None = None) -> list[ProcessStatus]:
    """Each program's state, pid, uptime and restarts; SupervisorUnreachable if supervisord is not up."""
    infos = supervision.supervisor_info(settings)
    records = restart_records(settings)
    listed = pipeline_processes(settings) if processes is None else processes
    return [process_status(p.name, infos.get(p.name), records.get(p.name), log_path(settings, p.name)) for p in listed]
