"""The machine's raw limits with the pipeline's own clients, for the pipeline's figures to be read
against: Kafka produce and consume with aiokafka (faust's client) on records of an encounter's size,
and bulk inserts and `_id` reads of the pipeline's own documents on the same database server."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from kafka.admin import KafkaAdminClient, NewTopic

from shared.mongo import sync_client
from shared.settings import Settings

HOPS = 5  # encounter-completed → coverage-verified → claim-coded → claim-submitted → payment-posted


def kafka_limits(settings: Settings, records: int, value: bytes) -> dict[str, float]:
    """Produce `records` (pipelined, one flush) into a scratch topic with the pipeline's partitions, then
    consume them all. Five hops in series cost five produces and five consumes per record."""
    topic = f"telebill-bench-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    admin.create_topics([NewTopic(topic, settings.topic_partitions, 1)])
    try:
        produce, consume = asyncio.run(produce_then_consume(settings.kafka_bootstrap, topic, records, value))
    finally:
        admin.delete_topics([topic])
        admin.close()
    return {
        "record_bytes": len(value),
        "produce_per_second": round(produce),
        "consume_per_second": round(consume),
        "five_hops_per_second": round(1 / (HOPS / produce + HOPS / consume)),
    }


async def produce_then_consume(bootstrap: str, topic: str, records: int, value: bytes) -> tuple[float, float]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        warm_up_records = await warm_up(producer, topic)
        started = time.monotonic()
        pending = [await producer.send(topic, value, key=str(n).encode()) for n in range(records)]
        await producer.flush()
        await asyncio.gather(*pending)
        produce = records / (time.monotonic() - started)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    try:
        started, seen = time.monotonic(), -warm_up_records
        while seen < records:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            seen += sum(len(batch) for batch in batches.values())
        consume = records / (time.monotonic() - started)
    finally:
        await consumer.stop()
    return produce, consume


async def warm_up(producer: AIOKafkaProducer, topic: str) -> int:
    """One record to each partition, acknowledged, before the clock starts: a new topic's partitions
    have no leader for a moment, and the first sends would be timed retrying. Returns how many."""
    partitions = sorted(await producer.partitions_for(topic))
    for partition in partitions:
        while True:
            try:
                await (await producer.send(topic, b"warm-up", partition=partition))
                break
            except KafkaError:
                await asyncio.sleep(0.2)
    return len(partitions)


def database_limits(settings: Settings, documents: list[dict[str, Any]], threads: int) -> dict[str, float]:
    """Bulk inserts (50 a command, as a consumed batch writes) and `_id` reads of the same documents, in
    a scratch database on the same server; reads from one thread and from `threads` (the pipeline's
    connection pool per client)."""
    client = sync_client(settings)
    name = f"{settings.db_prefix}_bench_{uuid.uuid4().hex[:8]}"
    collection = client[name]["documents"]
    try:
        docs = [{**doc, "_id": f"D{n}"} for n, doc in enumerate(documents)]
        started = time.monotonic()
        for start in range(0, len(docs), 50):
            collection.insert_many(docs[start : start + 50], ordered=False)
        inserted = len(docs) / (time.monotonic() - started)
        time.sleep(3)  # the local server's `_id` path index is added within two seconds of a table's creation
        ids = [doc["_id"] for doc in docs]
        started = time.monotonic()
        for key in ids:
            collection.find_one({"_id": key})
        one_thread = len(ids) / (time.monotonic() - started)
        started = time.monotonic()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda key: collection.find_one({"_id": key}), ids))
        many_threads = len(ids) / (time.monotonic() - started)
    finally:
        client.drop_database(name)  # the client is the process's shared one: left open
    return {
        "document_json_bytes": round(sum(len(json.dumps(doc)) for doc in documents) / len(documents)),
        "insert_many_docs_per_second": round(inserted),
        "find_by_id_per_second_1_thread": round(one_thread),
        f"find_by_id_per_second_{threads}_threads": round(many_threads),
    }
