"""Claims through the real processes: each claim is acknowledged (999, 277CA) and then paid or
denied in the claims service's own records; a payer front-end rejection and a duplicate visit are
stopped and shown on the claims worklist; a replacement claim is filed through the API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from deploy.ops.client import post_events
from shared.mongo import sync_database
from tests.conftest import example
from tests.e2e.conftest import ops_api, renamed
from tests.eventually import eventually

pytestmark = pytest.mark.e2e
FINAL = {"paid", "partially_paid", "denied"}


def api(settings) -> httpx.Client:  # type: ignore[no-untyped-def]
    return ops_api(settings, settings.claims_api_port)


def wait_for(settings, key: str, statuses: set[str], timeout: float = 90) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    claims = sync_database(settings, "claims")["claims"]
    return eventually(
        lambda: claims.find_one({"_id": key}, {"outbox": 0, "claim_coded": 0}),
        lambda doc: doc is not None and doc["status"] in statuses,
        timeout=timeout,
        what=f"{key} reaching {sorted(statuses)}",
    )


def key_of(event: dict) -> str:  # type: ignore[type-arg]
    return f"{event['source']}:{event['encounter']['encounter_id']}"


def test_claims_are_acknowledged_paid_rejected_or_stopped_and_can_be_replaced(pipeline, unique) -> None:  # type: ignore[no-untyped-def]
    paid = renamed(example("02-commercial-audio-only-home.json"), unique)
    refused = renamed(example("02-commercial-audio-only-home.json"), f"{unique}-rej")
    refused["coverage"]["member_id"] = "REJ0000001"  # on the roster; the payer front end refuses it
    twin = renamed(paid, "twin")  # the same visit again under another encounter id
    twin["patient"]["patient_id"] = paid["patient"]["patient_id"]
    assert post_events([paid, refused], settings=pipeline)[0] == 202
    done = wait_for(pipeline, key_of(paid), FINAL)
    with api(pipeline) as client:  # the claim's whole history, with its interchange's 999, comes from the API
        history = client.get(f"/v1/claims/{key_of(paid)}").json()["history"]
    notes = " | ".join(step["note"] for step in history)
    assert "999 accepted" in notes and "277CA A2:20" in notes and "835 trace" in notes
    assert [s["status"] for s in history][:4] == ["created", "scrubbed", "submitted", "acknowledged"]

    assert post_events([twin], settings=pipeline)[0] == 202
    stopped = wait_for(pipeline, key_of(twin), {"scrub_rejected"})
    assert [f["edit"] for f in stopped["findings"]] == ["CLM-DUPLICATE"]
    with api(pipeline) as client:
        listed = client.get("/v1/claims", params={"status": "scrub_rejected", "limit": 1000}).json()["claims"]
        assert key_of(twin) in {c["_id"] for c in listed}
        answer = client.post(f"/v1/claims/{key_of(paid)}/replacement", json={"reason": "wrong level"})
        assert answer.status_code == 201, answer.text
        record = answer.json()["record_id"]
        assert client.get(f"/v1/claims/{key_of(paid)}").json()["status"] == "corrected"
    replacement = wait_for(pipeline, record, {"submitted", "accepted"} | FINAL)
    assert (
        replacement["frequency_code"] == "7"
        and replacement["original_payer_claim_number"] == done["payer_claim_number"]
    )

    rejected = wait_for(pipeline, key_of(refused), {"rejected"})
    assert any("277CA A7:164" in step["note"] for step in rejected["history"])
