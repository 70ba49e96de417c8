"""End to end: the shared examples through the ingest API to posted payments, and poison records
to dead-letter topics while good ones keep flowing."""

from __future__ import annotations

import json

import pytest
from kafka import KafkaProducer

from deploy.ops.client import post_events
from shared.contracts.events import DeadLetter
from shared.mongo import sync_database
from shared.phi.ring import process_ring
from tests.conftest import EXAMPLES, example
from tests.e2e.conftest import renamed

pytestmark = pytest.mark.e2e
VALID = sorted(p.name for p in EXAMPLES.glob("*.json") if int(p.name[:2]) < 90)


def key_of(event: dict) -> str:
    return f"{event['source']}:{event['encounter']['encounter_id']}"


def test_every_valid_example_reaches_payment_posted_with_its_correlation_id(pipeline, watch_factory, unique) -> None:  # type: ignore[no-untyped-def]
    posted = watch_factory("payment-posted")
    events = [renamed(example(name), unique) for name in VALID]
    keys = {key_of(e) for e in events}
    status, body = post_events(events, settings=pipeline)
    assert status == 202, body

    payments = posted.collect(lambda value, _: value["correlation_id"] in keys, len(keys))
    assert {p["correlation_id"] for p in payments} == keys
    for payment in payments:
        assert sum(j["debit_cents"] for j in payment["journal"]) == sum(j["credit_cents"] for j in payment["journal"])
    assert_recorded_by_every_service(pipeline, sorted(keys))


def assert_recorded_by_every_service(settings, keys: list[str]) -> None:  # type: ignore[no-untyped-def]
    by_id = {"eligibility": "encounters", "coding": "coded_encounters", "claims": "claims"}
    for service, collection in by_id.items():
        found = {
            d["_id"] for d in sync_database(settings, service)[collection].find({"_id": {"$in": keys}}, {"_id": 1})
        }
        assert found == set(keys), service
    payments = sync_database(settings, "remittance")["payments"].find({"correlation_id": {"$in": keys}})
    assert {d["correlation_id"] for d in payments} == set(keys)


def test_invalid_example_is_rejected_naming_every_problem_and_produces_nothing(pipeline, watch_factory, unique) -> None:  # type: ignore[no-untyped-def]
    watch = watch_factory("encounter-completed")
    bad = example("90-invalid-several-errors.json")
    bad["encounter"]["encounter_id"] = f"BAD-{unique}"
    status, body = post_events([bad], settings=pipeline)
    assert status == 422
    assert {e["loc"] for e in body["errors"]} == {
        "event_id",
        "encounter.modality",
        "encounter.diagnoses.1",
        "patient.birth_date",
        "unexpected",
    }
    assert watch.collect(lambda value, _: unique in json.dumps(value), 1, timeout=3) == []


def test_garbage_goes_to_the_dead_letter_topic_and_good_events_still_flow(pipeline, watch_factory, unique) -> None:  # type: ignore[no-untyped-def]
    dlq, posted = watch_factory("encounter-completed.dlq"), watch_factory("payment-posted")
    garbage = b"\x00\x01 not an encounter " + unique.encode()
    producer = KafkaProducer(bootstrap_servers=pipeline.kafka_bootstrap, acks="all")
    producer.send("encounter-completed", key=f"garbage:{unique}".encode(), value=garbage).get(timeout=10)
    producer.close()
    good = renamed(example(VALID[0]), unique)
    assert post_events([good], settings=pipeline)[0] == 202

    letters = dlq.collect(lambda value, key: key == f"garbage:{unique}".encode(), 1)
    assert len(letters) == 1
    assert letters[0]["reason"] == "not decodable as JSON"
    assert DeadLetter.model_validate(letters[0]).raw(process_ring().open) == garbage
    assert letters[0]["offset"] >= 0 and letters[0]["source_topic"] == "encounter-completed"
    assert posted.collect(lambda value, _: value["correlation_id"] == key_of(good), 1)


def test_a_redelivered_encounter_makes_one_claim_and_one_payment(pipeline, watch_factory, unique) -> None:  # type: ignore[no-untyped-def]
    """Redelivery may repeat an event (same event_id; consumers are idempotent by key) but never
    makes a second claim, a second submission or a second payment. Ingest itself answers a repeat
    with 200 and sends nothing, so the repeats go onto the topic directly, as a redelivery would."""
    submitted, posted = watch_factory("claim-submitted"), watch_factory("payment-posted")
    event = renamed(example(VALID[1]), unique)
    assert post_events([event], settings=pipeline)[0] == 202
    assert post_events([event], settings=pipeline)[0] == 200
    producer = KafkaProducer(bootstrap_servers=pipeline.kafka_bootstrap, acks="all")
    for _ in range(2):
        producer.send("encounter-completed", key=key_of(event).encode(), value=json.dumps(event).encode())
    producer.flush(timeout=10)
    producer.close()

    def mine(value: dict, _: bytes | None) -> bool:
        return value["correlation_id"] == key_of(event)

    payments = posted.collect(mine, 1)
    assert len(payments) == 1
    # Wait long enough that a second claim or payment would have shown up.
    submissions = submitted.collect(mine, 10, timeout=10)
    payments += posted.collect(mine, 10, timeout=5)
    assert len({s["event_id"] for s in submissions}) == 1
    assert len({s["interchange_control_number"] for s in submissions}) == 1
    assert len({(p["era_trace_number"], p["claim_id"]) for p in payments}) == 1
