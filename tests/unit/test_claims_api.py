"""The claims API over in-memory adapters: the worklist and a claim with its versions answer with the
fields the stored documents have, every sealed value opened for the reader."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from services.claims.entrypoints.api import create_app
from shared.access import presented_key
from shared.settings import get_settings
from tests.unit.claims_cases import ClaimsWorld, coded, line
from tests.unit.test_claims_lifecycle import ack_277, correction, read

AUTH = {"Authorization": f"Bearer {presented_key(get_settings())}"}
WORKLIST_FIELDS = {"_id", "status", "encounter_key", "claim_id", "frequency_code", "findings", "problems", "since"}


def stored_fields(world: ClaimsWorld, record_id: str) -> set[str]:
    return set(world.stored(record_id)) - {"outbox"}


def test_a_stopped_claim_answers_with_its_findings_opened_on_the_worklist_and_by_key() -> None:
    world = ClaimsWorld()
    world.submit(coded("E2", diagnoses=("E11", "I10")))
    with TestClient(create_app(lambda: world.claims)) as api:
        listed = api.get("/v1/claims", params={"status": "scrub_rejected"}, headers=AUTH).json()
        claim = api.get("/v1/claims/acme-video:E2", headers=AUTH).json()
        assert api.get("/v1/claims", params={"status": "rejected"}, headers=AUTH).json() == {"count": 0, "claims": []}
    [entry] = listed["claims"]
    assert listed["count"] == 1 and set(entry) == WORKLIST_FIELDS
    assert (entry["_id"], entry["status"], entry["since"]) == ("acme-video:E2", "scrub_rejected", world.now.isoformat())
    assert any("E11 is not a billable" in finding["message"] for finding in entry["findings"])
    assert set(claim) == stored_fields(world, "acme-video:E2") | {"version_records"}
    assert (claim["findings"], claim["problems"]) == (entry["findings"], entry["problems"])
    assert claim["version_records"] == [] and claim["replaces"] is None


def test_a_corrected_claim_answers_with_its_replacement_and_the_reason_opened() -> None:
    world = ClaimsWorld()
    world.submit(coded())
    read(world, "a.277", ack_277(world))
    replacing = correction("replacement", lines=[line("99214").model_dump(mode="json")])
    done = world.run(world.claims.correct("acme-video:E1", replacing))
    with TestClient(create_app(lambda: world.claims)) as api:
        claim: dict[str, Any] = api.get("/v1/claims/acme-video:E1", headers=AUTH).json()
    [replacement] = claim["version_records"]
    assert set(claim) == stored_fields(world, "acme-video:E1") | {"version_records"}
    assert set(replacement) == stored_fields(world, done.record_id)
    assert (claim["status"], claim["current"], claim["versions"]) == ("corrected", done.record_id, [done.record_id])
    assert claim["history"][-1]["note"].endswith("by billing.lee: wrong level billed")
    assert (replacement["frequency_code"], replacement["replaces"]) == ("7", "acme-video:E1")
    assert replacement["original_payer_claim_number"] == claim["payer_claim_number"]
