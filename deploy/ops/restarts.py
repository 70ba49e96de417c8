"""How often each supervised program restarted by itself, and how long it was down each last time:
from the moment it exited to the moment it was ready again (not merely running: a worker that runs
but has not joined its consumer group yet does no work)."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path

RESTARTS_FILE = "restarts.json"


@dataclass(frozen=True)
class RestartRecord:
    name: str
    restarts: int = 0  # spawns supervisord made by itself after the program exited or failed to start
    last_exit_at: float | None = None  # epoch seconds of the exit that began the last outage
    last_ready_at: float | None = None  # epoch seconds it was ready again
    last_restart_seconds: float | None = None  # exit → ready of the last outage that ended


@dataclass(frozen=True)
class Outage:
    began_at: float  # epoch seconds of its first exit
    began_monotonic: float
    log_offset: int  # the log's size at the latest exit: a ready line after it is the new process's


class RestartBook:
    """The restart records and the outages still open, updated from supervisord's state events.
    Thread-safe: readiness is watched in threads while events keep arriving."""

    def __init__(self, records: dict[str, RestartRecord]) -> None:
        self._records = dict(records)
        self._outages: dict[str, Outage] = {}
        self._generations: dict[str, int] = {}
        self._lock = threading.Lock()

    def exited(self, name: str, at: float, monotonic: float, log_offset: int) -> None:
        with self._lock:
            open_since = self._outages.get(name)
            began = (open_since.began_at, open_since.began_monotonic) if open_since else (at, monotonic)
            self._outages[name] = Outage(*began, log_offset)
            self._bump(name)

    def respawned(self, name: str) -> None:
        with self._lock:
            record = self._records.get(name, RestartRecord(name))
            self._records[name] = replace(record, restarts=record.restarts + 1)

    def stopped(self, name: str) -> None:
        """A deliberate stop ends the outage unmeasured: its length is the operator's, not a restart's."""
        with self._lock:
            self._outages.pop(name, None)
            self._bump(name)

    def ready(self, name: str, generation: int, at: float, monotonic: float) -> bool:
        """Close the outage if no exit or stop happened since `generation`; False if one did."""
        with self._lock:
            outage = self._outages.get(name)
            if outage is None or self._generations.get(name, 0) != generation:
                return False
            record = self._records.get(name, RestartRecord(name))
            seconds = round(monotonic - outage.began_monotonic, 3)
            self._records[name] = replace(
                record, last_exit_at=outage.began_at, last_ready_at=at, last_restart_seconds=seconds
            )
            del self._outages[name]
            return True

    def outage(self, name: str) -> tuple[Outage, int] | None:
        with self._lock:
            open_outage = self._outages.get(name)
            return (open_outage, self._generations.get(name, 0)) if open_outage else None

    def is_current(self, name: str, generation: int) -> bool:
        with self._lock:
            return self._generations.get(name, 0) == generation

    def records(self) -> dict[str, RestartRecord]:
        with self._lock:
            return dict(self._records)

    def _bump(self, name: str) -> None:
        self._generations[name] = self._generations.get(name, 0) + 1


def save_records(run: Path, records: dict[str, RestartRecord]) -> None:
    temporary = run / f"{RESTARTS_FILE}.tmp"
    temporary.write_text(json.dumps({name: asdict(record) for name, record in sorted(records.items())}, indent=1))
    temporary.replace(run / RESTARTS_FILE)


def load_records(run: Path) -> dict[str, RestartRecord]:
    path = run / RESTARTS_FILE
    if not path.exists():
        return {}
    return {name: RestartRecord(**fields) for name, fields in json.loads(path.read_text()).items()}


def forget_records(run: Path) -> None:
    """A new supervisord counts afresh."""
    (run / RESTARTS_FILE).unlink(missing_ok=True)
