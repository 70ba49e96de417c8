"""The faust side every worker shares: the app, batched consumption, dead letters, publishing.

A batch is decoded, handled as a whole, and only then released for commit, so offsets never run
ahead of the effects. faust's `take_events` acknowledges a batch in a `finally`, which also runs when
the generator is closed by a crash, a stop or a rebalance — with the effects not yet stored. So the
worker holds its own reference on every message of a batch (`hold`) and gives it back only once the
batch's effects and dead letters are stored (`release`): a batch interrupted before that is never
committed and is delivered again. Handlers are idempotent, so a redelivered batch repeats no effect.

A record whose handling fails for any reason but an outage goes to its topic's dead-letter topic
with the reason, and the rest of the batch goes on. An outage (database or broker unreachable or
timing out) is waited out with capped backoff while the process reports not ready.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import faust
from faust.types import EventT, StreamT
from pydantic import BaseModel, ValidationError

from shared.contracts.envelope import utc_now
from shared.contracts.events import DeadLetter
from shared.errors import is_kafka_error, is_transient
from shared.health import READINESS, start_watchdog
from shared.kafka import broker_reachable, consumer_group, faust_credentials, group_lag
from shared.logs import logging_config, name_process
from shared.messaging import Outgoing, Publisher
from shared.metrics import (
    CONSUMER_LAG,
    DEAD_LETTERS,
    EVENTS_CONSUMED,
    HANDLER_SECONDS,
    PUBLISH_SECONDS,
    TIMER_FAILURES,
    serve_metrics,
)
from shared.phi.ring import process_ring
from shared.settings import Settings
from shared.topics import DLQ_SUFFIX

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
BatchHandler = Callable[[list[Any]], Awaitable[None]]
RawEvent = EventT[bytes]  # every topic is read with the raw serializer


def make_app(service: str, settings: Settings) -> faust.App:
    name_process(service)
    return faust.App(
        consumer_group(service),
        broker=f"kafka://{settings.kafka_bootstrap}",
        value_serializer="raw",
        key_serializer="raw",
        web_enabled=False,
        datadir=str(faust_datadir(service, settings)),
        topic_partitions=settings.topic_partitions,
        producer_acks=-1,
        broker_commit_interval=1.0,
        # A worker killed outright keeps its partitions until the broker gives up on it: a short
        # session lets its restarted self (or a sibling) take them over in seconds, not a minute.
        broker_session_timeout=settings.worker_session_timeout_seconds,
        broker_heartbeat_interval=settings.worker_session_timeout_seconds / 5,
        stream_buffer_maxsize=max(4096, settings.batch_size * 4),
        logging_config=logging_config(),
        broker_credentials=faust_credentials(settings),
    )


def faust_datadir(service: str, settings: Settings) -> Path:
    """One per instance, in the state directory: faust's default is the working directory, which all
    instances share (and which is the repository)."""
    parent = settings.state_dir / "faust"
    parent.mkdir(parents=True, exist_ok=True)  # faust creates only the last level
    return parent / f"{service}-{settings.instance}"


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
    return DeadLetter.sealing(
        raw,
        process_ring().seal,
        source_topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=key,
        reason=reason,
        errors=errors,
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


async def send_dead_letters(publisher: Publisher, letters: Sequence[DeadLetter], to: str | None = None) -> None:
    """To each record's own dead-letter topic, or all `to` one (a read model's, which is never replayed)."""
    await publisher.publish(
        [Outgoing.of(to or letter.source_topic + DLQ_SUFFIX, letter.key or "", letter) for letter in letters]
    )
    for letter in letters:
        DEAD_LETTERS.labels(letter.service, letter.source_topic).inc()
        log.warning("dead-lettered %s[%s]@%s: %s", letter.source_topic, letter.partition, letter.offset, letter.reason)


def dependency_of(error: BaseException) -> str:
    return "broker" if is_kafka_error(error) else "database"


FIRST_RETRY_SECONDS, LONGEST_RETRY_SECONDS = 0.5, 30.0


async def until_available(work: Callable[[], Awaitable[T]], what: str) -> T:
    """Outages are waited out, never dead-lettered: retried with doubling backoff (capped), with the
    process reported not ready meanwhile. Any other error is the caller's to judge."""
    delay, failing = FIRST_RETRY_SECONDS, ""
    while True:
        try:
            result = await work()
        except Exception as error:
            if not is_transient(error):
                raise
            failing = dependency_of(error)
            READINESS.fail(failing, f"{what}: {type(error).__name__}")
            log.warning("%s failed transiently (%s); retrying in %.1fs", what, type(error).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, LONGEST_RETRY_SECONDS)
            continue
        if failing:
            READINESS.clear(failing)
        return result


def failure_details(error: Exception) -> list[str]:
    """What went wrong and where. A contract error is described without the rejected values (they can
    be patient data); the pipeline's own errors name codes and fields, not patients."""
    if isinstance(error, ValidationError):
        return describe(error)
    return [own_message(error), f"raised in {error_site(error)}"]


def own_message(error: Exception) -> str:
    """Errors raised by the pipeline's own code are written to name codes and fields, never patients;
    a library's error, or a failed lookup (a KeyError's message is the key: a member id), can quote a
    value, so only its type is kept."""
    ours = raised_in(error, OWN_CODE) and not isinstance(error, LookupError)
    return (str(error)[:500] if ours else "") or type(error).__name__


OWN_CODE = tuple(str(Path(__file__).parents[1] / package) + "/" for package in ("shared", "services", "deploy"))


def raised_in(error: BaseException, prefixes: tuple[str, ...]) -> bool:
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and frame.tb_frame.f_code.co_filename.startswith(prefixes)


def error_site(error: BaseException) -> str:
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    if frame is None:
        return "unknown place"
    return f"{frame.tb_frame.f_code.co_filename.rsplit('/', 2)[-1]}:{frame.tb_lineno} ({frame.tb_frame.f_code.co_name})"


async def handle_isolating_failures(
    decoded: list[tuple[RawEvent, M]], handle: BatchHandler, service: str
) -> list[DeadLetter]:
    """Handle the batch at once; if it fails, retry one by one so a single bad record cannot block the
    rest. Whatever a record raises (but an outage, which is waited out) sends it to the dead letters."""
    try:
        await until_available(lambda: handle([model for _, model in decoded]), f"{service} batch")
        return []
    except Exception as batch_error:  # noqa: BLE001 - isolated below, record by record
        log.warning("%s batch failed (%s); isolating the failing records", service, type(batch_error).__name__)
    dead: list[DeadLetter] = []
    for event, model in decoded:
        try:
            await until_available(lambda model=model: handle([model]), f"{service} record")  # type: ignore[misc]
        except Exception as error:  # noqa: BLE001 - a poison record must not stop the others
            key = event.message.key.decode(errors="replace") if isinstance(event.message.key, bytes) else None
            log.error("%s record failed: %s", service, "; ".join(failure_details(error)), extra={"correlation_id": key})
            dead.append(dead_letter(event, service, f"handler failed: {type(error).__name__}", failure_details(error)))
    return dead


def hold(events: Sequence[RawEvent]) -> None:
    """Keep the batch from being committed by faust's own acknowledgement (see the module's docstring)."""
    for event in events:
        event.message.incref()


def release(events: Sequence[RawEvent]) -> None:
    """The batch's effects are stored: faust may commit it once it has acknowledged it too."""
    for event in events:
        event.message.decref()


def guarded(name: str, work: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    """A timer round that never stops the worker: an outage makes it not ready until a round
    succeeds; any other error is logged and counted, and the next round tries again."""

    flagged: set[str] = set()

    @functools.wraps(work)
    async def round_() -> None:
        try:
            await work()
        except Exception as error:  # noqa: BLE001 - a timer that raises stops faust's worker
            if is_transient(error):
                flagged.add(dependency_of(error))
                READINESS.fail(dependency_of(error), f"{name}: {type(error).__name__}")
                log.warning("%s: %s; next round retries", name, type(error).__name__)
                return
            TIMER_FAILURES.labels(name).inc()
            log.error("%s failed: %s", name, "; ".join(failure_details(error)))
            return
        while flagged:
            READINESS.clear(flagged.pop())

    return round_


Batch = tuple[int, float]  # at most this many records, waiting at most this many seconds


async def consume(
    stream: faust.Stream[bytes],
    model: type[M],
    handle: BatchHandler,
    publisher: Publisher,
    service: str,
    settings: Settings,
    batch: Batch | None = None,
    dead_letters_to: str | None = None,
) -> None:
    """The whole body of a worker's agent: batches in, effects, dead letters, acknowledgements."""
    size, within = batch or (settings.batch_size, settings.batch_seconds)
    async for events in stream.take_events(size, within=within):
        hold(events)
        started = asyncio.get_running_loop().time()
        decoded, dead = decode(events, model, service)
        if decoded:
            dead += await handle_isolating_failures(decoded, handle, service)
        if dead:
            await until_available(
                functools.partial(send_dead_letters, publisher, dead, dead_letters_to), f"{service} dead letters"
            )
        release(events)
        EVENTS_CONSUMED.labels(service).inc(len(events))
        HANDLER_SECONDS.labels(service).observe(asyncio.get_running_loop().time() - started)


def run_worker(app: faust.App, service: str, settings: Settings) -> None:
    """A worker process: its Prometheus endpoint, then faust's command line (`worker ...`)."""
    serve_metrics(service, settings.metrics_base_port, settings.metrics_host, settings.instance)
    start_watchdog(settings.mongo_stuck_seconds)
    start_lag_watch(settings.kafka_bootstrap, app)
    wait_for_broker(settings.kafka_bootstrap)
    app.main()


LAG_SECONDS = 15.0


def start_lag_watch(bootstrap: str, app: faust.App, every: float = LAG_SECONDS) -> threading.Thread:
    """`telebill_consumer_lag{group,topic}` for the worker's own group and input topics, refreshed in a
    thread of its own (kafka-python is blocking); a broker away only leaves the last figures."""
    topics = sorted({topic for agent in app.agents.values() for topic in getattr(agent.channel, "topics", ())})

    def watch() -> None:
        while True:
            try:
                for topic, lag in group_lag(bootstrap, app.conf.id, topics).items():
                    CONSUMER_LAG.labels(app.conf.id, topic).set(lag)
            except Exception as error:  # the watch must outlive any outage; the worker reports those
                log.debug("consumer lag not read: %s", error)
            time.sleep(every)

    thread = threading.Thread(target=watch, name="lag-watch", daemon=True)
    thread.start()
    return thread


def wait_for_broker(bootstrap: str, first_delay: float = 0.5) -> None:
    """faust exits when it cannot reach the broker as it starts: a worker (re)started during a
    broker outage waits for it instead, not ready meanwhile, rather than crash-looping."""
    delay = first_delay
    while not asyncio.run(broker_reachable(bootstrap, timeout=2.0)):
        READINESS.fail("broker", f"waiting for {bootstrap}")
        time.sleep(delay)
        delay = min(delay * 2, 10.0)
    READINESS.clear("broker")


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
    dead_letters_to: str | None = None,
) -> None:
    """Another input topic for the same service (its own agent, the same consumer group)."""

    @app.agent(input_topic(app, topic), name=f"{service}-{topic}")
    async def agent(stream: StreamT[bytes]) -> None:
        handle = await until_available(lambda: build_handler(app, settings), f"{service} start")
        # Agents are always given a faust.Stream (app.conf.Stream); only it declares take_events.
        stream_ = cast(faust.Stream[bytes], stream)
        await consume(stream_, model, handle, FaustPublisher(app), service, settings, batch, dead_letters_to)
