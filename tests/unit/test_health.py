"""Readiness and the database-command watchdog: a stuck command is named, never its filter."""

from __future__ import annotations

import time
from types import SimpleNamespace

from shared.health import CommandWatch, Readiness, check_commands


def started(request_id: int, command: dict, database: str = "telebill_claims") -> SimpleNamespace:
    name = next(iter(command))
    return SimpleNamespace(
        command=command, command_name=name, database_name=database, connection_id=("h", 1), request_id=request_id
    )


def finished(request_id: int) -> SimpleNamespace:
    return SimpleNamespace(connection_id=("h", 1), request_id=request_id)


def test_a_command_past_its_limit_makes_the_process_not_ready_and_names_it_without_its_filter() -> None:
    watch, readiness = CommandWatch(), Readiness()
    watch.started(started(1, {"find": "claims", "filter": {"_id": "acme:SMITH-JOHN"}}))  # type: ignore[arg-type]
    time.sleep(0.05)
    check_commands(watch, readiness, limit_seconds=0.01)
    reason = readiness.problems()["stuck-command"]
    assert reason.startswith("find on telebill_claims.claims waiting") and "SMITH" not in reason
    watch.succeeded(finished(1))  # type: ignore[arg-type]
    check_commands(watch, readiness, limit_seconds=0.01)
    assert readiness.ready


def test_quick_commands_keep_the_process_ready() -> None:
    watch, readiness = CommandWatch(), Readiness()
    for request_id in range(5):
        watch.started(started(request_id, {"insert": "claims"}))  # type: ignore[arg-type]
        watch.failed(finished(request_id))  # type: ignore[arg-type]
    check_commands(watch, readiness, limit_seconds=0.01)
    assert readiness.ready and watch.oldest() is None


def test_each_problem_is_cleared_on_its_own() -> None:
    readiness = Readiness()
    readiness.fail("database", "claims batch: AutoReconnect")
    readiness.fail("broker", "publish: KafkaTimeoutError")
    readiness.clear("database")
    assert readiness.problems() == {"broker": "publish: KafkaTimeoutError"} and not readiness.ready
    readiness.clear("broker")
    assert readiness.ready
