"""Offsets never run ahead of effects: a worker that crashes inside a batch leaves that batch
uncommitted, and its restarted self handles it again, taking effect once (faust's own
acknowledgement, in a `finally` of `take_events`, used to commit such a batch on the way out:
400 payments were stranded that way when an unguarded timer crashed the remittance worker)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from shared.kafka import consumer_group
from shared.mongo import sync_database
from tests.waiting import eventually

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def committed(settings, group: str, topic: str) -> int:  # type: ignore[no-untyped-def]
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        offsets = admin.list_group_offsets({group: [TopicPartition(topic, 0)]})
    finally:
        admin.close()
    found = (offsets.get(group) or {}).get(TopicPartition(topic, 0))
    return found.offset if found is not None and found.offset >= 0 else 0


def test_a_worker_crashing_inside_a_batch_leaves_it_uncommitted_and_redelivered_once(  # type: ignore[no-untyped-def]
    settings, unique, tmp_path: Path
) -> None:
    topic, service, database = f"probe-{unique}", f"probe{unique}", f"probe_{unique}"
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    admin.create_topics([NewTopic(topic, 1, 1), NewTopic(topic + ".dlq", 1, 1)])
    admin.close()
    block = tmp_path / "block"
    env = os.environ | {
        "PROBE_TOPIC": topic,
        "PROBE_SERVICE": service,
        "PROBE_DATABASE": database,
        "PROBE_BLOCK_FILE": str(block),
        "TELEBILL_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "TELEBILL_MONGO_URL": settings.mongo_url,
    }
    db = sync_database(settings, database)
    effects = lambda: {doc["_id"] for doc in db["effects"].find({})}  # noqa: E731
    attempts = lambda key: db["attempts"].count_documents({"key": key})  # noqa: E731
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")

    def send(keys: list[str]) -> None:
        for key in keys:
            producer.send(topic, key=key.encode(), value=f'{{"key": "{key}"}}'.encode())
        producer.flush()

    def start_worker() -> subprocess.Popen[bytes]:
        argv = [sys.executable, "-m", "tests.integration.offset_probe", "worker", "--without-web", "-l", "warn"]
        return subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    first, second = [f"a{n}" for n in range(5)], [f"b{n}" for n in range(5)]
    worker = start_worker()
    try:
        send(first)
        eventually(lambda: set(first) <= effects(), 90, "the first batch takes effect")
        eventually(lambda: committed(settings, consumer_group(service), topic) == 5, 30, "the first batch is committed")
        block.touch()
        send(second)
        eventually(lambda: all(attempts(key) == 1 for key in second), 30, "the second batch is being handled")
        (tmp_path / "crash").touch()  # the worker goes down while the batch waits for its effects
        worker.wait(timeout=60)
        assert committed(settings, consumer_group(service), topic) == 5, "the interrupted batch was committed"
        assert not set(second) & effects()

        block.unlink()
        (tmp_path / "crash").unlink()
        worker = start_worker()
        eventually(lambda: set(first + second) == effects(), 90, "the interrupted batch takes effect after the restart")
        eventually(lambda: committed(settings, consumer_group(service), topic) == 10, 30, "and is committed then")
        assert all(attempts(key) == 2 for key in second)  # delivered again, once
        assert all(attempts(key) == 1 for key in first)  # nothing committed was handled again
    finally:
        block.unlink(missing_ok=True)
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        producer.close()
        db.client.drop_database(database)
