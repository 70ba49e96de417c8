"""`telebill dlq` against the real broker: dead letters on a fresh `<topic>.dlq` are listed by
filter, shown, and replayed to their fresh source topic once per replay, with key and header."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition
from typer.testing import CliRunner

from deploy.ops import cli
from shared.contracts.events import DeadLetter
from shared.kafka import ensure_topics, make_producer
from shared.settings import Settings
from shared.streaming import dead_letter

pytestmark = pytest.mark.integration
RAW = b'{"source": "acme-video", "encounter": {"encounter_id": "E1"}, "patient": {"name": "Test Patient"}}'


def letter_for(topic: str, key: str, service: str, reason: str, raw: bytes = RAW) -> DeadLetter:
    """A dead letter exactly as a worker makes one (shared.streaming.dead_letter) from a consumed record."""
    message = SimpleNamespace(topic=topic, partition=2, offset=41, key=key.encode(), value=raw)
    return dead_letter(SimpleNamespace(message=message), service, reason, ["encounter.date_of_service: Field required"])  # type: ignore[arg-type]


def produce(settings: Settings, topic: str, records: list[tuple[str, bytes]]) -> None:
    producer = make_producer(settings)
    try:
        for key, value in records:
            producer.send(topic, key=key, value=value).get(timeout=30)
    finally:
        producer.close()


def read_all(settings: Settings, topic: str) -> list[Any]:
    """Every record now on the topic (read up to the end offsets, so it terminates)."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        ends = consumer.end_offsets(partitions)
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records: list[Any] = []
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < end for tp, end in ends.items()) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records += batch
        return records
    finally:
        consumer.close()


@pytest.fixture
def world(settings: Settings, unique: str, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    source = f"test-dlq-{unique}"
    ensure_topics(settings, [source, source + ".dlq"])
    service = f"svc-{unique}"
    letters = {
        "contract": letter_for(source, f"acme:{unique}-1", service, "does not match the EncounterCompleted contract"),
        "json": letter_for(source, f"acme:{unique}-2", "coding", "not decodable as JSON", b"\x00\xffnot json"),
    }
    produce(settings, source + ".dlq", [(d.key or "", d.model_dump_json().encode()) for d in letters.values()])
    produce(settings, source + ".dlq", [("stray", b"not a dead letter")])
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    return SimpleNamespace(source=source, dlq=source + ".dlq", service=service, letters=letters, unique=unique)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.app, ["dlq", *args], env={"COLUMNS": "250"})
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def ids_in(output: str, dlq: str) -> list[str]:
    """The ids in the table's rows."""
    rows = [line for line in output.splitlines() if line.startswith("│")]
    return [word for row in rows for word in row.split() if word.startswith(dlq + ":")]


def test_list_finds_the_dead_letters_by_each_filter_and_never_prints_the_record(world: SimpleNamespace) -> None:
    code, output = run("list", "--topic", world.source)
    assert code == 0 and len(ids_in(output, world.dlq)) == 2 and "not dead letters" in output
    assert "Test Patient" not in output and world.service in output

    for option, value, expected in [
        ("--service", world.service, 1),
        ("--reason", "CONTRACT", 1),
        ("--key", f"acme:{world.unique}-1", 1),
        ("--since", "2000-01-01", 2),
        ("--limit", "1", 1),
    ]:
        code, output = run("list", "--dlq-topic", world.dlq, option, value)
        assert code == 0 and len(ids_in(output, world.dlq)) == expected, option
        assert f"acme:{world.unique}-1" in output and f"{world.source}@2/41" in output

    code, output = run("list", "--dlq-topic", world.dlq, "--since", "2999-01-01T00:00:00+00:00")
    assert code == 0 and ids_in(output, world.dlq) == [] and "0 of 0 dead letter(s)" in output


def test_list_reads_every_pipeline_dead_letter_topic_to_the_end(world: SimpleNamespace) -> None:
    code, output = run("list", "--service", world.service)
    assert code == 0 and "0 of 0 dead letter(s)" in output  # ours is on a test topic, not the pipeline's


def test_show_prints_the_metadata_errors_and_the_decoded_record(world: SimpleNamespace) -> None:
    [found] = ids_in(run("list", "--dlq-topic", world.dlq, "--service", world.service)[1], world.dlq)
    code, output = run("show", found)
    assert code == 0 and "encounter.date_of_service: Field required" in output and '"name": "Test Patient"' in output
    code, output = run("show", f"{world.dlq}:0:999999")
    assert code == 1 and "no record" in output


def test_replay_puts_the_raw_bytes_back_with_key_and_header_once_per_replay(
    world: SimpleNamespace, settings: Settings
) -> None:
    [found] = ids_in(run("list", "--dlq-topic", world.dlq, "--service", world.service)[1], world.dlq)
    assert run("replay", "--dlq-topic", world.dlq, "--service", world.service, "--dry-run")[0] == 0
    assert read_all(settings, world.source) == []

    code, output = run("replay", found)
    assert code == 0 and "replayed 1 dead letter(s); 0 failed" in output
    [replayed] = read_all(settings, world.source)
    assert (replayed.key, replayed.value) == (f"acme:{world.unique}-1".encode(), RAW)
    assert ("telebill-replayed-from", found.encode()) in list(replayed.headers)

    assert run("replay", found)[0] == 0  # a repeated replay sends the record once more, no more
    assert [(r.key, r.value) for r in read_all(settings, world.source)] == [(replayed.key, RAW)] * 2

    code, output = run("replay", "--dlq-topic", world.dlq, "--reason", "json")
    assert code == 0 and "replayed 1 dead letter(s)" in output
    values = sorted(record.value for record in read_all(settings, world.source))
    assert values == sorted([RAW, RAW, b"\x00\xffnot json"])


def test_replaying_an_id_with_no_dead_letter_fails_with_exit_1(world: SimpleNamespace) -> None:
    code, output = run("replay", f"{world.dlq}:0:999999")
    assert code == 1 and "replayed 0 dead letter(s); 1 failed" in output


@pytest.mark.timeout(60)
def test_an_unreachable_broker_is_one_red_line_and_exit_1_within_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "get_settings", lambda: Settings(kafka_bootstrap="127.0.0.1:1"))
    started = time.monotonic()
    code, output = run("list")
    assert code == 1 and output.strip().startswith("Kafka at 127.0.0.1:1 is unreachable") and output.count("\n") == 1
    assert time.monotonic() - started < 20
