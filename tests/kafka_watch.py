"""Test helper: watch a topic from "now" and collect the records a test is waiting for."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from shared.kafka import consumer_from_now


class TopicWatch:
    def __init__(self, bootstrap: str, topic: str) -> None:
        self.consumer = consumer_from_now(bootstrap, topic, consumer_timeout_ms=500)

    def collect(
        self, wanted: Callable[[dict[str, Any], bytes | None], bool], count: int, timeout: float = 90.0
    ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(found) < count and time.monotonic() < deadline:
            for records in self.consumer.poll(timeout_ms=500).values():
                for record in records:
                    value = json.loads(record.value)
                    if wanted(value, record.key):
                        found.append(value)
        return found

    def close(self) -> None:
        self.consumer.close()
