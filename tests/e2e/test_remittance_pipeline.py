"""Remittance through the real processes: a denied claim is categorised and its appeal packet
carries the eligibility service's evidence (asked through its API); the same 835 again, through
the inbound folder or the upload endpoint, posts nothing new; a payer's reversal reverses every
side of the journal and the claim is paid again."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploy.clearinghouse.adjudicate import denial_bucket, load_fee_rules, reduction_for
from deploy.ops.client import post_events
from services.claims.domain.assemble import patient_control_number
from tests.conftest import example
from tests.e2e.conftest import ops_api, renamed
from tests.eventually import eventually

pytestmark = pytest.mark.e2e
FEES = load_fee_rules()


def api(settings) -> httpx.Client:  # type: ignore[no-untyped-def]
    return ops_api(settings, settings.remittance_api_port)


def encounter_whose_claim(base: dict[str, Any], unique: str, wanted: Callable[[str], bool]) -> dict[str, Any]:
    """The simulated payer denies or reduces by a stable hash of the claim's PCN: pick an encounter
    whose PCN it treats as wanted."""
    for n in count():
        event = renamed(base, f"{unique}-{n}")
        if wanted(patient_control_number(f"{event['source']}:{event['encounter']['encounter_id']}")):
            return event
    raise AssertionError("unreachable")


def denied_encounter(unique: str, carc: str) -> dict[str, Any]:
    def denied_for(pcn: str) -> bool:
        bucket = denial_bucket(pcn, FEES)
        return bucket is not None and bucket.carc == carc

    return encounter_whose_claim(example("01-medicare-video-home-established.json"), unique, denied_for)


def test_a_denial_gets_its_category_and_an_appeal_packet_and_a_second_835_posts_nothing(
    pipeline, watch_factory, unique
) -> None:  # type: ignore[no-untyped-def]
    posted = watch_factory("payment-posted")
    event = denied_encounter(unique, "27")
    key = f"{event['source']}:{event['encounter']['encounter_id']}"
    assert post_events([event], settings=pipeline)[0] == 202
    [payment] = posted.collect(lambda value, _: value["correlation_id"] == key, 1)
    assert payment["claim_status"] == "denied"
    [denial] = payment["denials"]
    assert (denial["reason_code"], denial["category"]) == ("27", "eligibility")
    posting_key = f"{payment['era_trace_number']}:{payment['patient_control_number']}:{payment['status_code']}"

    with api(pipeline) as client:
        packet = client.get(f"/v1/denials/{posting_key}/appeal-packet").json()
        assert packet["encounter_key"] == key and packet["payer_claim_number"] == payment["payer_claim_number"]
        assert packet["eligibility_evidence"]["current"]["outcome"] == "covered"  # verified before the visit
        assert packet["payer_traces"] or packet["eligibility_evidence"]["current"]["reused"]
        listed = client.get("/v1/worklists/denials", params={"limit": 1000}).json()["denials"]
        assert posting_key in {entry["_id"] for entry in listed}

        era = find_posted_835(pipeline, payment["patient_control_number"])
        answer = client.post("/v1/eras", content=era.read_bytes(), headers={"X-File-Name": era.name})
        assert answer.status_code == 200 and answer.json()["outcome"] == "duplicate"
        shutil.copy(era, pipeline.exchange_dir / "inbound" / f"again-{unique}.835")
        assert posted.collect(lambda value, _: value["correlation_id"] == key, 1, timeout=6) == []
        bad = client.post("/v1/eras", content=b"ISA*not an 835", headers={"X-File-Name": "bad.835"})
        assert bad.status_code == 422 and bad.json()["problems"]


def find_posted_835(settings, pcn: str):  # type: ignore[no-untyped-def]
    archive = settings.exchange_dir / "inbound" / "archive" / "posted"

    def carrying() -> Path | None:
        return next((p for p in sorted(archive.glob("*.835"), reverse=True) if f"CLP*{pcn}*" in p.read_text()), None)

    return eventually(carrying, timeout=30, what=f"a posted 835 carrying {pcn}")


def test_a_payer_reversal_reverses_every_side_and_the_claim_is_paid_again(pipeline, watch_factory, unique) -> None:  # type: ignore[no-untyped-def]
    posted = watch_factory("payment-posted")
    base = example("02-commercial-audio-only-home.json")
    base["coverage"]["member_id"] = "REPROC0001"  # the simulated payer reprocesses this member's claims
    event = encounter_whose_claim(
        base, unique, lambda pcn: denial_bucket(pcn, FEES) is None and reduction_for(pcn, FEES) is None
    )
    key = f"{event['source']}:{event['encounter']['encounter_id']}"
    assert post_events([event], settings=pipeline)[0] == 202

    found = posted.collect(lambda value, _: value["correlation_id"] == key, 3, timeout=90)
    assert len(found) == 3, [(p["claim_status"], p["era_trace_number"]) for p in found]
    first, reversal, again = found
    assert [first["claim_status"], reversal["claim_status"]] == ["paid", "reversed"]
    assert again["claim_status"] == "paid" and again["status_code"] == "1"
    assert reversal["payer_claim_number"] == first["payer_claim_number"] != again["payer_claim_number"]
    assert reversal["paid_cents"] == -first["paid_cents"] and again["paid_cents"] > first["paid_cents"]
    for payment in (first, reversal, again):
        assert sum(x["debit_cents"] for x in payment["journal"]) == sum(x["credit_cents"] for x in payment["journal"])
    assert net_by_account(reversal) == {account: -cents for account, cents in net_by_account(first).items()}

    with ops_api(pipeline, pipeline.claims_api_port) as claims:
        record = wait_for_claim(
            claims,
            key,
            lambda doc: doc["status"] == "paid" and doc["payer_claim_number"] == again["payer_claim_number"],
        )
    assert [s["status"] for s in record["history"]][-3:] == ["paid", "reversed", "paid"]


def net_by_account(payment: dict[str, Any]) -> dict[str, int]:
    net: dict[str, int] = {}
    for line in payment["journal"]:
        net[line["account"]] = net.get(line["account"], 0) + line["debit_cents"] - line["credit_cents"]
    return net


def wait_for_claim(client: httpx.Client, key: str, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    return eventually(
        lambda: client.get(f"/v1/claims/{key}").json(),
        lambda doc: "history" in doc and done(doc),
        timeout=30,
        what=f"the claims service following {key}",
    )
