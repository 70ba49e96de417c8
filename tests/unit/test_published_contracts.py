"""The contract downstream accounting consumes: the committed JSON Schema is the model's, the
AsyncAPI document points at it, and a real posted payment validates against it."""

from __future__ import annotations

import json

import jsonschema
import yaml

from shared.contracts.events import PaymentPosted
from shared.contracts.publish import PUBLISHED, SCHEMA_FILE, render


def test_the_committed_schema_is_the_models_schema() -> None:
    assert SCHEMA_FILE.read_text() == render(), "run: python -m shared.contracts.publish (a deliberate contract change)"


def test_the_asyncapi_document_describes_the_topic_and_its_schema() -> None:
    doc = yaml.safe_load((PUBLISHED / "asyncapi.yaml").read_text())
    assert doc["channels"]["paymentPosted"]["address"] == "payment-posted"
    assert (
        doc["components"]["messages"]["paymentPosted"]["payload"]["schema"]["$ref"] == "./payment-posted.v1.schema.json"
    )


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
