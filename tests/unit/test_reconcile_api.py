"""The reconcile endpoints of every service over in-memory adapters: the ops token, per-key
answers read by key, forced re-sends of the stored events, parked 835 claims and their PCNs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from services.claims.entrypoints.api import create_app as claims_app
from services.coding.entrypoints.api import create_app as coding_app
from services.eligibility.adapters.documents import ENCOUNTERS
from services.eligibility.adapters.memory import CallableGateway, InMemoryEligibilityRepository
from services.eligibility.bootstrap import bootstrap as eligibility
from services.eligibility.domain.records import EncounterRecord, Resolution
from services.eligibility.domain.status import EncounterStatus
from services.eligibility.entrypoints.api import create_app as eligibility_app
from services.ingest.adapters.accepted import InMemoryAcceptedStore
from services.ingest.bootstrap import bootstrap as ingest
from services.ingest.domain.idempotency import Accepted
from services.ingest.entrypoints.api import create_app as ingest_app
from services.remittance.adapters.memory import InMemoryRemittanceStore
from services.remittance.bootstrap import desk
from services.remittance.domain.era import ClaimPayment
from services.remittance.entrypoints.api import create_app as remittance_app
from shared.access import presented_key
from shared.contracts.events import ClaimSubmitted, Verification
from shared.messaging import Outgoing, RecordingPublisher
from shared.outbox import Recorded
from shared.settings import Settings, get_settings
from tests.unit.claims_cases import ClaimsWorld, coded
from tests.unit.test_coding_holds import TIME_HELD, desk_with, verified
from tests.unit.test_eligibility import ASKING, encounter
from tests.unit.test_remittance_api import NoEvidence

AUTH = {"Authorization": f"Bearer {presented_key(get_settings())}"}


def by_key(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["key"]: entry for entry in answer["keys"]}


def message(key: str, value: str = "{}") -> Outgoing:
    return Outgoing(topic="coverage-verified", key=key, value=value)


def eligibility_record(key: str, status: str, outcome: str) -> Recorded[EncounterRecord]:
    source, encounter_id = key.split(":")
    visit = encounter(encounter_id).model_copy(update={"source": source})
    found = Verification(
        verification_id=f"v-{encounter_id}",
        outcome=outcome,  # type: ignore[arg-type]
        method="x12_270_271",
        verified_at=datetime(2026, 3, 3, tzinfo=UTC),
        reused=False,
        plan_year=2026,
    )
    return Recorded(key, EncounterRecord(visit, EncounterStatus(status), found), (message(key),))


def eligibility_client() -> tuple[TestClient, RecordingPublisher]:
    repo, publisher = InMemoryEligibilityRepository(), RecordingPublisher()
    records = [
        eligibility_record("s:covered", "verified", "covered"),
        eligibility_record("s:resolved", "waiting_payer", "needs_manual"),
        eligibility_record("s:payer", "waiting_payer", "needs_manual"),
        eligibility_record("s:self", "verified", "self_pay"),
        eligibility_record("s:not", "verified", "not_covered"),
    ]
    asyncio.run(repo.save_and_publish(records, [], RecordingPublisher()))
    answered = eligibility_record("s:resolved", "verified", "covered").record
    resolution = Recorded(
        "s:resolved", Resolution(answered.status, answered.verification), (message("s:resolved", "later"),)
    )
    asyncio.run(repo.resolve_and_publish([resolution], RecordingPublisher()))
    # resolved before resolutions were outbox records: the event is in the record, with no marker
    legacy = eligibility_record("s:legacy", "verified", "covered").record
    stored = ENCOUNTERS.document(legacy) | {"resolution_outbox": [message("s:legacy", "old").model_dump()]}
    repo.encounter_store.docs["s:legacy"] = {"_id": "s:legacy", **stored, "outbox": [message("s:legacy")]}
    service = eligibility(repo, publisher, CallableGateway(lambda x270: ""), ASKING)
    return TestClient(eligibility_app(lambda: service)), publisher


def test_reconcile_routes_need_the_ops_token() -> None:
    api, _ = eligibility_client()
    with api:
        assert api.post("/v1/reconcile", json={"keys": []}).status_code == 401
    with TestClient(claims_app(lambda: ClaimsWorld().claims)) as claims:
        assert claims.post("/v1/reconcile/pcns", json={"pcns": []}).status_code == 401
    with TestClient(ingest_app(lambda: ingest(Settings()))) as ingest_api:
        assert ingest_api.get("/v1/accepted", params={"before": "2026-01-01T00:00:00Z"}).status_code == 401


def test_eligibility_answers_per_key_and_redrives_only_what_should_have_moved_on() -> None:
    api, publisher = eligibility_client()
    keys = ["s:covered", "s:resolved", "s:payer", "s:self", "s:not", "s:legacy", "s:never"]
    with api:
        answer = api.post("/v1/reconcile", json={"keys": keys}, headers=AUTH).json()
        states = {key: (a["known"], a["state"], a["final"]) for key, a in by_key(answer).items()}
        assert states == {
            "s:covered": (True, "verified", False),
            "s:resolved": (True, "verified", False),
            "s:payer": (True, "waiting_payer", True),
            "s:self": (True, "self_pay", True),
            "s:not": (True, "not_covered", True),
            "s:legacy": (True, "verified", False),
            "s:never": (False, "unknown", False),
        }
        assert answer["redriven"] == 0 and publisher.sent == []
        again = api.post("/v1/reconcile", json={"keys": keys, "redrive": True}, headers=AUTH).json()
    assert again["redriven"] == 5
    assert [(m.key, m.value) for m in publisher.sent] == [
        ("s:covered", "{}"),
        ("s:resolved", "{}"),
        ("s:resolved", "later"),  # the resolution after the first verification, on the same partition
        ("s:legacy", "{}"),
        ("s:legacy", "old"),
    ]


def test_more_than_500_keys_is_refused() -> None:
    api, _ = eligibility_client()
    with api:
        assert api.post("/v1/reconcile", json={"keys": ["k"] * 501}, headers=AUTH).status_code == 422


def test_coding_holds_are_final_and_a_coded_encounter_is_resent() -> None:
    held = verified(TIME_HELD)
    clean = verified({"encounter.encounter_id": "E-CLEAN-1"})
    hold_desk, publisher = desk_with(held, clean)
    sent_before = len(publisher.sent)
    keys = [held.correlation_id, clean.correlation_id, "none:such"]
    with TestClient(coding_app(lambda: hold_desk)) as api:
        answer = by_key(api.post("/v1/reconcile", json={"keys": keys, "redrive": True}, headers=AUTH).json())
    assert (answer[held.correlation_id]["state"], answer[held.correlation_id]["final"]) == ("held", True)
    assert (answer[clean.correlation_id]["state"], answer[clean.correlation_id]["final"]) == ("coded", False)
    assert answer["none:such"]["known"] is False
    resent = publisher.sent[sent_before:]
    assert [(m.topic, m.key) for m in resent] == [("claim-coded", clean.correlation_id)]


def test_claims_answer_with_the_pcn_and_resend_claim_submitted() -> None:
    world = ClaimsWorld()
    submitted = world.submit(coded())[0]
    key = submitted.correlation_id
    with TestClient(claims_app(lambda: world.claims)) as api:
        answer = api.post("/v1/reconcile", json={"keys": [key, "x:none"], "redrive": True}, headers=AUTH).json()
        pcns = api.post(
            "/v1/reconcile/pcns", json={"pcns": [submitted.patient_control_number, "TBNOPE"]}, headers=AUTH
        ).json()
    mine = by_key(answer)[key]
    assert (mine["known"], mine["state"], mine["final"]) == (True, "submitted", False)
    assert mine["pcn"] == submitted.patient_control_number
    assert by_key(answer)["x:none"]["known"] is False
    assert answer["redriven"] == 1
    assert ClaimSubmitted.model_validate_json(world.publisher.sent[-1].value).event_id == submitted.event_id
    assert pcns["pcns"] == [
        {"pcn": submitted.patient_control_number, "known": True, "record": key},
        {"pcn": "TBNOPE", "known": False, "record": None},
    ]
    assert pcns["redriven"] == 0


def test_claims_redrive_by_pcn_resends_the_claims_submission() -> None:
    world = ClaimsWorld()
    submitted = world.submit(coded())[0]
    before = len(world.publisher.sent)
    body = {"pcns": [submitted.patient_control_number], "redrive": True}
    with TestClient(claims_app(lambda: world.claims)) as api:
        assert api.post("/v1/reconcile/pcns", json=body, headers=AUTH).json()["redriven"] == 1
    assert [m.topic for m in world.publisher.sent[before:]] == ["claim-submitted"]


def test_remittance_knows_expected_claims_by_their_pcn_and_lists_parked_ones() -> None:
    world = ClaimsWorld()
    submitted = world.submit(coded())[0]
    store = InMemoryRemittanceStore()
    asyncio.run(store.save_expected([submitted]))
    asyncio.run(store.park_unmatched("t", [ClaimPayment("TBX", "1", 10000, 0, 0, "P1")]))
    key = submitted.correlation_id
    body = {"keys": [key, "x:none"], "pcns": {key: submitted.patient_control_number}}
    with TestClient(remittance_app(lambda: desk(store, RecordingPublisher(), NoEvidence()))) as api:
        answer = by_key(api.post("/v1/reconcile", json=body, headers=AUTH).json())
        parked = api.get("/v1/reconcile/parked", headers=AUTH).json()
    assert (answer[key]["known"], answer[key]["state"], answer[key]["final"]) == (True, "awaiting_payment", False)
    assert answer["x:none"]["known"] is False
    assert parked == {"count": 1, "parked": [{"id": "t:TBX:1", "trace": "t", "patient_control_number": "TBX"}]}


def test_ingest_lists_keys_accepted_before_a_time_oldest_first() -> None:
    store, now = InMemoryAcceptedStore(), datetime(2026, 3, 10, 12, tzinfo=UTC)
    for key, minutes_ago in (("s:new", 1), ("s:old", 30), ("s:older", 60)):
        store.docs[key] = Accepted(key, "digest", "event", now - timedelta(minutes=minutes_ago))
    with TestClient(ingest_app(lambda: ingest(Settings(), store=store))) as api:
        listed = api.get("/v1/accepted", params={"before": (now - timedelta(minutes=10)).isoformat()}, headers=AUTH)
        limited = api.get("/v1/accepted", params={"before": now.isoformat(), "limit": 1}, headers=AUTH)
        naive = api.get("/v1/accepted", params={"before": "2026-03-10T12:00:00"}, headers=AUTH)
    assert listed.json() == {"count": 2, "keys": ["s:older", "s:old"]}
    assert limited.json()["keys"] == ["s:older"]
    assert naive.status_code == 422
