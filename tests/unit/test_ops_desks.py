"""The owners' worklists as ops reads them: each owner's answer becomes items with key, age and
reason (never a diagnosis or a member id from the owner's record), and an owner that fails is named."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from services.ops.adapters.desks import OwnerDesks
from services.ops.domain.worklist import OWNER_LISTED

ANSWERS: dict[str, dict[str, Any]] = {
    "/v1/holds": {"count": 1, "holds": [{
        "key": "acme:E1", "encounter_id": "E1", "diagnoses": ["E785", "J4540"], "payer_id": "60054",
        "holds": [{"reason": "em_level_unsupported", "message": "8 min is below the 10 min threshold of 99212"}],
        "held_at": "2026-12-01T23:36:48.565221+00:00",
    }]},
    "/v1/claims": {"count": 1, "claims": [{
        "_id": "acme:E2", "status": "scrub_rejected", "encounter_key": "acme:E2", "claim_id": "TB1",
        "problems": ["CLM-DUPLICATE: line 1: 99213 was already billed"], "since": "2026-12-01T20:00:00+00:00",
    }]},
    "/v1/waiting": {"count": 1, "waiting": [{
        "_id": "acme:E3", "kind": "manual", "payer_id": "87726", "since": "2026-12-01T10:00:00Z",
        "reason": "payer answered AAA 75: subscriber not found",
    }]},
    "/v1/worklists/unmatched": {"count": 1, "unmatched": [{
        "_id": "TRN1:PCN9:1", "trace": "TRN1", "patient_control_number": "PCN9", "paid_cents": 4200,
        "parked_at": "2026-12-01T09:00:00Z",
    }]},
    "/v1/worklists/files": {"count": 1, "files": [{
        "_id": "abc", "file_name": "bad.835", "outcome": "unreadable", "problems": ["truncated ISA"],
        "recorded_at": "2026-12-01T08:00:00Z",
    }]},
}  # fmt: skip


def owners(request: httpx.Request) -> httpx.Response:
    assert request.headers["Authorization"] == "Bearer secret"
    if request.url.path == "/v1/claims" and request.url.params["status"] == "rejected":
        return httpx.Response(503, json={"detail": "database unavailable"})
    return httpx.Response(200, json=ANSWERS[request.url.path])


def read(handler: Any) -> tuple[list[Any], dict[str, str]]:
    desks = OwnerDesks(lambda api: f"http://{api}", "secret", transport=httpx.MockTransport(handler))
    return asyncio.run(desks.items())


def test_each_owner_item_keeps_its_key_age_and_reason_and_nothing_of_the_patient() -> None:
    found, unavailable = read(owners)
    by_kind = {item.kind: item for item in found}
    assert set(by_kind) == {"coding_hold", "scrubber_reject", "coverage_manual", "era_unmatched", "era_file"}
    hold = by_kind["coding_hold"]
    assert (hold.key, hold.detail, hold.since.isoformat()) == (
        "acme:E1", "em_level_unsupported", "2026-12-01T23:36:48.565221+00:00"
    )  # fmt: skip
    assert "E785" not in repr(found) and "J4540" not in repr(found)
    assert by_kind["scrubber_reject"].key == "acme:E2" and "CLM-DUPLICATE" in by_kind["scrubber_reject"].detail
    assert by_kind["coverage_manual"].detail == "payer answered AAA 75: subscriber not found"
    assert by_kind["era_unmatched"].key == "TRN1:PCN9:1" and "4200 cents" in by_kind["era_unmatched"].detail
    assert by_kind["era_file"].detail.startswith("bad.835: unreadable")
    assert unavailable == {"clearinghouse_reject": "claims-api did not answer: HTTPStatusError"}


def test_an_owner_that_cannot_be_reached_is_named_for_every_kind_it_owns() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    found, unavailable = read(refused)
    assert found == [] and set(unavailable) == set(OWNER_LISTED)
