"""The audit log: each call that needs a credential is recorded with who, what, why and the outcome;
the chain finds an edited, removed or cut entry."""

from __future__ import annotations

import copy
import hashlib
import hmac
from typing import Any

from fastapi.testclient import TestClient

from services.coding.entrypoints.api import create_app as coding_app
from services.ops.entrypoints.api import create_app as ops_app
from shared.audit.chain import Head, head_after, linked, new_head, problems
from shared.audit.http import PURPOSE_HEADER
from shared.phi.ring import process_ring
from shared.settings import DEV_API_KEYS
from tests.unit.test_coding_api import KEY
from tests.unit.test_coding_api import client as coding_client
from tests.unit.test_ops_api import client as ops_client


def mac(data: bytes) -> str:
    return hmac.new(b"k" * 32, data, hashlib.sha256).hexdigest()


def chain_of(count: int) -> tuple[list[dict[str, Any]], Head]:
    entries, head = [], new_head("claims-api/0")
    for n in range(count):
        entries.append(linked(head, {"who": "j.rivera", "resource": "/v1/claims/{key}", "keys": [f"k{n}"]}, mac))
        head = head_after(entries[-1])
    return entries, head


def test_an_intact_chain_has_no_problems() -> None:
    entries, head = chain_of(5)
    assert problems(entries, head, mac) == []


def test_an_edited_entry_is_found_even_when_its_hash_is_recomputed_without_the_key() -> None:
    entries, head = chain_of(5)
    edited = copy.deepcopy(entries)
    edited[2]["who"] = "someone.else"
    assert problems(edited, head, mac) == ["entry 3 was changed after it was written"]
    edited[2]["hash"] = hashlib.sha256(b"forged").hexdigest()
    assert "entry 3 was changed after it was written" in problems(edited, head, mac)
    assert "entry 4 does not follow entry 3" in problems(edited, head, mac)


def test_a_removed_entry_and_a_cut_end_are_found() -> None:
    entries, head = chain_of(5)
    assert problems(entries[:2] + entries[3:], head, mac) == ["entries 3–3 are missing"]
    assert problems(entries[:4], head, mac) == ["the chain ends at entry 4 but its head says 5: entries were removed"]


def test_each_call_is_recorded_with_the_credentials_name_the_purpose_and_the_outcome() -> None:
    reader = {"Authorization": f"Bearer {DEV_API_KEYS['dev-reader'][0]}"}
    with coding_client() as api:
        api.get(f"/v1/holds/{KEY}", headers=reader | {PURPOSE_HEADER: "payment: appeal review"})
        api.post(f"/v1/holds/{KEY}/resolution", json={}, headers=reader)  # too weak: 403, still recorded
        api.get("/v1/holds")  # no credential
        api.get("/healthz")  # public: not recorded
        log = api.app.state.audit  # type: ignore[attr-defined]
        entries = log.entries
    assert [(e["who"], e["action"], e["resource"], e["keys"], e["outcome"]) for e in entries] == [
        ("dev-reader", "GET", "/v1/holds/{key}", [KEY], 200),
        ("dev-reader", "POST", "/v1/holds/{key}/resolution", [KEY], 403),
        ("(no valid credential)", "GET", "/v1/holds", [], 401),
    ]
    assert entries[0]["purpose"] == "payment: appeal review"
    assert problems(entries, head_after(entries[-1]), log.mac) == []


def test_a_patient_id_searched_for_is_recorded_only_as_its_keyed_hash() -> None:
    admin = {"Authorization": f"Bearer {DEV_API_KEYS['dev-admin'][0]}"}
    with ops_client() as api:
        api.get("/v1/encounters", params={"patient_id": "P-778812", "limit": 5}, headers=admin)
        listed = api.get("/v1/audit", params={"resource": "/v1/encounters"}, headers=admin).json()
    [entry] = listed["entries"]
    assert entry["query"] == {"patient_id": process_ring().lookup("P-778812", "patient_id"), "limit": "5"}
    assert "P-778812" not in str(entry)


def test_only_admins_list_the_audit_log() -> None:
    operator = {"Authorization": f"Bearer {DEV_API_KEYS['dev-operator'][0]}"}
    with TestClient(coding_app(lambda: None)) as api:
        assert api.get("/v1/audit", headers=operator).status_code == 403
    with TestClient(ops_app(lambda: None)) as api:  # type: ignore[arg-type, return-value]
        assert api.get("/v1/audit", headers=operator).status_code == 403


def test_a_platforms_signed_submission_is_recorded_under_its_source_with_the_keys_it_sent() -> None:
    from tests.unit.test_ingest_api import VIDEO, example, world

    with world() as w:
        accepted = w.post(example(VIDEO))
        refused = w.post(example(VIDEO), secret="wrong")
        entries = w.client.app.state.audit.entries  # type: ignore[attr-defined]
    assert (accepted.status_code, refused.status_code) == (202, 401)
    assert [(e["who"], e["resource"], e["keys"], e["outcome"]) for e in entries] == [
        ("platform acme-video", "/v1/encounters", ["acme-video:AV-2026-000101"], 202)
    ]  # an unsigned request names no one: counted in metrics, not audited as a platform's
