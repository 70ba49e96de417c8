"""The coding worker's rate against the real broker and database: `coverage-verified` events
produced to Kafka until every `claim-coded` comes back. Needs `telebill up` (make bench does it)."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime

from kafka import KafkaProducer

from deploy.ops.synthetic import batch
from services.coding.adapters.icd10 import is_billable
from services.coding.domain.engine import code_encounter
from services.coding.domain.rules import load_rules
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import CoverageVerified, Verification
from shared.kafka import consumer_from_now
from shared.settings import get_settings
from shared.topics import CLAIM_CODED, COVERAGE_VERIFIED


def codable_events(count: int, prefix: str) -> list[CoverageVerified]:
    """Only encounters the engine codes, so every one must come back as `claim-coded`."""
    rules, events = load_rules(), []
    for raw in batch(count * 2, seed=int(time.time()), prefix=prefix):
        encounter = EncounterCompleted.model_validate(raw)
        if len(events) < count and code_encounter(encounter, rules, is_billable).status == "coded":
            verification = Verification(
                verification_id=f"bench-{encounter.key}",
                outcome="covered",
                method="structural",
                verified_at=datetime.now(UTC),
                reused=False,
                plan_year=encounter.encounter.date_of_service.year,
            )
            events.append(
                CoverageVerified.caused_by(
                    str(encounter.event_id), encounter.key, encounter=encounter, verification=verification
                )
            )
    return events


def main(count: int) -> None:
    settings = get_settings()
    events = codable_events(count, prefix=f"CWB-{int(time.time())}-")
    wanted = {event.correlation_id for event in events}
    consumer, producer = (
        consumer_from_now(settings.kafka_bootstrap, CLAIM_CODED.name),
        KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", linger_ms=5),
    )
    started = time.monotonic()
    for event in events:
        producer.send(COVERAGE_VERIFIED.name, key=event.correlation_id.encode(), value=event.model_dump_json().encode())
    producer.flush()
    seen: set[str] = set()
    while seen != wanted and time.monotonic() - started < 600:
        for records in consumer.poll(timeout_ms=500).values():
            seen |= {json.loads(r.value)["correlation_id"] for r in records} & wanted
    elapsed = time.monotonic() - started
    rate = len(seen) / elapsed
    print(
        f"coding worker: {len(seen)}/{len(wanted)} claim-coded in {elapsed:.1f}s = {rate:,.0f} encounters/s via Kafka"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
