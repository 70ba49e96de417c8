"""The account of a pipeline run, read back from what it left (topics, files, databases): used by
the chaos drill and the scale-out test to show every encounter was handled exactly once."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from services.claims.domain.lifecycle import moves_to
from services.remittance.domain.era import parse_835
from shared.mongo import sync_database
from shared.settings import Settings
from shared.topics import PIPELINE


def dead_lettered(settings: Settings, keys: set[str]) -> dict[str, str]:
    """Key → reason, for the keys found on any dead-letter topic."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    partitions = [TopicPartition(t.dlq, p) for t in PIPELINE for p in consumer.partitions_for_topic(t.dlq) or []]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    ends, found = consumer.end_offsets(partitions), {}
    while any(consumer.position(p) < ends[p] for p in partitions):
        for records in consumer.poll(timeout_ms=1000).values():
            for record in records:
                letter = json.loads(record.value)
                if letter.get("key") in keys:
                    found[letter["key"]] = letter["reason"]
    consumer.close()
    return found


def submissions_per_claim(settings: Settings) -> Counter[str]:
    """How many times each patient control number (CLM01) went out in an 837, over every file."""
    counts: Counter[str] = Counter()
    for path in (settings.exchange_dir / "outbound").rglob("*.837"):
        counts.update(re.findall(r"(?:^|~)\s*CLM\*([^*]+)\*", path.read_text()))
    return counts


def remitted(settings: Settings, pcns: set[str]) -> set[str]:
    """Posting keys (trace:pcn:CLP02) of every claim of ours the payer put in an 835."""
    keys = set()
    for path in (settings.exchange_dir / "inbound").rglob("*.835"):
        for remittance in parse_835(path.read_text()):
            keys |= {
                f"{remittance.trace_number}:{c.patient_control_number}:{c.status_code}"
                for c in remittance.claims
                if c.patient_control_number in pcns
            }
    return keys


def applied_statuses(history: list[dict[str, Any]]) -> list[str]:
    return [step["status"] for step in history if step.get("applied", True) and step["status"] != "acknowledged"]


def backwards_moves(claims: list[dict[str, Any]]) -> list[str]:
    found = []
    for claim in claims:
        statuses = applied_statuses(claim.get("history", []))
        pairs = zip(statuses, statuses[1:], strict=False)
        found += [f"{claim['_id']}: {a} → {b}" for a, b in pairs if not moves_to(a, b)]
    return found


def lifecycle_behind(settings: Settings, posted_keys: set[str]) -> list[str]:
    """Posted claims whose claim, in the claims service, does not show the payer's answer yet."""
    claims = sync_database(settings, "claims")["claims"]
    shown = {"paid", "partially_paid", "denied", "reversed", "corrected", "voided"}
    return [
        c["_id"] for c in claims.find({"_id": {"$in": sorted(posted_keys)}}, {"status": 1}) if c["status"] not in shown
    ]


def unbalanced(payments: list[dict[str, Any]]) -> list[str]:
    return [
        doc["_id"]
        for doc in payments
        if sum(line["debit_cents"] for line in doc["payment"]["journal"])
        != sum(line["credit_cents"] for line in doc["payment"]["journal"])
    ]
