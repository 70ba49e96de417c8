"""What `telebill status` shows per process, from supervisord's view and the restart records."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.table import Table

from deploy.ops.restarts import RestartRecord

NOT_STARTED = "NOT STARTED"  # supervisord has no such program yet


@dataclass(frozen=True)
class ProcessStatus:
    name: str
    state: str  # supervisord's: RUNNING, STARTING, BACKOFF, STOPPED, EXITED, FATAL…, or NOT STARTED
    pid: int | None
    uptime_seconds: int | None
    restarts: int
    last_restart_seconds: float | None  # exit → ready, the last time it restarted by itself
    log: Path

    @property
    def running(self) -> bool:
        return self.state == "RUNNING"


def process_status(name: str, info: dict[str, Any] | None, record: RestartRecord | None, log: Path) -> ProcessStatus:
    state = str(info["statename"]) if info else NOT_STARTED
    up = state == "RUNNING" and info is not None
    return ProcessStatus(
        name=name,
        state=state,
        pid=int(info["pid"]) if up and info and info["pid"] else None,
        uptime_seconds=int(info["now"]) - int(info["start"]) if up and info else None,
        restarts=record.restarts if record else 0,
        last_restart_seconds=record.last_restart_seconds if record else None,
        log=log,
    )


def duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    clock = f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{days}d {clock}" if days else clock


def cells(status: ProcessStatus) -> tuple[str, ...]:
    return (
        status.name,
        status.state,
        str(status.pid) if status.pid else "-",
        duration(status.uptime_seconds) if status.uptime_seconds is not None else "-",
        str(status.restarts),
        f"{status.last_restart_seconds:.1f}s" if status.last_restart_seconds is not None else "-",
        str(status.log),
    )


def status_table(statuses: list[ProcessStatus]) -> Table:
    table = Table(title="pipeline processes (supervisord)")
    for column in ("process", "state", "pid", "uptime", "restarts", "last restart (exit→ready)", "log"):
        table.add_column(column, overflow="fold")
    for status in statuses:
        table.add_row(*cells(status))
    return table


def problem(statuses: list[ProcessStatus], infrastructure_up: bool = True) -> str | None:
    """The one line that says why the stack is not all up, or None when it is."""
    down = [f"{status.name} ({status.state})" for status in statuses if not status.running]
    if down:
        return f"not running: {', '.join(down)}"
    if not infrastructure_up:
        return "Kafka or FerretDB is not running (see above)"
    return None
