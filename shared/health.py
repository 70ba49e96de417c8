"""Whether this process can do its work now, and why not: the readiness every worker and API reports.

A process is *live* while it runs and *ready* while nothing it depends on is failing. Problems are
named conditions ("database", "broker", "stuck-command") set when noticed and cleared when the
dependency answers again, so `/readyz` says which one keeps the process back. Database commands are
watched: one that runs longer than its limit marks the process not ready and is logged by name,
database and collection (never its filter: that could carry patient data).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Gauge, Histogram, Summary
from pymongo import monitoring

from shared.db_shapes import command_shape

log = logging.getLogger(__name__)
READY = Gauge("telebill_ready", "1 while the process can do its work, 0 while a dependency is failing")
DB_COMMANDS = Counter(
    "telebill_db_commands_total", "Database commands this process sent", ["database", "collection", "command"]
)
DB_COMMAND_SECONDS = Histogram(
    "telebill_db_command_seconds",
    "Time from sending a database command to its answer",
    ["collection", "command"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DB_SHAPE_SECONDS = Summary(
    "telebill_db_command_shape_seconds",
    "Time of database commands by the shape of their filter (field names and operators, never values)",
    ["collection", "command", "shape"],
)
SLOWEST_COMMAND_SECONDS = Gauge(
    "telebill_db_oldest_command_seconds", "Age of the oldest database command still waiting for its answer"
)


class Readiness:
    """Named problems; ready when there are none. Thread-safe: the watchdog runs in its own thread."""

    def __init__(self) -> None:
        self._problems: dict[str, str] = {}
        self._lock = threading.Lock()
        READY.set(1)

    def fail(self, condition: str, reason: str) -> None:
        with self._lock:
            first = condition not in self._problems
            self._problems[condition] = reason
            READY.set(0)
        if first:
            log.warning("not ready: %s: %s", condition, reason)

    def clear(self, condition: str) -> None:
        with self._lock:
            was = self._problems.pop(condition, None)
            READY.set(0 if self._problems else 1)
        if was is not None:
            log.info("%s recovered", condition)

    def problems(self) -> dict[str, str]:
        with self._lock:
            return dict(self._problems)

    @property
    def ready(self) -> bool:
        return not self.problems()


READINESS = Readiness()


@dataclass(frozen=True)
class InFlight:
    name: str
    database: str
    collection: str
    started: float
    shape: str = ""


class CommandWatch(monitoring.CommandListener):
    """Every database command of this process from its start to its answer: for the watchdog, and
    counted by database, collection and command with its time (`make bench` reads them per encounter)."""

    def __init__(self) -> None:
        self._running: dict[tuple[Any, int], InFlight] = {}
        self._lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        collection = event.command.get(event.command_name)
        what = InFlight(
            event.command_name,
            event.database_name,
            collection if isinstance(collection, str) else "",
            time.monotonic(),
            command_shape(event.command_name, event.command),
        )
        with self._lock:
            self._running[(event.connection_id, event.request_id)] = what

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._finish(event.connection_id, event.request_id, event.duration_micros)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._finish(event.connection_id, event.request_id, event.duration_micros)

    def _finish(self, connection: Any, request_id: int, micros: int) -> None:
        with self._lock:
            command = self._running.pop((connection, request_id), None)
        if command is not None and command.name not in HANDSHAKES:
            DB_COMMANDS.labels(command.database, command.collection, command.name).inc()
            DB_COMMAND_SECONDS.labels(command.collection, command.name).observe(micros / 1_000_000)
            DB_SHAPE_SECONDS.labels(command.collection, command.name, command.shape).observe(micros / 1_000_000)

    def oldest(self) -> InFlight | None:
        with self._lock:
            return min(self._running.values(), key=lambda command: command.started, default=None)

    def forget_older_than(self, seconds: float) -> None:
        """A connection closed by a timeout reports no answer: drop what no answer can come for."""
        cutoff = time.monotonic() - seconds
        with self._lock:
            for key in [key for key, command in self._running.items() if command.started < cutoff]:
                del self._running[key]


HANDSHAKES = {"hello", "isMaster", "ismaster", "ping", "endSessions", "saslStart", "saslContinue", "buildInfo"}
COMMANDS = CommandWatch()


def check_commands(watch: CommandWatch, readiness: Readiness, limit_seconds: float) -> None:
    """One look of the watchdog: a command past its limit makes the process not ready, and says which."""
    oldest = watch.oldest()
    age = time.monotonic() - oldest.started if oldest else 0.0
    SLOWEST_COMMAND_SECONDS.set(age)
    if oldest is not None and age > limit_seconds:
        where = f"{oldest.database}.{oldest.collection}" if oldest.collection else oldest.database
        readiness.fail("stuck-command", f"{oldest.name} on {where} waiting {age:.0f}s (limit {limit_seconds:.0f}s)")
    else:
        readiness.clear("stuck-command")
    watch.forget_older_than(limit_seconds * 10)


def start_watchdog(limit_seconds: float, every_seconds: float = 2.0) -> threading.Thread:
    def watch_forever() -> None:
        while True:
            check_commands(COMMANDS, READINESS, limit_seconds)
            time.sleep(every_seconds)

    thread = threading.Thread(target=watch_forever, name="db-watchdog", daemon=True)
    thread.start()
    return thread
