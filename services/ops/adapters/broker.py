"""What the broker tells ops: each consumer group's lag per input topic and how many records each
dead-letter topic has ever received. kafka-python blocks, so each reading runs in a thread, and a
reading is reused for a few seconds: a dashboard refreshing every few seconds asks the broker once."""

from __future__ import annotations

import asyncio
import time

from shared.kafka import consumer_group, group_lag, topic_sizes
from shared.topics import OPS_DEAD_LETTERS, PIPELINE, consuming_services

REUSE_SECONDS = 10.0


class KafkaWatch:
    def __init__(self, bootstrap: str, reuse_seconds: float = REUSE_SECONDS) -> None:
        self.bootstrap, self.reuse_seconds = bootstrap, reuse_seconds
        self.read_at: dict[str, float] = {}
        self.last_lag: dict[tuple[str, str], int] = {}
        self.last_letters: dict[str, int] = {}

    def fresh(self, what: str) -> bool:
        return time.monotonic() - self.read_at.get(what, -1e9) < self.reuse_seconds

    async def lag(self) -> dict[tuple[str, str], int]:
        if not self.fresh("lag"):
            self.last_lag = await asyncio.to_thread(self.read_lag)
            self.read_at["lag"] = time.monotonic()
        return self.last_lag

    async def dead_letters(self) -> dict[str, int]:
        if not self.fresh("letters"):
            topics = [*(topic.dlq for topic in PIPELINE), OPS_DEAD_LETTERS]
            self.last_letters = await asyncio.to_thread(topic_sizes, self.bootstrap, topics)
            self.read_at["letters"] = time.monotonic()
        return self.last_letters

    def read_lag(self) -> dict[tuple[str, str], int]:
        found: dict[tuple[str, str], int] = {}
        for service in consuming_services():
            topics = [topic.name for topic in PIPELINE if service in topic.consumers]
            group = consumer_group(service)
            found |= {(group, topic): lag for topic, lag in group_lag(self.bootstrap, group, topics).items()}
        return found
