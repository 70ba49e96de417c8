"""Producing accepted encounters to `encounter-completed` with kafka-python (acks=all)."""

from __future__ import annotations

from kafka import KafkaProducer

from shared.contracts.encounter import EncounterCompleted
from shared.topics import ENCOUNTER_COMPLETED


class EncounterProducer:
    def __init__(self, producer: KafkaProducer, timeout_seconds: float = 15.0) -> None:
        self.producer, self.timeout = producer, timeout_seconds

    def send(self, encounters: list[EncounterCompleted]) -> None:
        """Returns only when the broker has every record: a 202 is a promise the data is safe."""
        futures = [
            self.producer.send(
                ENCOUNTER_COMPLETED.name, key=e.key, value=e.model_dump_json(exclude_unset=True).encode()
            )
            for e in encounters
        ]
        self.producer.flush(self.timeout)
        for future in futures:
            future.get(timeout=self.timeout)

    def close(self) -> None:
        self.producer.close(timeout=5)
