"""No patient data in clear anywhere the pipeline writes: the demo's encounters, given names, birth
dates, member ids and addresses of their own, go through every service; then every document of every
service database, every record of every topic and dead-letter topic, and every log file are scanned
for those values. A record a buggy producer writes straight to a topic is the one exception: the
producer put it there in clear, and only its dead letter is the pipeline's."""

from __future__ import annotations

import json
import random
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from deploy.ops.client import post_events
from deploy.ops.demo import read_model_has
from deploy.ops.synthetic import batch
from deploy.ops.tracking import Tracker
from shared.contracts.events import DeadLetter
from shared.mongo import sync_client
from shared.phi.ring import process_ring
from shared.settings import Settings
from shared.topics import ENCOUNTER_COMPLETED, pipeline_topic_names
from tests.eventually import eventually

pytestmark = pytest.mark.e2e
COUNT = 40


def letters(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(size))


def with_own_patients(events: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """The demo's encounters with identifying values no other run has (so a hit is this run's)."""
    for n, event in enumerate(events):
        patient = event["patient"]
        patient["first_name"], patient["last_name"] = "Q" + letters(rng, 9), "X" + letters(rng, 11)
        patient["birth_date"] = (date(1931, 1, 1) + timedelta(days=rng.randint(0, 25_000))).isoformat()
        patient["address"]["line1"] = f"{rng.randint(100, 999)} {letters(rng, 8)} RD"
        # the simulated payer's roster knows members by their first five characters (M and 4 digits)
        event["coverage"]["member_id"] = f"M{n:04d}{letters(rng, 6)}"
    return events


def seeded_values(events: list[dict[str, Any]]) -> set[str]:
    found = set()
    for event in events:
        patient = event["patient"]
        birth = patient["birth_date"]
        found |= {patient["first_name"], patient["last_name"], birth, birth.replace("-", "")}
        found |= {patient["address"]["line1"], event["coverage"]["member_id"]}
    return found


@dataclass
class Scan:
    """What was read, and every seeded value found in it (with where)."""

    values: set[str]
    read: Counter[str] = field(default_factory=Counter)
    found: list[str] = field(default_factory=list)

    def look(self, text: str, kind: str, where: str) -> None:
        self.read[kind] += 1
        self.found += [f"{where}: {value}" for value in self.values if value in text]


def in_databases(settings: Settings, scan: Scan) -> None:
    client = sync_client(settings)
    for database in client.list_database_names():
        if not database.startswith(settings.db_prefix + "_"):
            continue
        for collection in client[database].list_collection_names():
            for doc in client[database][collection].find({}):
                scan.look(json.dumps(doc, default=str), "documents", f"{database}.{collection} {doc['_id']}")


def in_topics(settings: Settings, scan: Scan, producers_own: tuple[str, int, int]) -> None:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    try:
        names = [*pipeline_topic_names(), "ops.dlq"]
        partitions = [TopicPartition(t, p) for t in names for p in consumer.partitions_for_topic(t) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        while any(consumer.position(p) < ends[p] for p in partitions):
            for tp, records in consumer.poll(timeout_ms=2000).items():
                for record in records:
                    if (tp.topic, tp.partition, record.offset) != producers_own and record.value:
                        text = record.value.decode(errors="replace")
                        scan.look(text, "records", f"{tp.topic}[{tp.partition}]@{record.offset}")
    finally:
        consumer.close()


def in_logs(settings: Settings, scan: Scan) -> None:
    for log in (settings.state_dir / "logs").glob("*"):
        if log.is_file():
            scan.look(log.read_text(errors="replace"), "log files", f"log {log.name}")


def write_broken_record(settings: Settings, event: dict[str, Any]) -> tuple[str, int, int]:
    """A record with patient data but without its coverage, written past the ingest API."""
    from kafka import KafkaProducer

    broken = {k: v for k, v in event.items() if k != "coverage"}
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    key = f"{event['source']}:{event['encounter']['encounter_id']}-broken"
    sent = producer.send(ENCOUNTER_COMPLETED.name, key=key.encode(), value=json.dumps(broken).encode()).get(30)
    producer.close()
    return sent.topic, sent.partition, sent.offset


def dead_letter_of(settings: Settings, position: tuple[str, int, int]) -> DeadLetter | None:
    consumer = KafkaConsumer(
        ENCOUNTER_COMPLETED.dlq,
        bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=3000,
    )
    try:
        for record in consumer:
            letter = DeadLetter.model_validate_json(record.value)
            if (letter.source_topic, letter.partition, letter.offset) == position:
                return letter
    finally:
        consumer.close()
    return None


def letter_within(settings: Settings, position: tuple[str, int, int], seconds: float) -> DeadLetter:
    return eventually(  # type: ignore[return-value]
        lambda: dead_letter_of(settings, position), timeout=seconds, every=0, what=f"a dead letter for {position}"
    )


def test_no_seeded_patient_data_is_stored_published_or_logged_in_clear(pipeline: Settings, unique: str) -> None:
    rng = random.Random(unique)
    events = with_own_patients(batch(COUNT, seed=rng.randint(0, 10**6), prefix=f"PHI-{unique}-"), rng)
    values = seeded_values(events)
    tracker = Tracker(pipeline)
    assert post_events(events, settings=pipeline)[0] == 202
    position = write_broken_record(pipeline, events[0])
    found = tracker.wait([f"acme-video:{e['encounter']['encounter_id']}" for e in events])
    assert not [key for key, outcome in found.items() if outcome.stage == "in_flight"]
    letter = letter_within(pipeline, position, 60)
    assert read_model_has(pipeline, list(found))  # the last writer: the ops read model

    scan = Scan(values)
    in_databases(pipeline, scan)
    in_topics(pipeline, scan, position)
    in_logs(pipeline, scan)
    print(f"scanned {dict(scan.read)}: {len(scan.found)} seeded values found")
    assert scan.found == [], "\n".join(sorted(scan.found)[:40])
    # not vacuous: every service's database, every topic and every process's log were read
    assert scan.read["documents"] > 5 * COUNT and scan.read["records"] > 3 * COUNT, scan.read
    assert scan.read["log files"] >= 15, scan.read
    raw = letter.raw(process_ring().open)  # the dead letter still replays: its record opens whole
    assert events[0]["patient"]["last_name"] in raw.decode()
    assert letter.raw_sealed and re.match(r"phi1:[A-Za-z0-9_-]+:", letter.raw_sealed)
