"""Scale out as on a cluster: two instances of every worker in its consumer group split the
partitions between them; one instance of each killed outright mid-stream loses nothing and does
nothing twice (its sibling and its restarted self carry on from the committed offsets)."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from typing import Any

import pytest
from kafka import KafkaAdminClient

from deploy.ops import processes
from deploy.ops.client import post_events
from deploy.ops.synthetic import batch
from deploy.ops.tracking import Tracker, stage_counts
from shared.kafka import consumer_group
from shared.mongo import sync_database
from shared.settings import Settings
from shared.topics import PIPELINE
from tests.accounting import dead_lettered, remitted, submissions_per_claim, unbalanced
from tests.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
INSTANCES = 2
BURSTS, BURST = 4, 150


def input_topics(worker: str) -> set[str]:
    return {topic.name for topic in PIPELINE if worker in topic.consumers}


def assignments(settings: Settings, worker: str) -> list[set[tuple[str, int]]]:
    """The partitions of its input topics each member of the worker's group holds now."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        group = admin.describe_groups([consumer_group(worker)])[consumer_group(worker)]
    finally:
        admin.close()
    if group["group_state"] != "Stable":
        return []
    held = []
    for member in group["members"]:
        topics = (member.get("member_assignment") or {}).get("assigned_partitions", [])
        held.append({(t["topic"], p) for t in topics if t["topic"] in input_topics(worker) for p in t["partitions"]})
    return held


def split_between_two(settings: Settings, worker: str) -> bool:
    held = assignments(settings, worker)
    every = {(topic, p) for topic in input_topics(worker) for p in range(settings.topic_partitions)}
    return len(held) == INSTANCES and all(held) and set.union(*held) == every and sum(map(len, held)) == len(every)


def send(settings: Settings, events: list[dict[str, Any]]) -> list[str]:
    status, body = post_events(events, settings=settings)
    assert status == 202, body
    return [item["key"] for item in body["accepted"]]


def test_two_instances_per_worker_split_the_partitions_and_a_killed_one_loses_nothing(pipeline) -> None:  # type: ignore[no-untyped-def]
    scaled: Settings = pipeline.model_copy(update={"worker_instances": INSTANCES})
    processes.start_all(scaled)
    second = [processes.instance_name(worker, 1) for worker in processes.WORKERS]
    seconds = {name: processes.pid_of(scaled, name) for name in second}
    try:
        for worker in processes.WORKERS:
            eventually(lambda w=worker: split_between_two(scaled, w), 90, f"{worker}'s partitions split in two")
        stamp = time.time_ns()
        events = batch(BURSTS * BURST, seed=stamp % 100_000, prefix=f"SCALE-{stamp}-")
        tracker, keys = Tracker(scaled), []
        for number in range(BURSTS):
            keys += send(scaled, events[number * BURST : (number + 1) * BURST])
            if number == 1:  # mid-stream: the second instance of every worker dies
                for name, pid in seconds.items():
                    assert pid, f"{name} is not running"
                    os.kill(pid, signal.SIGKILL)
        found = tracker.wait(keys, timeout=420, late_payments=True)
    finally:
        for name in seconds:
            processes.stop(scaled, name)

    outcomes = stage_counts(found)
    in_flight = {key for key, outcome in found.items() if outcome.stage == "in_flight"}
    claims = list(sync_database(scaled, "claims")["claims"].find({"_id": {"$in": keys}}, {"outbox": 0}))
    submitted = [claim for claim in claims if claim["status"] != "scrub_rejected"]
    sent = submissions_per_claim(scaled)
    payments = list(sync_database(scaled, "remittance")["payments"].find({"correlation_id": {"$in": keys}}))
    events_per_posting = Counter(
        f"{p['era_trace_number']}:{p['patient_control_number']}:{p['status_code']}"
        for outcome in found.values()
        for p in {e["event_id"]: e for e in outcome.payments}.values()
    )

    assert outcomes["posted"] > 0
    assert in_flight == set(), f"unaccounted: {sorted(in_flight)[:9]}; dead letters {dead_lettered(scaled, in_flight)}"
    assert [c["_id"] for c in submitted if sent[c["patient_control_number"]] != 1] == []  # one 837 each
    assert {p["_id"] for p in payments} == remitted(scaled, {c["patient_control_number"] for c in submitted})
    assert [key for key, n in events_per_posting.items() if n != 1] == []  # each posting announced once
    assert unbalanced(payments) == []
