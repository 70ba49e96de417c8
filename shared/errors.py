"""Errors that say "try again later" (the database or the broker is unreachable or slow for now), as
opposed to errors of the record itself, which retrying cannot fix."""

from __future__ import annotations

import asyncio

from pymongo.errors import ConnectionFailure, ExecutionTimeout, PyMongoError

# WaitQueueTimeoutError, NetworkTimeout, AutoReconnect and ServerSelectionTimeoutError are all
# ConnectionFailures; a command that ran out of its time limit on the server is ExecutionTimeout.
TRANSIENT = (ConnectionFailure, ExecutionTimeout, asyncio.TimeoutError, ConnectionError)


def is_transient(error: BaseException) -> bool:
    """Waiting cannot fix a record, but it fixes an outage: a database or broker that does not answer,
    a command that ran out of time, or a broker error Kafka itself marks as retriable."""
    if isinstance(error, TRANSIENT):
        return True
    if isinstance(error, PyMongoError) and error.timeout:
        return True
    return bool(getattr(error, "retriable", False)) and is_kafka_error(error)


def is_kafka_error(error: BaseException) -> bool:
    from aiokafka.errors import KafkaError as AioKafkaError
    from kafka.errors import KafkaError

    return isinstance(error, AioKafkaError | KafkaError)
