"""Decoding a consumed batch: good records pass, poison records become dead letters with a reason."""

from __future__ import annotations

import asyncio
import base64
import json
from types import SimpleNamespace

from shared.contracts.encounter import EncounterCompleted
from shared.messaging import RecordingPublisher
from shared.streaming import decode, handle_isolating_failures, send_dead_letters
from tests.conftest import example


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
    assert base64.b64decode(dead[0].raw_base64) == b"\x00\xffgarbage"
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
    assert [(d.offset, d.errors) for d in dead] == [(13, ["unlucky record"])]
