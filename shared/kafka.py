"""Kafka helpers on kafka-python: the ingest producer and explicit topic creation."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from shared.messaging import Outgoing
from shared.settings import Settings, get_settings
from shared.topics import all_topic_names


def security(settings: Settings) -> dict[str, Any]:
    """kafka-python's connection security from the settings: TLS and SASL, or nothing (PLAINTEXT)."""
    found: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    files = {"ssl_cafile": settings.kafka_ssl_cafile, "ssl_certfile": settings.kafka_ssl_certfile}
    files["ssl_keyfile"] = settings.kafka_ssl_keyfile
    found |= {name: str(path) for name, path in files.items() if path is not None}
    if settings.kafka_sasl_mechanism:
        found |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": settings.kafka_sasl_password,
        }
    return found


def faust_credentials(settings: Settings) -> Any:
    """The same security for the faust workers (aiokafka takes an SSL context)."""
    import faust

    if settings.kafka_security_protocol == "PLAINTEXT":
        return None
    context = None
    if settings.kafka_security_protocol.endswith("SSL"):
        context = ssl.create_default_context(
            cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
        )
        if settings.kafka_ssl_certfile:
            context.load_cert_chain(str(settings.kafka_ssl_certfile), str(settings.kafka_ssl_keyfile or "") or None)
    if settings.kafka_sasl_mechanism:
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=settings.kafka_sasl_password,
            ssl_context=context,
            mechanism=settings.kafka_sasl_mechanism,
        )
    return faust.SSLCredentials(context)


def connection(bootstrap: str) -> dict[str, Any]:
    """What every kafka-python client of this process connects with: `bootstrap` (tests point their
    own clients elsewhere) and the process's security settings."""
    return {"bootstrap_servers": bootstrap, **security(get_settings())}


def make_producer(settings: Settings) -> KafkaProducer:
    return KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        **security(settings),
        acks="all",
        linger_ms=5,
        retries=5,
        key_serializer=lambda key: key.encode(),
    )


def consumer_from_now(bootstrap: str, topic: str, **options: Any) -> KafkaConsumer:
    """A consumer of every partition of `topic`, its position pinned at the current end: it reads
    what is produced from now on (created before sending, a watcher misses nothing)."""
    consumer = KafkaConsumer(**connection(bootstrap), enable_auto_commit=False, **options)
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
    consumer.assign(partitions)
    consumer.seek_to_end(*partitions)
    for partition in partitions:
        consumer.position(partition)  # seek_to_end is lazy: resolve it now, not at the first poll
    return consumer


def consumer_group(service: str) -> str:
    """The consumer group (and faust app id) of a service's worker."""
    return f"telebill-{service}"


def group_lag(bootstrap: str, group: str, topics: Sequence[str]) -> dict[str, int]:
    """Per topic, the records the consumer group has not committed yet (all of a partition it has
    never committed)."""
    admin = KafkaAdminClient(**connection(bootstrap), client_id="telebill-lag")
    consumer = KafkaConsumer(**connection(bootstrap), enable_auto_commit=False, client_id="telebill-lag")
    try:
        lag: dict[str, int] = {}
        for topic in topics:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or set()]
            ends = consumer.end_offsets(partitions)
            committed = admin.list_group_offsets({group: partitions}).get(group, {})
            lag[topic] = sum(ends[tp] - max(getattr(committed.get(tp), "offset", 0), 0) for tp in partitions)
        return lag
    finally:
        consumer.close()
        admin.close()


def topic_sizes(bootstrap: str, topics: Sequence[str]) -> dict[str, int]:
    """Records ever written to each topic (the sum of its partitions' end offsets; 0 if it is missing)."""
    consumer = KafkaConsumer(**connection(bootstrap), enable_auto_commit=False, client_id="telebill-sizes")
    try:
        sizes: dict[str, int] = {}
        for topic in topics:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or set()]
            sizes[topic] = sum(consumer.end_offsets(partitions).values()) if partitions else 0
        return sizes
    finally:
        consumer.close()


def ensure_topics(settings: Settings, names: list[str] | None = None) -> list[str]:
    """Create the pipeline topics that are missing; return the ones created."""
    admin = KafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap, **security(settings), client_id="telebill-admin"
    )
    try:
        wanted = names or all_topic_names()
        missing = [name for name in wanted if name not in set(admin.list_topics())]
        for name in missing:
            try:
                admin.create_topics([NewTopic(name, settings.topic_partitions, 1)])
            except TopicAlreadyExistsError:
                continue
        return missing
    finally:
        admin.close()


class ProducerPublisher:
    """The Publisher port over kafka-python, for processes that are not faust workers (APIs)."""

    def __init__(self, producer: KafkaProducer) -> None:
        self.producer = producer

    async def publish(self, messages: Sequence[Outgoing]) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.send_and_wait, list(messages))

    def send_and_wait(self, messages: list[Outgoing]) -> None:
        futures = [self.producer.send(m.topic, key=m.key, value=m.value.encode()) for m in messages]
        self.producer.flush()
        for future in futures:
            future.get(timeout=30)


def bootstrap_servers(bootstrap: str) -> list[tuple[str, int]]:
    """From `host:9092,[::1]:9093` to [("host", 9092), ("::1", 9093)]."""
    found = []
    for server in filter(None, (s.strip() for s in bootstrap.split(","))):
        host, _, port = server.rpartition(":")
        found.append((host.strip("[]"), int(port)))
    return found


async def tcp_reachable(host: str, port: int, timeout: float) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError):
        return False
    writer.close()
    await writer.wait_closed()
    return True


async def broker_reachable(bootstrap: str, timeout: float) -> bool:
    """A bootstrap server accepts a connection: cheap enough for every readiness probe."""
    return any([await tcp_reachable(host, port, timeout) for host, port in bootstrap_servers(bootstrap)])
