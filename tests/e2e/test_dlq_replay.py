"""A dead letter whose record is valid now (dead-lettered by a handler bug since fixed) is replayed
with `telebill dlq replay` and flows through the pipeline once; replaying it again changes nothing."""

from __future__ import annotations

import json

from kafka import KafkaProducer
from typer.testing import CliRunner

from deploy.ops.cli import app
from shared.contracts.envelope import utc_now
from shared.contracts.events import DeadLetter
from shared.phi.ring import process_ring
from shared.topics import ENCOUNTER_COMPLETED
from tests.conftest import example
from tests.e2e.conftest import renamed


def dead_letter_of(event: dict, key: str) -> DeadLetter:
    return DeadLetter.sealing(
        json.dumps(event).encode(),
        process_ring().seal,
        source_topic=ENCOUNTER_COMPLETED.name,
        partition=0,
        offset=0,
        key=key,
        reason="handler failed: RuntimeError",
        errors=["a bug since fixed", "raised in handlers.py:1 (verify)"],
        service="eligibility",
        failed_at=utc_now(),
    )


def test_a_replayed_dead_letter_that_is_valid_now_flows_through_once(pipeline, watch_factory, unique) -> None:  # type: ignore[no-untyped-def]
    event = renamed(example("01-medicare-video-home-established.json"), unique)
    key = f"{event['source']}:{event['encounter']['encounter_id']}"
    submitted, posted = watch_factory("claim-submitted"), watch_factory("payment-posted")
    producer = KafkaProducer(bootstrap_servers=pipeline.kafka_bootstrap, acks="all")
    letter = dead_letter_of(event, key)
    producer.send(ENCOUNTER_COMPLETED.dlq, key=key.encode(), value=letter.model_dump_json().encode()).get(timeout=10)
    producer.close()

    listed = CliRunner().invoke(app, ["dlq", "list", "--key", key])
    assert listed.exit_code == 0 and "a bug since fixed" not in listed.output
    first = CliRunner().invoke(app, ["dlq", "replay", "--key", key])
    assert first.exit_code == 0, first.output

    def mine(value: dict, _: bytes | None) -> bool:
        return value["correlation_id"] == key

    payments = posted.collect(mine, 1)
    assert len(payments) == 1
    again = CliRunner().invoke(app, ["dlq", "replay", "--key", key])
    assert again.exit_code == 0, again.output
    submissions = submitted.collect(mine, 10, timeout=10)
    payments += posted.collect(mine, 10, timeout=5)
    assert len({s["interchange_control_number"] for s in submissions}) == 1
    assert len({(p["era_trace_number"], p["claim_id"]) for p in payments}) == 1
