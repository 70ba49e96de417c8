"""Readiness and the database-command watchdog: a stuck command is named, never its filter."""

from __future__ import annotations

import time
from types import SimpleNamespace

from prometheus_client import REGISTRY

from shared.health import CommandWatch, Readiness, check_commands


def started(request_id: int, command: dict, database: str = "telebill_claims") -> SimpleNamespace:
    name = next(iter(command))
    return SimpleNamespace(
        command=command, command_name=name, database_name=database, connection_id=("h", 1), request_id=request_id
    )


def finished(request_id: int, micros: int = 1500) -> SimpleNamespace:
    return SimpleNamespace(connection_id=("h", 1), request_id=request_id, duration_micros=micros)


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


def test_every_answered_command_is_counted_by_collection_and_command() -> None:
    labels = {"database": "telebill_unit", "collection": "claims", "command": "update"}
    before = REGISTRY.get_sample_value("telebill_db_commands_total", labels) or 0.0
    watch = CommandWatch()
    for request_id in range(3):
        watch.started(started(100 + request_id, {"update": "claims"}, database="telebill_unit"))  # type: ignore[arg-type]
        watch.succeeded(finished(100 + request_id))  # type: ignore[arg-type]
    watch.started(started(200, {"ping": 1}, database="admin"))  # type: ignore[arg-type]
    watch.succeeded(finished(200))  # type: ignore[arg-type]
    assert REGISTRY.get_sample_value("telebill_db_commands_total", labels) == before + 3
    assert (
        REGISTRY.get_sample_value(
            "telebill_db_commands_total", {"database": "admin", "collection": "", "command": "ping"}
        )
        is None
    )
