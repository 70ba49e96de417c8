"""`telebill rebuild-read-model`: the ops read model read again from the topics into an empty
database, e.g. after a fix to how it projects events. Nothing of the pipeline changes: the read
model's worker stops, its consumer group is set back to the start of every topic it reads, its
database is dropped, and the worker starts again and catches up at its own pace."""

from __future__ import annotations

import time

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import OffsetSpec
from rich.console import Console

from deploy.ops import processes
from shared.kafka import connection, consumer_group
from shared.mongo import sync_database
from shared.settings import Settings
from shared.topics import pipeline_topic_names

READ_TOPICS = pipeline_topic_names()


def admin_client(settings: Settings) -> KafkaAdminClient:
    return KafkaAdminClient(**connection(settings.kafka_bootstrap), client_id="telebill-rebuild")


def group_is_empty(settings: Settings, group: str) -> bool:
    admin = admin_client(settings)
    try:
        return not admin.describe_groups([group]).get(group, {}).get("members")
    finally:
        admin.close()


def rewind(settings: Settings, group: str) -> int:
    """Set the group back to each partition's first offset (it must have no member now)."""
    consumer = KafkaConsumer(**connection(settings.kafka_bootstrap), enable_auto_commit=False)
    admin = admin_client(settings)
    try:
        partitions = [TopicPartition(t, p) for t in READ_TOPICS for p in consumer.partitions_for_topic(t) or set()]
        admin.reset_group_offsets(group, dict.fromkeys(partitions, OffsetSpec.EARLIEST))
        return len(partitions)
    finally:
        consumer.close()
        admin.close()


def rebuild(settings: Settings, console: Console, wait_seconds: float = 60.0) -> int:
    """The worker is started again whatever happens: rewound and emptied, or (a step failed) as it was."""
    group = consumer_group(processes.READ_MODEL)
    worker = next(p for p in processes.pipeline_processes(settings) if p.name == processes.READ_MODEL)
    processes.stop(settings, processes.READ_MODEL)
    try:
        deadline = time.monotonic() + wait_seconds
        while not group_is_empty(settings, group):
            if time.monotonic() > deadline:
                console.print(f"[red]{group} still has members: is another ops worker running elsewhere?[/red]")
                return 1
            time.sleep(1.0)
        rewound = rewind(settings, group)
        database = sync_database(settings, processes.READ_MODEL)
        database.client.drop_database(database.name)
    finally:
        processes.start(settings, worker)
    console.print(
        f"{database.name} dropped, {group} rewound on {rewound} partitions of {len(READ_TOPICS)} topics; the read "
        f"model is catching up (watch telebill_consumer_lag for group {group})"
    )
    return 0
