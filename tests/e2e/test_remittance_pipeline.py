"""Remittance through the real processes: a denied claim is categorised and its appeal packet
carries the eligibility service's evidence (asked through its API); the same 835 again, through
the inbound folder or the upload endpoint, posts nothing new."""

from __future__ import annotations

import json
import shutil
import time
from itertools import count

import httpx
import pytest

from deploy.clearinghouse.adjudicate import PAYER_FEES_PATH, denial_bucket, fee_rules_from_dict
from deploy.ops.client import post_events
from services.claims.domain.assemble import patient_control_number
from tests.conftest import example
from tests.e2e.conftest import renamed

pytestmark = pytest.mark.e2e
FEES = fee_rules_from_dict(json.loads(PAYER_FEES_PATH.read_text()))


def api(settings) -> httpx.Client:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {settings.ops_token}"}
    return httpx.Client(
        base_url=f"http://{settings.ingest_host}:{settings.remittance_api_port}", headers=headers, timeout=15
    )


def denied_encounter(unique: str, carc: str) -> dict:  # type: ignore[type-arg]
    """The simulated payer denies by a stable hash of the claim's PCN: pick an encounter it denies."""
    base = example("01-medicare-video-home-established.json")
    for n in count():
        event = renamed(base, f"{unique}-{n}")
        pcn = patient_control_number(f"{event['source']}:{event['encounter']['encounter_id']}")
        bucket = denial_bucket(pcn, FEES)
        if bucket and bucket.carc == carc:
            return event
    raise AssertionError("unreachable")


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
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for path in sorted(archive.glob("*.835"), reverse=True):
            if f"CLP*{pcn}*" in path.read_text():
                return path
        time.sleep(0.5)
    raise AssertionError(f"no posted 835 carries {pcn}")
