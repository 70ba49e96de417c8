"""The ingest adapters without servers: broker errors become `Unavailable`, the producer is built
again after a failed start, bootstrap server lists are read, a closed port is not reachable."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError, NotLeaderForPartitionError

from services.ingest.adapters.producer import KafkaEncounterPublisher
from services.ingest.handlers.ports import Unavailable
from shared.kafka import bootstrap_servers, tcp_reachable
from shared.messaging import Outgoing

MESSAGES = [Outgoing(topic="t", key="acme:1", value="{}"), Outgoing(topic="t", key="acme:2", value="{}")]


class Future:
    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def get(self, timeout: float) -> None:
        if self.error:
            raise self.error


class FakeProducer:
    def __init__(self, fail_record: int | None = None) -> None:
        self.fail_record = fail_record
        self.sent: list[tuple[str, bytes]] = []
        self.flushed = 0

    def send(self, topic: str, key: bytes, value: bytes) -> Future:
        self.sent.append((topic, key))
        failing = len(self.sent) - 1 == self.fail_record
        return Future(NotLeaderForPartitionError("leader moved") if failing else None)

    def flush(self, timeout: float) -> None:
        self.flushed += 1


def publish(publisher: KafkaEncounterPublisher) -> None:
    asyncio.run(publisher.publish(MESSAGES))


def test_all_records_are_sent_then_flushed_once() -> None:
    producer = FakeProducer()
    publish(KafkaEncounterPublisher("h:1", 3.0, lambda *_: producer))
    assert producer.sent == [("t", b"acme:1"), ("t", b"acme:2")] and producer.flushed == 1


def test_one_failed_record_makes_the_whole_publish_unavailable() -> None:
    with pytest.raises(Unavailable) as caught:
        publish(KafkaEncounterPublisher("h:1", 3.0, lambda *_: FakeProducer(fail_record=1)))
    assert caught.value.dependency == "broker" and "leader moved" in caught.value.reason


def test_a_producer_that_cannot_start_is_unavailable_and_tried_again_on_the_next_publish() -> None:
    attempts: list[Any] = []
    producer = FakeProducer()

    def make(bootstrap: str, timeout: float) -> FakeProducer:
        attempts.append(bootstrap)
        if len(attempts) == 1:
            raise KafkaTimeoutError("Unable to bootstrap from h:1")
        return producer

    publisher = KafkaEncounterPublisher("h:1", 3.0, make)
    with pytest.raises(Unavailable, match="Unable to bootstrap"):
        publish(publisher)
    publish(publisher)
    assert len(attempts) == 2 and len(producer.sent) == 2


def test_bootstrap_server_lists() -> None:
    assert bootstrap_servers("a:9092, [::1]:9093,") == [("a", 9092), ("::1", 9093)]


def test_a_closed_port_is_not_reachable_and_an_open_one_is() -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        assert asyncio.run(tcp_reachable("127.0.0.1", port, 1.0))
    assert not asyncio.run(tcp_reachable("127.0.0.1", port, 1.0))
