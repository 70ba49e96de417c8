"""`telebill dlq`: ids, filters, formatting and replay plans over fake dead letters (no Kafka)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from kafka.errors import KafkaTimeoutError
from rich.console import Console
from typer.testing import CliRunner

from deploy.ops import cli
from deploy.ops import dlq as dead
from shared.contracts.events import DeadLetter
from shared.phi.ring import process_ring
from shared.settings import Settings
from shared.topics import PIPELINE

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PATIENT = b'{"patient": {"name": "Ada Lovelace", "birth_date": "1815-12-10"}}'


def letter(
    offset: int = 7,
    *,
    topic: str = "encounter-completed",
    service: str = "eligibility",
    reason: str = "does not match the EncounterCompleted contract",
    key: str | None = "acme:E1",
    raw: bytes = PATIENT,
    failed_at: datetime = AT,
    errors: tuple[str, ...] = ("encounter: Field required",),
) -> DeadLetter:
    return DeadLetter.sealing(
        raw,
        process_ring().seal,
        source_topic=topic,
        partition=3,
        offset=offset,
        key=key,
        reason=reason,
        errors=list(errors),
        service=service,
        failed_at=failed_at,
    )


def entry(offset: int = 7, **fields: object) -> dead.Entry:
    found = letter(offset, **fields)  # type: ignore[arg-type]
    return dead.Entry(dead.DlqId(found.source_topic + ".dlq", 1, offset), found)


def rendered(renderable: object) -> str:
    console = Console(record=True, width=250)
    console.print(renderable)
    return console.export_text()


# --- ids --------------------------------------------------------------------------------------


def test_an_id_names_the_dlq_topic_partition_and_offset_and_reads_back() -> None:
    parsed = dead.DlqId.parse("claim-coded.dlq:4:1200")
    assert parsed == dead.DlqId("claim-coded.dlq", 4, 1200) and str(parsed) == "claim-coded.dlq:4:1200"


@pytest.mark.parametrize("text", ["claim-coded.dlq", "claim-coded.dlq:4", ":4:5", "t:x:5", "t:4:-5", "t:4:", ""])
def test_a_malformed_id_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a dead-letter id"):
        dead.DlqId.parse(text)


# --- filters ----------------------------------------------------------------------------------


def test_no_filter_matches_everything_and_says_it_was_not_given() -> None:
    assert dead.Filters().matches(letter()) and not dead.Filters().given()


@pytest.mark.parametrize(
    ("filters", "matches"),
    [
        (dead.Filters(topic="encounter-completed"), True),
        (dead.Filters(topic="claim-coded"), False),
        (dead.Filters(service="eligibility"), True),
        (dead.Filters(service="coding"), False),
        (dead.Filters(reason="CONTRACT"), True),
        (dead.Filters(reason="not decodable"), False),
        (dead.Filters(key="acme:E1"), True),
        (dead.Filters(key="acme:E2"), False),
        (dead.Filters(since=AT), True),
        (dead.Filters(since=AT + timedelta(seconds=1)), False),
        (dead.Filters(service="eligibility", reason="json"), False),
    ],
)
def test_each_filter_narrows_the_dead_letters(filters: dead.Filters, matches: bool) -> None:
    assert filters.matches(letter()) is matches and filters.given()


def test_since_is_iso_and_utc_when_it_names_no_zone() -> None:
    assert dead.parse_since("2026-03-02") == datetime(2026, 3, 2, tzinfo=UTC)
    assert dead.parse_since("2026-03-02T10:30:00+01:00") == AT
    with pytest.raises(ValueError):
        dead.parse_since("yesterday")


def test_the_topics_read_are_those_named_else_the_source_topics_else_the_pipelines() -> None:
    assert dead.dlq_topics(dead.Filters(topic="claim-coded"), ["x.dlq", "x.dlq"]) == ["x.dlq"]
    assert dead.dlq_topics(dead.Filters(topic="claim-coded")) == ["claim-coded.dlq"]
    assert dead.dlq_topics(dead.Filters()) == [topic.name + ".dlq" for topic in PIPELINE]


def test_records_that_are_not_dead_letters_are_set_apart_by_id() -> None:
    written = letter()  # sealed with a fresh nonce each time: compare with the one written
    good = dead.Found(dead.DlqId("t.dlq", 0, 0), written.model_dump_json().encode())
    strangers = [dead.Found(dead.DlqId("t.dlq", 0, 1), b"not json"), dead.Found(dead.DlqId("t.dlq", 0, 2), None)]
    letters, others = dead.entries([good, *strangers])
    assert [e.id.offset for e in letters] == [0] and letters[0].letter == written
    assert others == [dead.DlqId("t.dlq", 0, 1), dead.DlqId("t.dlq", 0, 2)]


def test_selection_is_oldest_first_filtered_and_limited() -> None:
    newest, oldest, other = (
        entry(1, failed_at=AT + timedelta(hours=2)),
        entry(2, failed_at=AT),
        entry(3, service="coding", failed_at=AT + timedelta(hours=1)),
    )
    everything = [newest, oldest, other]
    assert dead.select(everything, dead.Filters()) == [oldest, other, newest]
    assert dead.select(everything, dead.Filters(service="eligibility")) == [oldest, newest]
    assert dead.select(everything, dead.Filters(), limit=1) == [oldest]


# --- formatting -------------------------------------------------------------------------------


def test_a_listing_row_has_the_metadata_and_never_the_record() -> None:
    row = dead.list_row(entry())
    assert row == (
        "encounter-completed.dlq:1:7",
        "2026-03-02T09:30:00+00:00",
        "eligibility",
        "encounter-completed@3/7",
        "acme:E1",
        "does not match the EncounterCompleted contract",
        "1",
    )
    text = rendered(dead.list_table([entry(key=None, reason="bad [value]")], 4))
    assert "1 of 4 dead letter(s)" in text and "bad [value]" in text and " - " in text
    assert "Ada" not in text and base64.b64encode(PATIENT).decode()[:20] not in text


def test_show_prints_metadata_errors_and_the_record_decoded() -> None:
    text = rendered(dead.details(entry())) + "".join(rendered(line) for line in dead.show_text(entry()))
    assert "encounter-completed@3/7" in text and "encounter: Field required" in text
    assert '"name": "Ada Lovelace"' in text and f"{len(PATIENT)}" in text


def test_a_record_that_is_not_json_is_shown_as_escaped_text() -> None:
    assert dead.decoded(b"\x00\xffgarbage") == "\x00\\xffgarbage"
    assert json.loads(dead.decoded(b'{"a": [1, 2]}')) == {"a": [1, 2]}


# --- replay plans -----------------------------------------------------------------------------


def test_a_replay_sends_the_raw_bytes_to_the_source_topic_under_the_key_with_a_header() -> None:
    replay = dead.replay_of(entry())
    assert (replay.topic, replay.key, replay.value) == ("encounter-completed", b"acme:E1", PATIENT)
    assert replay.headers == [("telebill-replayed-from", b"encounter-completed.dlq:1:7")]
    assert dead.replay_of(entry(key=None)).key is None


def test_a_replay_with_any_failure_or_missing_id_exits_1() -> None:
    console = Console(record=True, width=200)
    sent = dead.Replayed(sent=[dead.DlqId("t.dlq", 0, 1)])
    assert dead.report_replay(sent, 0, console) == 0
    failed = dead.Replayed(sent=[dead.DlqId("t.dlq", 0, 1)], failed=[(dead.DlqId("t.dlq", 0, 2), "timed out")])
    assert dead.report_replay(failed, 0, console) == 1 and dead.report_replay(sent, 1, console) == 1
    assert "t.dlq:0:2: not replayed (timed out)" in console.export_text()


class Future:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    def get(self, timeout: float) -> None:
        if self.error:
            raise self.error


def test_each_replay_is_counted_by_its_own_acknowledgement() -> None:
    ids = [dead.DlqId("t.dlq", 0, n) for n in range(3)]
    outcome = dead.acknowledged(
        [(ids[0], Future()), (ids[1], Future(KafkaTimeoutError("no ack"))), (ids[2], KafkaTimeoutError("refused"))]
    )
    assert outcome.sent == [ids[0]] and [replay_id for replay_id, _ in outcome.failed] == ids[1:]


# --- the command line, without Kafka ------------------------------------------------------------


def invoke(*args: str, monkeypatch: pytest.MonkeyPatch, bootstrap: str = "127.0.0.1:1") -> tuple[int, str]:
    monkeypatch.setattr(cli, "get_settings", lambda: Settings(kafka_bootstrap=bootstrap))
    result = CliRunner().invoke(cli.app, ["dlq", *args], env={"COLUMNS": "250"})
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "args",
    [
        ["replay"],
        ["replay", "t.dlq:0:1", "--service", "coding"],
        ["replay", "t.dlq:0:1", "--all"],
        ["replay", "not-an-id"],
        ["show", "t.dlq:0"],
        ["list", "--since", "last tuesday"],
        ["list", "--limit", "0"],
    ],
)
def test_bad_arguments_exit_2_before_kafka_is_asked(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[object] = []
    monkeypatch.setattr(dead, "read_topics", lambda *a: asked.append(a))
    monkeypatch.setattr(dead, "read_one", lambda *a: asked.append(a))
    code, _ = invoke(*args, monkeypatch=monkeypatch)
    assert code == 2 and asked == []


def test_list_over_fake_topics_prints_the_table_and_exits_0(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[list[str]] = []

    def read_topics(bootstrap: str, topics: list[str]) -> list[dead.Found]:
        read.append(list(topics))
        return [dead.Found(e.id, e.letter.model_dump_json().encode()) for e in (entry(1), entry(2, service="coding"))]

    monkeypatch.setattr(dead, "read_topics", read_topics)
    code, output = invoke("list", "--service", "coding", monkeypatch=monkeypatch)
    assert code == 0 and read == [[topic.dlq for topic in PIPELINE]]
    assert "encounter-completed.dlq:1:2" in output and "encounter-completed.dlq:1:1" not in output
    assert "Ada" not in output


def stored_letter(bootstrap: str, wanted: dead.DlqId) -> dead.Found:
    return dead.Found(wanted, letter().model_dump_json().encode())


def test_replay_dry_run_prints_the_plan_and_produces_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> dead.Replayed:
        raise AssertionError("a dry run produced")

    monkeypatch.setattr(dead, "read_one", stored_letter)
    monkeypatch.setattr(dead, "produce", fail)
    code, output = invoke("replay", "encounter-completed.dlq:1:7", "--dry-run", monkeypatch=monkeypatch)
    assert code == 0 and "would replay 1 dead letter(s)" in output and "acme:E1" in output


def test_show_raw_writes_only_the_raw_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dead, "read_one", stored_letter)
    monkeypatch.setattr(cli, "get_settings", lambda: Settings(kafka_bootstrap="127.0.0.1:1"))
    result = CliRunner().invoke(cli.app, ["dlq", "show", "t.dlq:0:7", "--raw"])
    assert result.exit_code == 0 and result.stdout_bytes == PATIENT


def test_an_unknown_id_is_one_red_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dead, "read_one", lambda bootstrap, wanted: None)
    code, output = invoke("show", "t.dlq:0:7", monkeypatch=monkeypatch)
    assert (code, output.strip()) == (1, "t.dlq:0:7: no record")


def test_an_unreachable_stack_is_one_line_and_exit_1_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(*args: object) -> list[dead.Found]:
        raise dead.StackUnreachable("Kafka at 127.0.0.1:1 is unreachable: no answer")

    monkeypatch.setattr(dead, "read_topics", unreachable)
    for command in (["list"], ["replay", "--all"]):
        code, output = invoke(*command, monkeypatch=monkeypatch)
        assert (code, output.strip()) == (1, "Kafka at 127.0.0.1:1 is unreachable: no answer")
