"""Producing accepted encounters to `encounter-completed` with kafka-python (acks=all), every wait
bounded: a broker that does not answer is a prompt `Unavailable`, never a minute-long hang.

The producer is built on first use, not at start-up, so the API starts (and says it is not ready)
while the broker is down, and recovers by itself when it is back.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence

from kafka import KafkaProducer
from kafka.errors import KafkaError

from services.ingest.handlers.ports import Unavailable
from shared.kafka import broker_reachable, connection
from shared.messaging import Outgoing

LINGER_MS = 5
BROKER = "broker"


def bounded_producer(bootstrap: str, timeout_seconds: float) -> KafkaProducer:
    """Connecting, waiting for metadata or buffer space, each request and each record's delivery
    (retries included) all end within `timeout_seconds` or so."""
    timeout_ms = int(timeout_seconds * 1000)
    return KafkaProducer(
        **connection(bootstrap),
        acks="all",
        linger_ms=LINGER_MS,
        bootstrap_timeout_ms=timeout_ms,
        max_block_ms=timeout_ms,
        request_timeout_ms=timeout_ms,
        delivery_timeout_ms=timeout_ms + LINGER_MS,  # kafka-python wants >= request timeout + linger
    )


class KafkaEncounterPublisher:
    """The Publisher port: returns only once the broker has acknowledged every message."""

    def __init__(
        self, bootstrap: str, timeout_seconds: float, make: Callable[[str, float], KafkaProducer] = bounded_producer
    ) -> None:
        self.bootstrap, self.timeout, self.make = bootstrap, timeout_seconds, make
        self.producer: KafkaProducer | None = None
        self.lock = threading.Lock()

    async def publish(self, messages: Sequence[Outgoing]) -> None:
        await asyncio.to_thread(self.send_and_flush, list(messages))

    def send_and_flush(self, messages: list[Outgoing]) -> None:
        try:
            producer = self.connected()
            futures = [producer.send(m.topic, key=m.key.encode(), value=m.value.encode()) for m in messages]
            producer.flush(timeout=self.timeout + 1)
            for future in futures:
                future.get(timeout=self.timeout)
        except (KafkaError, OSError) as error:
            raise Unavailable(BROKER, str(error) or type(error).__name__) from error

    def connected(self) -> KafkaProducer:
        with self.lock:
            if self.producer is None:
                self.producer = self.make(self.bootstrap, self.timeout)
            return self.producer

    async def reachable(self) -> bool:
        return await broker_reachable(self.bootstrap, self.timeout)

    async def close(self) -> None:
        if self.producer is not None:
            await asyncio.to_thread(self.producer.close, timeout=self.timeout)


class InMemoryEncounterLog:
    """The same port in a list, for unit tests."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def publish(self, messages: Sequence[Outgoing]) -> None:
        self.sent.extend(messages)

    async def reachable(self) -> bool:
        return True

    async def close(self) -> None:
        return None
