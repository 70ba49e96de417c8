"""Write the published contract for downstream accounting: `payment-posted` v1 as JSON Schema.

Run `python -m shared.contracts.publish` after a deliberate change; a test fails while the
committed file and the model differ, so the contract never drifts by accident."""

from __future__ import annotations

import json
from pathlib import Path

from shared.contracts.events import PaymentPosted

PUBLISHED = Path(__file__).resolve().parent / "published"
SCHEMA_FILE = PUBLISHED / "payment-posted.v1.schema.json"


def payment_posted_schema() -> dict:  # type: ignore[type-arg]
    schema = PaymentPosted.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "payment-posted/v1", **schema}


def render() -> str:
    return json.dumps(payment_posted_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(render())
    print(f"wrote {SCHEMA_FILE}")
