"""`telebill dlq list|show|replay`: find, inspect and replay dead letters.

The `.dlq` topics are read by a consumer that joins no group and commits nothing: each partition
is read from its beginning up to the end offset seen at the start, so a listing terminates and
leaves no trace on the broker. A replay produces a dead letter's raw bytes again to its source
topic, with the original key and a `telebill-replayed-from` header, and waits for the broker.

Dead letters hold patient data in their raw bytes: listings show metadata only; `show` prints the
record because an operator asked for that one record on their own terminal.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from shared.contracts.events import DeadLetter
from shared.kafka import connection
from shared.phi.ring import process_ring
from shared.topics import DLQ_SUFFIX, PIPELINE

REPLAYED_FROM = "telebill-replayed-from"
CONNECT_MS = 5_000  # how long an unreachable broker may keep an operator waiting, per step
STALL_SECONDS = 10.0  # a read that makes no progress for this long has lost the broker
POLL_MS = 250

# --- ids -------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class DlqId:
    """Where a dead letter sits: `<dlq-topic>:<partition>:<offset>` (topic names cannot hold ':')."""

    topic: str
    partition: int
    offset: int

    def __str__(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"

    @classmethod
    def parse(cls, text: str) -> DlqId:
        topic, _, rest = text.rpartition(":")
        topic, _, partition = topic.rpartition(":")
        if not topic or not partition.isdigit() or not rest.isdigit():
            raise ValueError(f"{text!r} is not a dead-letter id (<dlq-topic>:<partition>:<offset>)")
        return cls(topic, int(partition), int(rest))


# --- what was read, and filtering it --------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """One record as read from a `.dlq` topic."""

    id: DlqId
    value: bytes | None


@dataclass(frozen=True)
class Entry:
    id: DlqId
    letter: DeadLetter


@dataclass(frozen=True)
class Filters:
    topic: str | None = None  # the source topic
    service: str | None = None
    reason: str | None = None  # a case-insensitive substring
    key: str | None = None
    since: datetime | None = None  # failed at or after

    def given(self) -> bool:
        return any(value is not None for value in (self.topic, self.service, self.reason, self.key, self.since))

    def matches(self, letter: DeadLetter) -> bool:
        return (
            self.topic in (None, letter.source_topic)
            and self.service in (None, letter.service)
            and (self.reason is None or self.reason.casefold() in letter.reason.casefold())
            and self.key in (None, letter.key)
            and (self.since is None or letter.failed_at >= self.since)
        )


def parse_since(text: str) -> datetime:
    """An ISO date or time; without a zone it is UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def dlq_topics(filters: Filters, named: Sequence[str] = ()) -> list[str]:
    """The `.dlq` topics to read: those named, else the source topic's, else all the pipeline's."""
    if named:
        return list(dict.fromkeys(named))
    if filters.topic:
        return [filters.topic + DLQ_SUFFIX]
    return [topic.dlq for topic in PIPELINE]


def entry_of(found: Found) -> Entry | None:
    """The dead letter in a record, or None when the record is not one."""
    if found.value is None:
        return None
    try:
        return Entry(found.id, DeadLetter.model_validate_json(found.value))
    except ValidationError:
        return None


def entries(found: Sequence[Found]) -> tuple[list[Entry], list[DlqId]]:
    """The dead letters, and the ids of records on a `.dlq` topic that are not dead letters."""
    read = [(record.id, entry_of(record)) for record in found]
    return [entry for _, entry in read if entry], [record_id for record_id, entry in read if entry is None]


def select(found: Sequence[Entry], filters: Filters, limit: int | None = None) -> list[Entry]:
    """The matching dead letters, oldest first."""
    matching = sorted((e for e in found if filters.matches(e.letter)), key=lambda e: (e.letter.failed_at, e.id))
    return matching if limit is None else matching[:limit]


# --- formatting -------------------------------------------------------------------------------

LIST_COLUMNS = ("id", "failed at", "service", "source", "key", "reason", "errors")


def source_of(letter: DeadLetter) -> str:
    return f"{letter.source_topic}@{letter.partition}/{letter.offset}"


def list_row(entry: Entry) -> tuple[str, ...]:
    """Metadata only: the raw record holds patient data and never appears in a listing."""
    letter = entry.letter
    return (
        str(entry.id),
        letter.failed_at.isoformat(timespec="seconds"),
        letter.service,
        source_of(letter),
        letter.key or "-",
        letter.reason,
        str(len(letter.errors)),
    )


def list_table(listed: Sequence[Entry], matching: int) -> Table:
    table = Table(title=f"{len(listed)} of {matching} dead letter(s), oldest first")
    for column in LIST_COLUMNS:
        table.add_column(column, no_wrap=column == "id", justify="right" if column == "errors" else "left")
    for entry in listed:
        table.add_row(*(Text(cell) for cell in list_row(entry)))  # Text: a reason's '[' is not markup
    return table


def raw_bytes(letter: DeadLetter) -> bytes:
    """The record's bytes, opened with this process's key ring (a letter sealed with a key it lacks
    says which key id is missing)."""
    return letter.raw(process_ring().open)


def decoded(raw: bytes) -> str:
    """The record as an operator reads it: indented JSON when it is JSON, else escaped text."""
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except ValueError:
        return raw.decode(errors="backslashreplace")


def details(entry: Entry) -> Table:
    letter = entry.letter
    table = Table(title=f"dead letter {entry.id}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    rows = {
        "failed at": letter.failed_at.isoformat(),
        "service": letter.service,
        "source": source_of(letter),
        "key": letter.key or "-",
        "reason": letter.reason,
        "raw bytes": str(len(raw_bytes(letter))),
    }
    for name, value in rows.items():
        table.add_row(name, Text(value))
    return table


def show_text(entry: Entry) -> list[Text]:
    errors = [Text(f"  - {error}") for error in entry.letter.errors] or [Text("  (none)")]
    return [
        Text(f"errors ({len(entry.letter.errors)}):"),
        *errors,
        Text("record:"),
        Text(decoded(raw_bytes(entry.letter))),
    ]


# --- replaying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replay:
    """What one replay produces: the raw bytes, to the source topic, under the original key."""

    id: DlqId
    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


def replay_of(entry: Entry) -> Replay:
    letter = entry.letter
    return Replay(
        id=entry.id,
        topic=letter.source_topic,
        key=letter.key.encode() if letter.key is not None else None,
        value=raw_bytes(letter),
        headers=[(REPLAYED_FROM, str(entry.id).encode())],
    )


@dataclass
class Replayed:
    sent: list[DlqId] = field(default_factory=list)
    failed: list[tuple[DlqId, str]] = field(default_factory=list)


def plan_table(replays: Sequence[Replay], title: str) -> Table:
    table = Table(title=title)
    for column in ("id", "to topic", "key", "bytes"):
        table.add_column(column, no_wrap=column == "id")
    for replay in replays:
        key = replay.key.decode(errors="replace") if replay.key is not None else "-"
        table.add_row(Text(str(replay.id)), Text(replay.topic), Text(key), str(len(replay.value)))
    return table


# --- Kafka ------------------------------------------------------------------------------------


class StackUnreachable(Exception):
    """Kafka did not answer in time; the message says where and what."""


def supported(client: type[Any], config: dict[str, Any]) -> dict[str, Any]:
    """Only the settings this kafka-python knows (2.x and 3.x name the bootstrap timeout differently)."""
    return {name: value for name, value in config.items() if name in client.DEFAULT_CONFIG}


def consumer(bootstrap: str) -> KafkaConsumer:
    config = {
        **connection(bootstrap),
        "client_id": "telebill-dlq",
        "group_id": None,
        "enable_auto_commit": False,
        "allow_auto_create_topics": False,
        "bootstrap_timeout_ms": CONNECT_MS,
        "api_version_auto_timeout_ms": CONNECT_MS,
        "request_timeout_ms": 2 * CONNECT_MS,
        "fetch_max_wait_ms": POLL_MS,
    }
    return KafkaConsumer(**supported(KafkaConsumer, config))


def producer(bootstrap: str) -> KafkaProducer:
    config = {
        **connection(bootstrap),
        "client_id": "telebill-dlq-replay",
        "acks": "all",
        "linger_ms": 5,
        "bootstrap_timeout_ms": CONNECT_MS,
        "api_version_auto_timeout_ms": CONNECT_MS,
        "max_block_ms": 2 * CONNECT_MS,
        "request_timeout_ms": 2 * CONNECT_MS,
        "delivery_timeout_ms": 4 * CONNECT_MS,
    }
    return KafkaProducer(**supported(KafkaProducer, config))


@contextmanager
def kafka_answering(bootstrap: str) -> Iterator[None]:
    try:
        yield
    except KafkaError as error:
        raise StackUnreachable(f"Kafka at {bootstrap} is unreachable: {error}") from error


def read_topics(bootstrap: str, topics: Sequence[str]) -> list[Found]:
    """Every record of the topics, up to the end offsets seen when reading began."""
    with kafka_answering(bootstrap):
        client = consumer(bootstrap)
        try:
            partitions = [TopicPartition(t, p) for t in topics for p in sorted(client.partitions_for_topic(t) or ())]
            if not partitions:
                return []
            return read_ranges(client, client.beginning_offsets(partitions), client.end_offsets(partitions))
        finally:
            client.close()


def read_one(bootstrap: str, wanted: DlqId) -> Found | None:
    """The record at one id, or None when there is none."""
    partition = TopicPartition(wanted.topic, wanted.partition)
    with kafka_answering(bootstrap):
        client = consumer(bootstrap)
        try:
            if wanted.partition not in (client.partitions_for_topic(wanted.topic) or ()):
                return None
            start, end = client.beginning_offsets([partition])[partition], client.end_offsets([partition])[partition]
            if not start <= wanted.offset < end:
                return None
            found = read_ranges(client, {partition: wanted.offset}, {partition: wanted.offset + 1})
        finally:
            client.close()
    return next((record for record in found if record.id == wanted), None)


def read_ranges(
    client: KafkaConsumer, starts: dict[TopicPartition, int], ends: dict[TopicPartition, int]
) -> list[Found]:
    todo = {tp: end for tp, end in ends.items() if starts[tp] < end}
    if not todo:
        return []
    client.assign(list(todo))
    for tp in todo:
        client.seek(tp, starts[tp])
    found: list[Found] = []
    progress_at = time.monotonic()
    while todo:
        for tp, records in client.poll(timeout_ms=POLL_MS).items():
            progress_at = time.monotonic()
            found += [Found(DlqId(tp.topic, tp.partition, r.offset), r.value) for r in records if r.offset < ends[tp]]
        finish_read_partitions(client, todo)
        if todo and time.monotonic() - progress_at > STALL_SECONDS:
            raise StackUnreachable(f"reading {sorted({tp.topic for tp in todo})} stalled for {STALL_SECONDS:.0f}s")
    return found


def finish_read_partitions(client: KafkaConsumer, todo: dict[TopicPartition, int]) -> None:
    """Partitions read up to their end offset stop fetching (the position also skips gaps)."""
    done = [tp for tp, end in todo.items() if client.position(tp, timeout_ms=CONNECT_MS) >= end]
    if done:
        client.pause(*done)
    for tp in done:
        del todo[tp]


def produce(bootstrap: str, replays: Sequence[Replay]) -> Replayed:
    """Send every replay and wait for the broker's acknowledgement of each; one that fails is
    reported and does not stop the others."""
    with kafka_answering(bootstrap):
        client = producer(bootstrap)
    try:
        return acknowledged([(replay.id, sending(client, replay)) for replay in replays])
    finally:
        client.close(timeout=CONNECT_MS / 1000)


def sending(client: KafkaProducer, replay: Replay) -> Any:
    """The send's future, or the error that refused it."""
    try:
        return client.send(replay.topic, key=replay.key, value=replay.value, headers=replay.headers)
    except KafkaError as error:
        return error


def acknowledged(sending: Sequence[tuple[DlqId, Any]]) -> Replayed:
    outcome = Replayed()
    for replay_id, future in sending:
        try:
            if isinstance(future, KafkaError):
                raise future
            future.get(timeout=4 * CONNECT_MS / 1000)
            outcome.sent.append(replay_id)
        except KafkaError as error:
            outcome.failed.append((replay_id, str(error)))
    return outcome


# --- the commands -----------------------------------------------------------------------------


def unreachable(console: Console, error: StackUnreachable) -> int:
    console.print(Text(str(error), style="red"), soft_wrap=True)
    return 1


def gather(bootstrap: str, filters: Filters, named: Sequence[str], console: Console) -> list[Entry]:
    letters, strangers = entries(read_topics(bootstrap, dlq_topics(filters, named)))
    if strangers:
        shown = ", ".join(str(record_id) for record_id in strangers[:5])
        console.print(Text(f"{len(strangers)} record(s) on dead-letter topics are not dead letters: {shown}", "yellow"))
    return letters


def list_command(bootstrap: str, filters: Filters, limit: int, named: Sequence[str], console: Console) -> int:
    try:
        matching = select(gather(bootstrap, filters, named, console), filters)
    except StackUnreachable as error:
        return unreachable(console, error)
    console.print(list_table(matching[:limit], len(matching)))
    return 0


def letter_at(bootstrap: str, wanted: DlqId, console: Console) -> Entry | None:
    found = read_one(bootstrap, wanted)
    entry = entry_of(found) if found else None
    if entry is None:
        console.print(Text(f"{wanted}: {'no record' if found is None else 'not a dead letter'}", style="red"))
    return entry


def show_command(bootstrap: str, wanted: DlqId, console: Console, raw_out: BinaryIO | None = None) -> int:
    """Print one dead letter with its record decoded, or (`raw_out`) write only its raw bytes there."""
    try:
        entry = letter_at(bootstrap, wanted, console)
    except StackUnreachable as error:
        return unreachable(console, error)
    if entry is None:
        return 1
    if raw_out is not None:
        raw_out.write(raw_bytes(entry.letter))
        raw_out.flush()
        return 0
    console.print(details(entry))
    for line in show_text(entry):
        console.print(line)
    return 0


@dataclass(frozen=True)
class ReplayRequest:
    """Either ids, or filters (with a limit) over the `named` topics or those the filters imply."""

    ids: Sequence[DlqId] = ()
    filters: Filters = Filters()
    limit: int | None = None
    named: Sequence[str] = ()
    dry_run: bool = False


def chosen(bootstrap: str, request: ReplayRequest, console: Console) -> tuple[list[Entry], int]:
    """The dead letters to replay, and how many requested ids held none."""
    if not request.ids:
        return select(gather(bootstrap, request.filters, request.named, console), request.filters, request.limit), 0
    wanted = list(dict.fromkeys(request.ids))
    found = [entry for entry in (letter_at(bootstrap, one, console) for one in wanted) if entry]
    return found, len(wanted) - len(found)


def replay_command(bootstrap: str, request: ReplayRequest, console: Console) -> int:
    try:
        entries_, missing = chosen(bootstrap, request, console)
        replays = [replay_of(entry) for entry in entries_]
        if request.dry_run:
            console.print(plan_table(replays, f"would replay {len(replays)} dead letter(s) (dry run)"))
            return 1 if missing else 0
        outcome = produce(bootstrap, replays) if replays else Replayed()
    except StackUnreachable as error:
        return unreachable(console, error)
    return report_replay(outcome, missing, console)


def report_replay(outcome: Replayed, missing: int, console: Console) -> int:
    for replay_id, error in outcome.failed:
        console.print(Text(f"{replay_id}: not replayed ({error})", style="red"))
    console.print(f"replayed {len(outcome.sent)} dead letter(s); {len(outcome.failed) + missing} failed")
    return 1 if outcome.failed or missing else 0
