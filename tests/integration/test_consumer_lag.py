"""A consumer group's lag per topic on the real broker: everything until it commits, then the rest."""

from __future__ import annotations

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.structs import OffsetAndMetadata

from shared.kafka import group_lag
from tests.eventually import eventually

pytestmark = pytest.mark.integration


def lag_once_the_broker_answers(bootstrap: str, group: str, topic: str) -> dict[str, int]:
    """A broker just started has no group coordinator for a few seconds (CoordinatorNotAvailableError)."""
    return eventually(
        lambda: group_lag(bootstrap, group, [topic]), lambda _: True, timeout=60, every=1, what="the group's lag"
    )


def test_lag_is_what_the_group_has_not_committed(settings, unique) -> None:  # type: ignore[no-untyped-def]
    topic, group = f"lag-{unique}", f"telebill-lag-{unique}"
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    admin.create_topics([NewTopic(topic, 2, 1)])
    try:
        producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
        for n in range(5):
            producer.send(topic, f"r{n}".encode(), partition=n % 2)
        producer.flush()
        producer.close()
        never_committed = lag_once_the_broker_answers(settings.kafka_bootstrap, group, topic)

        consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=group, enable_auto_commit=False)
        consumer.commit({TopicPartition(topic, 0): OffsetAndMetadata(2, "", -1)})  # 2 of partition 0's 3
        consumer.close()
        after_commit = group_lag(settings.kafka_bootstrap, group, [topic])
    finally:
        admin.delete_topics([topic])
        admin.close()

    assert never_committed == {topic: 5}
    assert after_commit == {topic: 3}  # one left on partition 0, both of partition 1
