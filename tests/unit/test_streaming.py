"""Decoding a consumed batch: good records pass, poison records become dead letters with a reason."""

from __future__ import annotations

import asyncio
import json
import time
from types import SimpleNamespace

import pytest
from prometheus_client import REGISTRY
from pydantic import ValidationError
from pymongo.errors import AutoReconnect

from shared import streaming
from shared.contracts.encounter import EncounterCompleted
from shared.health import READINESS
from shared.messaging import RecordingPublisher
from shared.phi.keyring import PhiKeyError, split_token
from shared.phi.ring import process_ring
from shared.streaming import (
    decode,
    describe,
    failure_details,
    guarded,
    handle_isolating_failures,
    hold,
    release,
    send_dead_letters,
    until_available,
)
from tests.conftest import example


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outage backoff's shape is under test here, not its half-second first wait."""
    monkeypatch.setattr(streaming, "FIRST_RETRY_SECONDS", 0.01)


def event(value: bytes, offset: int = 7) -> SimpleNamespace:
    message = SimpleNamespace(topic="encounter-completed", partition=2, offset=offset, key=b"acme:1", value=value)
    return SimpleNamespace(message=message)


def test_garbage_and_contract_violations_become_dead_letters_with_reasons() -> None:
    good = json.dumps(example("01-medicare-video-home-established.json")).encode()
    bad = json.dumps(example("90-invalid-several-errors.json")).encode()
    decoded, dead = decode(
        [event(good, 1), event(b"\x00\xffgarbage", 2), event(bad, 3)], EncounterCompleted, "eligibility"
    )
    assert [e.message.offset for e, _ in decoded] == [1]
    assert [(d.offset, d.reason) for d in dead] == [
        (2, "not decodable as JSON"),
        (3, "does not match the EncounterCompleted contract"),
    ]
    assert dead[0].raw(process_ring().open) == b"\x00\xffgarbage" and dead[0].raw_base64 is None
    assert b"garbage" not in dead[0].model_dump_json().encode()  # sealed, not merely encoded
    assert len(dead[1].errors) == 5


def test_dead_letters_go_to_the_topic_dlq_keyed_like_the_record() -> None:
    _, dead = decode([event(b"nope")], EncounterCompleted, "eligibility")
    publisher = RecordingPublisher()
    asyncio.run(send_dead_letters(publisher, dead))
    assert [(m.topic, m.key) for m in publisher.sent] == [("encounter-completed.dlq", "acme:1")]


def test_a_record_that_breaks_the_handler_is_isolated_and_the_rest_still_handled() -> None:
    handled: list[int] = []

    async def handle(batch: list[int]) -> None:
        if 13 in batch:
            raise ValueError("unlucky record")
        handled.extend(batch)

    pairs = [(event(b"", offset), offset) for offset in (12, 13, 14)]
    dead = asyncio.run(handle_isolating_failures(pairs, handle, "coding"))  # type: ignore[arg-type]
    assert handled == [12, 14]
    # raised outside the pipeline's own code: only its type, as its text could quote a value
    assert [(d.offset, d.reason, d.errors[0]) for d in dead] == [(13, "handler failed: ValueError", "ValueError")]
    assert "test_streaming.py" in dead[0].errors[1]


def test_any_exception_of_a_record_is_isolated_not_only_the_expected_kinds() -> None:
    """A date far in the future once raised OverflowError out of the scrubber and took the batch with it."""

    async def handle(batch: list[int]) -> None:
        if 2 in batch:
            raise OverflowError("date value out of range")

    pairs = [(event(b"", offset), offset) for offset in (1, 2, 3)]
    dead = asyncio.run(handle_isolating_failures(pairs, handle, "claims"))  # type: ignore[arg-type]
    assert [(d.offset, d.reason) for d in dead] == [(2, "handler failed: OverflowError")]


def test_an_outage_is_waited_out_and_never_dead_lettered() -> None:
    calls: list[int] = []

    async def handle(batch: list[int]) -> None:
        calls.append(len(batch))
        if len(calls) < 3:
            raise AutoReconnect("database restarting")

    pairs = [(event(b"", offset), offset) for offset in (1, 2)]
    dead = asyncio.run(handle_isolating_failures(pairs, handle, "claims"))  # type: ignore[arg-type]
    assert dead == [] and calls == [2, 2, 2]
    assert READINESS.ready


def test_readiness_names_the_outage_while_it_lasts() -> None:
    seen: list[dict[str, str]] = []

    async def flaky() -> int:
        seen.append(READINESS.problems())
        if len(seen) == 1:
            raise AutoReconnect("down")
        return 7

    assert asyncio.run(until_available(flaky, "claims batch")) == 7
    assert seen[1] == {"database": "claims batch: AutoReconnect"} and READINESS.ready


def test_a_timer_round_survives_any_error_and_counts_it() -> None:
    rounds: list[str] = []

    async def breaks() -> None:
        rounds.append("ran")
        raise KeyError("no such interchange")

    guarded_round = guarded("test-timer", breaks)
    asyncio.run(guarded_round())
    asyncio.run(guarded_round())
    assert rounds == ["ran", "ran"]
    assert REGISTRY.get_sample_value("telebill_timer_failures_total", {"timer": "test-timer"}) == 2


def test_a_timer_round_in_an_outage_marks_not_ready_until_a_round_succeeds() -> None:
    outage = [True]

    async def work() -> None:
        if outage[0]:
            raise AutoReconnect("down")

    guarded_round = guarded("test-outage-timer", work)
    asyncio.run(guarded_round())
    assert "database" in READINESS.problems()
    outage[0] = False
    asyncio.run(guarded_round())
    assert READINESS.ready


class CountedMessage:
    def __init__(self) -> None:
        self.refcount = 1  # faust's own reference for the stream that delivered it

    def incref(self) -> None:
        self.refcount += 1

    def decref(self) -> int:
        self.refcount -= 1
        return self.refcount


def test_a_held_batch_is_not_committable_until_released() -> None:
    """faust acknowledges a batch in a `finally` even when a crash or stop closes the stream: our hold
    keeps such a batch uncommitted (refcount above zero), so it is delivered again."""
    events = [SimpleNamespace(message=CountedMessage()) for _ in range(3)]
    hold(events)  # type: ignore[arg-type]
    for e in events:  # what take_events' finally does on a crash: its own acknowledgement
        e.message.decref()
    assert [e.message.refcount for e in events] == [1, 1, 1]
    release(events)  # type: ignore[arg-type]
    assert [e.message.refcount for e in events] == [0, 0, 0]


def test_a_worker_starting_in_a_broker_outage_waits_for_it_not_ready_meanwhile() -> None:
    import socket
    import threading

    from shared.streaming import wait_for_broker

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    seen: list[dict[str, str]] = []

    def broker_comes_back() -> None:
        time.sleep(0.3)
        seen.append(READINESS.problems())
        listener.bind(("127.0.0.1", port))
        listener.listen()

    listener = socket.socket()
    threading.Thread(target=broker_comes_back).start()
    try:
        wait_for_broker(f"127.0.0.1:{port}", first_delay=0.05)
    finally:
        listener.close()
    assert "broker" in seen[0] and READINESS.ready


def test_a_failure_keeps_the_text_of_the_pipelines_own_errors_only() -> None:
    try:
        split_token("W123456789")  # the pipeline's own error: its text names no value
    except PhiKeyError as own:
        assert failure_details(own)[0] == "not a sealed value"
    try:
        {"W000000001": 1}["W123456789"]
    except KeyError as lookup:  # a lookup's text is the key itself
        assert failure_details(lookup)[0] == "KeyError"


def test_a_contract_error_does_not_quote_the_rejected_value() -> None:
    event = example("01-medicare-video-home-established.json")
    event["patient"]["birth_date"] = "1957-02-30"
    with pytest.raises(ValidationError) as rejected:
        EncounterCompleted.model_validate(event)
    assert "1957-02-30" not in str(rejected.value) and "1957-02-30" not in " ".join(describe(rejected.value))
