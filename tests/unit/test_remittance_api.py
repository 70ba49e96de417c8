"""The remittance ops API over in-memory adapters: uploads answer with their outcome and every
problem, the files worklist lists what did not post, the denials and underpayments worklists list
what to follow up, and a denial's appeal packet carries the eligibility evidence."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from pydantic import JsonValue

from services.remittance.adapters.evidence import StaticEvidence
from services.remittance.adapters.memory import InMemoryRemittanceStore
from services.remittance.bootstrap import desk
from services.remittance.domain.appeal import EligibilityTrail
from services.remittance.entrypoints.api import create_app
from shared.access import presented_key
from shared.messaging import RecordingPublisher
from shared.settings import get_settings
from tests.unit.test_remittance_posting import ERA, PCNS, submitted

AUTH = {"Authorization": f"Bearer {presented_key(get_settings())}"}


class NoEvidence:
    async def trail(self, encounter_key: str) -> EligibilityTrail:
        return EligibilityTrail({})


def client() -> TestClient:
    return TestClient(create_app(lambda: desk(InMemoryRemittanceStore(), RecordingPublisher(), NoEvidence())))


def upload(api: TestClient, name: str, text: str) -> Any:
    return api.post("/v1/eras", content=text.encode(), headers=AUTH | {"X-File-Name": name})


def test_uploads_that_do_not_post_are_refused_with_their_problems_and_listed_oldest_first() -> None:
    with client() as api:
        unreadable = upload(api, "bad-group.835", ERA.replace("CAS*PR*1*300.00", "CAS*XX*1*300.00"))
        unbalanced = upload(api, "short.835", ERA.replace("BPR*I*945.00*", "BPR*I*944.00*"))
        assert (unreadable.status_code, unreadable.json()["outcome"]) == (422, "unreadable")
        assert "CAS01 'XX'" in unreadable.json()["problems"][0]
        assert (unbalanced.status_code, unbalanced.json()["outcome"]) == (422, "unbalanced")
        assert upload(api, "good.835", ERA).status_code == 201

        listed = api.get("/v1/worklists/files", headers=AUTH).json()
        assert listed["count"] == 2
        assert [(f["file_name"], f["outcome"]) for f in listed["files"]] == [
            ("bad-group.835", "unreadable"),
            ("short.835", "unbalanced"),
        ]
        assert listed["files"][1]["problems"] == [
            "7170066655: BPR02 94400 != ΣCLP04 94500 − ΣPLB 0 (difference -100 cents)"
        ]


def test_the_worklists_need_the_ops_token() -> None:
    with client() as api:
        assert api.get("/v1/worklists/files").status_code == 401
        assert api.get("/v1/worklists/nothing", headers=AUTH).status_code == 422


# The ERA with its first claim denied (CO-27, coverage terminated) and its second paid 95.00 where
# the commercial contract allows 118.30 for 99213.
DENIED_AND_SHORT = (
    ERA.replace("BPR*I*945.00*", "BPR*I*95.00*")
    .replace("CLP*5554555444*1*800.00*450.00*300.00*", "CLP*5554555444*4*800.00*0*0*")
    .replace("SVC*HC:99213*800.00*450.00**1", "SVC*HC:99213*800.00*0**1")
    .replace("CAS*PR*1*300.00~CAS*CO*45*50.00", "CAS*CO*27*800.00")
    .replace("CLP*8765432112*1*1200.00*495.00*", "CLP*8765432112*1*1200.00*95.00*")
    .replace("SVC*HC:99213*1200.00*495.00**1", "SVC*HC:99213*1200.00*95.00**1")
    .replace("CAS*CO*45*705.00", "CAS*CO*45*1105.00")
)
TRAIL: dict[str, JsonValue] = {
    "key": "acme:5554555444",
    "current": {"outcome": "covered"},
    "phone_calls": [{"method": "phone", "evidence": {"call_reference": "REF-1"}}],
    "payer_exchanges": [{"method": "x12_270_271", "evidence": {"trace_number": "TRN-9"}}, {"evidence": None}],
}
POSTED = ["_id", "correlation_id", "claim_id", "payer_claim_number", "era_trace_number", "claim_status", "posted_at"]


def posted_client() -> TestClient:
    evidence = StaticEvidence({"acme:5554555444": TRAIL})
    service = desk(InMemoryRemittanceStore(), RecordingPublisher(), evidence, lambda: datetime(2026, 3, 9, tzinfo=UTC))
    asyncio.run(service.posting.record_submissions([submitted(pcn, charge) for pcn, charge in PCNS.items()]))
    return TestClient(create_app(lambda: service))


def test_a_denial_and_an_underpaid_line_are_listed_for_follow_up_with_the_posting_they_belong_to() -> None:
    with posted_client() as api:
        assert upload(api, "mixed.835", DENIED_AND_SHORT).status_code == 201
        denials = api.get("/v1/worklists/denials", headers=AUTH).json()
        underpayments = api.get("/v1/worklists/underpayments", headers=AUTH).json()

    [denied] = denials["denials"]
    assert denials["count"] == 1 and list(denied) == [*POSTED, "denials"]
    assert (denied["_id"], denied["correlation_id"], denied["claim_status"], denied["posted_at"]) == (
        "7170066655:5554555444:4",
        "acme:5554555444",
        "denied",
        "2026-03-09T00:00:00+00:00",
    )
    assert [(d["reason_code"], d["category"], d["amount_cents"]) for d in denied["denials"]] == [
        ("27", "eligibility", 80000)
    ]
    [short] = underpayments["underpayments"]
    assert underpayments["count"] == 1 and list(short) == [*POSTED, "underpaid_lines"]
    assert (short["_id"], short["payer_claim_number"], short["claim_status"]) == (
        "7170066655:8765432112:1",
        "94060555410001",
        "paid",
    )
    assert [(u["code"], u["expected_allowed_cents"], u["allowed_cents"]) for u in short["underpaid_lines"]] == [
        ("99213", 11830, 9500)
    ]


def test_a_denials_appeal_packet_carries_the_eligibility_trail_and_the_references_an_appeal_cites() -> None:
    with posted_client() as api:
        upload(api, "mixed.835", DENIED_AND_SHORT)
        packet = api.get("/v1/denials/7170066655:5554555444:4/appeal-packet", headers=AUTH).json()
        paid = api.get("/v1/denials/7170066655:8765432112:1/appeal-packet", headers=AUTH)

    assert {key: packet[key] for key in ("posting_key", "encounter_key", "claim_id", "claim_status")} == {
        "posting_key": "7170066655:5554555444:4",
        "encounter_key": "acme:5554555444",
        "claim_id": "5554555444",
        "claim_status": "denied",
    }
    assert (packet["charge_cents"], packet["paid_cents"], packet["payer_claim_number"]) == (80000, 0, "94060555410000")
    assert [d["reason_code"] for d in packet["denials"]] == ["27"]
    assert packet["eligibility_evidence"] == TRAIL
    assert (packet["call_references"], packet["payer_traces"]) == (["REF-1"], ["TRN-9"])
    assert paid.status_code == 404  # paid, not denied: nothing to appeal


def test_an_unavailable_eligibility_trail_says_why_and_cites_nothing() -> None:
    trail = asyncio.run(StaticEvidence().trail("acme:E9"))
    assert (trail.answer, trail.call_references, trail.payer_traces) == (
        {"unavailable": "no trail for acme:E9"},
        (),
        (),
    )
