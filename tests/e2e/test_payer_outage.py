"""A payer outage through the real processes: the clearinghouse stops answering, encounters wait
(listed, none lost), an operator's phone verification completes one, and the rest complete by
themselves once the clearinghouse answers again."""

from __future__ import annotations

import random
import string

import httpx
import pytest

from deploy.clearinghouse.eligibility import Roster
from deploy.ops import processes
from deploy.ops.client import post_events
from tests.conftest import example
from tests.e2e.conftest import ops_api, renamed
from tests.eventually import eventually

pytestmark = pytest.mark.e2e
ROSTER = Roster.load()


def ops(settings) -> httpx.Client:  # type: ignore[no-untyped-def]
    return ops_api(settings, settings.eligibility_api_port)


def fresh_member(rng: random.Random) -> str:
    """A Medicare MBI-shaped member the simulated payer has as active (some synthetic ones are not)."""
    while True:
        member = "1" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=10))
        if (ROSTER.member("MCRTX", member) or {}).get("status") == "active":
            return member


def waiting_now(client: httpx.Client, keys: set[str]) -> set[str]:
    listed = client.get("/v1/waiting", params={"kind": "payer", "limit": 1000}).json()["waiting"]
    return {w["_id"] for w in listed} & keys


def waiting_keys(client: httpx.Client, keys: set[str], timeout: float = 60) -> set[str]:
    return eventually(
        lambda: waiting_now(client, keys), lambda found: found == keys, timeout=timeout, what="all keys waiting"
    )


def test_encounters_wait_out_an_outage_and_none_is_lost(pipeline, watch_factory, unique) -> None:  # type: ignore[no-untyped-def]
    verified, posted = watch_factory("coverage-verified"), watch_factory("payment-posted")
    rng = random.Random(unique)
    events = [renamed(example("01-medicare-video-home-established.json"), f"{unique}-{n}") for n in range(3)]
    for event in events:
        event["coverage"]["member_id"] = fresh_member(rng)
    keys = {f"{e['source']}:{e['encounter']['encounter_id']}" for e in events}
    rt = next(p for p in processes.pipeline_processes(pipeline) if p.name == "clearinghouse-rt")
    processes.stop(pipeline, rt.name)
    try:
        assert post_events(events, settings=pipeline)[0] == 202
        with ops(pipeline) as client:
            assert waiting_keys(client, keys) == keys
            first = verified.collect(lambda value, _: value["correlation_id"] in keys, 3)
            assert {v["verification"]["outcome"] for v in first} == {"needs_manual"}
            assert all("payer unreachable" in v["verification"]["reason"] for v in first)

            phoned = sorted(keys)[0]
            form = {
                "called_at": "2026-03-03T10:05:00Z",
                "payer_representative": "Dana, provider services",
                "call_reference": f"REF-{unique}",
                "covered": True,
                "telehealth_covered": True,
                "copay_cents": 0,
            }
            answer = client.post(f"/v1/encounters/{phoned}/phone-verifications", json=form)
            assert answer.status_code == 201 and answer.json()["verification"]["method"] == "phone"
            assert posted.collect(lambda value, _: value["correlation_id"] == phoned, 1)
            trail = client.get(f"/v1/encounters/{phoned}/verification-trail").json()
            assert [c["evidence"]["call_reference"] for c in trail["phone_calls"]] == [f"REF-{unique}"]
            assert [c["evidence"]["verified_by"] for c in trail["phone_calls"]] == ["dev-admin"]  # the credential
    finally:
        processes.start(pipeline, rt)
        processes.wait_ready(pipeline, rt, 0)

    rest = keys - {phoned}
    payments = posted.collect(lambda value, _: value["correlation_id"] in rest, len(rest), timeout=120)
    assert {p["correlation_id"] for p in payments} == rest
    with ops(pipeline) as client:
        assert waiting_now(client, keys) == set()
        trail = client.get(f"/v1/encounters/{sorted(rest)[0]}/verification-trail").json()
        assert [s["outcome"] for s in trail["steps"]] == ["needs_manual", "covered"]
        assert "ST*271" in trail["payer_exchanges"][0]["response_x12"]
