"""Ports every service uses to send events: an outgoing message and a publisher protocol."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel

from shared.contracts.envelope import Frozen


class Outgoing(Frozen):
    """One message to produce. Kept inside the record that caused it (the outbox) until sent."""

    topic: str
    key: str
    value: str

    @classmethod
    def of(cls, topic: str, key: str, event: BaseModel) -> Outgoing:
        return cls(topic=topic, key=key, value=event.model_dump_json())


class Publisher(Protocol):
    async def publish(self, messages: Sequence[Outgoing]) -> None:
        """Send every message and return only once the broker has acknowledged all of them."""


class RecordingPublisher:
    """In-memory publisher for unit tests."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def publish(self, messages: Sequence[Outgoing]) -> None:
        self.sent.extend(messages)

    def on(self, topic: str) -> list[Outgoing]:
        return [message for message in self.sent if message.topic == topic]
