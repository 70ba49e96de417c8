"""The published contracts: every committed JSON Schema is its model's, the AsyncAPI document covers
the five topics and their dead-letter topics, the worked examples validate against the published
input schema, and a real posted payment validates against the accounting contract."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from shared.contracts.events import PaymentPosted
from shared.contracts.publish import ASYNCAPI_FILE, EXAMPLES, PUBLISHED, rendered, schema_file
from shared.topics import PAYMENT_POSTED, PIPELINE, all_topic_names

SCHEMA_FILE = schema_file(PAYMENT_POSTED)


@pytest.mark.parametrize("path", sorted(rendered()), ids=lambda p: p.name)
def test_each_committed_contract_file_is_what_the_models_say(path) -> None:  # type: ignore[no-untyped-def]
    assert path.read_text() == rendered()[path], "run python -m shared.contracts.publish (a deliberate change)"


def test_the_asyncapi_document_covers_every_topic_and_dead_letter_topic_with_a_schema_that_exists() -> None:
    doc = yaml.safe_load(ASYNCAPI_FILE.read_text())
    addresses = {channel["address"] for channel in doc["channels"].values()}
    assert addresses == set(all_topic_names()) - {"ops.dlq"}
    for message in doc["components"]["messages"].values():
        assert (PUBLISHED / message["payload"]["schema"]["$ref"]).is_file()
    assert doc["channels"]["paymentPosted"]["address"] == "payment-posted"
    assert len(doc["operations"]) == 2 * len(PIPELINE)


def test_the_worked_examples_validate_against_the_published_input_schema_and_the_invalid_one_does_not() -> None:
    schema = json.loads(schema_file(PIPELINE[0]).read_text())
    examples = sorted(EXAMPLES.glob("*.json"))
    valid = [p for p in examples if int(p.name[:2]) < 90]
    assert len(valid) >= 4 and len(examples) > len(valid)
    for path in examples:
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.loads(path.read_text())))
        assert (errors == []) == (path in valid), path.name


def test_a_posted_payment_validates_and_an_unbalanced_journal_is_refused_by_the_model() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    payment = {
        "correlation_id": "acme-video:E1", "causation_id": "c", "claim_id": "TB1", "patient_control_number": "TB1",
        "payer_claim_number": "P1", "era_trace_number": "T1", "claim_status": "paid", "status_code": "1",
        "charge_cents": 15000, "paid_cents": 9000, "patient_responsibility_cents": 2000,
        "adjustments": [{"group_code": "CO", "reason_code": "45", "amount_cents": 4000}],
        "journal": [
            {"account": "cash", "debit_cents": 9000, "credit_cents": 0, "memo": "payer payment"},
            {"account": "contractual_adjustment", "debit_cents": 4000, "credit_cents": 0, "memo": "CO"},
            {"account": "patient_ar", "debit_cents": 2000, "credit_cents": 0, "memo": "PR"},
            {"account": "insurance_ar", "debit_cents": 0, "credit_cents": 15000, "memo": "charge"},
        ],
    }  # fmt: skip
    event = PaymentPosted.model_validate(payment)
    jsonschema.validate(json.loads(event.model_dump_json()), schema)
    payment["journal"][0]["debit_cents"] = 8999
    try:
        PaymentPosted.model_validate(payment)
    except ValueError as error:
        assert "journal does not balance" in str(error)
    else:
        raise AssertionError("an unbalanced journal was accepted")
