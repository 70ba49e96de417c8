"""The faust side every worker shares: the app, batched consumption, dead letters, publishing.

A batch is decoded, handled as a whole, and only then acknowledged (faust commits offsets after
`take_events` moves on), so offsets never run ahead of the effects. Handlers are idempotent, so a
redelivered batch repeats no effect.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

import faust
from faust.types import EventT, StreamT
from pydantic import BaseModel, ValidationError
from pymongo.errors import OperationFailure

from shared.contracts.envelope import utc_now
from shared.contracts.events import DeadLetter
from shared.errors import TRANSIENT
from shared.messaging import Outgoing, Publisher
from shared.metrics import DEAD_LETTERS, EVENTS_CONSUMED, HANDLER_SECONDS, PUBLISH_SECONDS, serve_metrics
from shared.settings import Settings
from shared.topics import DLQ_SUFFIX

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
BatchHandler = Callable[[list[Any]], Awaitable[None]]
RawEvent = EventT[bytes]  # every topic is read with the raw serializer


def make_app(service: str, settings: Settings) -> faust.App:
    return faust.App(
        f"telebill-{service}",
        broker=f"kafka://{settings.kafka_bootstrap}",
        value_serializer="raw",
        key_serializer="raw",
        web_enabled=False,
        topic_partitions=settings.topic_partitions,
        producer_acks=-1,
        broker_commit_interval=1.0,
        stream_buffer_maxsize=max(4096, settings.batch_size * 4),
    )


def input_topic(app: faust.App, name: str) -> faust.TopicT:
    return app.topic(name, value_serializer="raw", key_serializer="raw")


class FaustPublisher:
    """Publishes through the worker's own faust producer and waits for every acknowledgement."""

    def __init__(self, app: faust.App) -> None:
        self._app = app

    async def publish(self, messages: Sequence[Outgoing]) -> None:
        producer = self._app.producer
        with PUBLISH_SECONDS.time():
            pending = [
                await producer.send(message.topic, message.key.encode(), message.value.encode(), None, None, None)
                for message in messages
            ]
            await asyncio.gather(*pending)


def dead_letter(event: RawEvent, service: str, reason: str, errors: list[str]) -> DeadLetter:
    message = event.message
    key = message.key.decode(errors="replace") if isinstance(message.key, bytes) else None
    raw = message.value if isinstance(message.value, bytes) else str(message.value).encode()
    return DeadLetter(
        source_topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=key,
        reason=reason,
        errors=errors,
        raw_base64=base64.b64encode(raw).decode(),
        service=service,
        failed_at=utc_now(),
    )


def describe(error: ValidationError) -> list[str]:
    return [f"{'.'.join(str(part) for part in item['loc']) or '(root)'}: {item['msg']}" for item in error.errors()]


def rejection_reason(error: ValidationError, model: type[BaseModel]) -> str:
    if any(item["type"] in {"json_invalid", "json_type"} for item in error.errors()):
        return "not decodable as JSON"
    return f"does not match the {model.__name__} contract"


def validated(model: type[M], value: bytes | None) -> M:
    if value is None:  # a tombstone: rejected just as pydantic rejects any input that is not JSON text
        raise ValidationError.from_exception_data(model.__name__, [{"type": "json_type", "loc": (), "input": None}])
    return model.model_validate_json(value)


def decode(
    events: Sequence[RawEvent], model: type[M], service: str
) -> tuple[list[tuple[RawEvent, M]], list[DeadLetter]]:
    decoded: list[tuple[RawEvent, M]] = []
    dead: list[DeadLetter] = []
    for event in events:
        try:
            decoded.append((event, validated(model, event.message.value)))
        except ValidationError as error:
            dead.append(dead_letter(event, service, rejection_reason(error, model), describe(error)))
        except (TypeError, ValueError) as error:
            dead.append(dead_letter(event, service, "not decodable as JSON", [str(error)]))
    return decoded, dead


async def send_dead_letters(publisher: Publisher, letters: Sequence[DeadLetter]) -> None:
    await publisher.publish(
        [Outgoing.of(letter.source_topic + DLQ_SUFFIX, letter.key or "", letter) for letter in letters]
    )
    for letter in letters:
        DEAD_LETTERS.labels(letter.service, letter.source_topic).inc()
        log.warning("dead-lettered %s[%s]@%s: %s", letter.source_topic, letter.partition, letter.offset, letter.reason)


async def with_retry(work: Callable[[], Awaitable[None]], what: str) -> None:
    """Transient failures (database or broker unreachable) are retried, never dead-lettered."""
    delay = 0.5
    while True:
        try:
            await work()
            return
        except TRANSIENT as error:
            log.warning("%s failed transiently (%s); retrying in %.1fs", what, error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


async def handle_isolating_failures(
    decoded: list[tuple[RawEvent, M]], handle: BatchHandler, service: str
) -> list[DeadLetter]:
    """Handle the batch at once; if it fails, retry one by one so a single bad record cannot block the rest."""
    try:
        await with_retry(lambda: handle([model for _, model in decoded]), f"{service} batch")
        return []
    except (ValueError, KeyError, TypeError, OperationFailure) as batch_error:
        log.warning("%s batch failed (%s); isolating the failing records", service, batch_error)
    dead: list[DeadLetter] = []
    for event, model in decoded:
        try:
            await with_retry(lambda model=model: handle([model]), f"{service} record")  # type: ignore[misc]
        except (ValueError, KeyError, TypeError, OperationFailure) as error:
            dead.append(dead_letter(event, service, f"handler failed: {type(error).__name__}", [str(error)]))
    return dead


Batch = tuple[int, float]  # at most this many records, waiting at most this many seconds


async def consume(
    stream: faust.Stream[bytes],
    model: type[M],
    handle: BatchHandler,
    publisher: Publisher,
    service: str,
    settings: Settings,
    batch: Batch | None = None,
) -> None:
    """The whole body of a worker's agent: batches in, effects, dead letters, acknowledgements."""
    size, within = batch or (settings.batch_size, settings.batch_seconds)
    async for events in stream.take_events(size, within=within):
        started = asyncio.get_running_loop().time()
        decoded, dead = decode(events, model, service)
        if decoded:
            dead += await handle_isolating_failures(decoded, handle, service)
        if dead:
            await send_dead_letters(publisher, dead)
        EVENTS_CONSUMED.labels(service).inc(len(events))
        HANDLER_SECONDS.labels(service).observe(asyncio.get_running_loop().time() - started)


def run_worker(app: faust.App, service: str, settings: Settings) -> None:
    """A worker process: its Prometheus endpoint, then faust's command line (`worker ...`)."""
    serve_metrics(service, settings.metrics_base_port, settings.metrics_host)
    app.main()


HandlerFactory = Callable[[faust.App, Settings], Awaitable[BatchHandler]]


def worker_app(
    service: str,
    topic: str,
    model: type[BaseModel],
    build_handler: HandlerFactory,
    settings: Settings,
    batch: Batch | None = None,
) -> faust.App:
    """A faust app with one agent: `topic` in, the service's handler, dead letters out."""
    app = make_app(service, settings)
    add_agent(app, service, topic, model, build_handler, settings, batch)
    return app


def add_agent(
    app: faust.App,
    service: str,
    topic: str,
    model: type[BaseModel],
    build_handler: HandlerFactory,
    settings: Settings,
    batch: Batch | None = None,
) -> None:
    """Another input topic for the same service (its own agent, the same consumer group)."""

    @app.agent(input_topic(app, topic), name=f"{service}-{topic}")
    async def agent(stream: StreamT[bytes]) -> None:
        handle = await build_handler(app, settings)
        # Agents are always given a faust.Stream (app.conf.Stream); only it declares take_events.
        await consume(cast(faust.Stream[bytes], stream), model, handle, FaustPublisher(app), service, settings, batch)
