"""A held encounter through the real processes: listed by the coding ops API, refused when the
codes are wrong, resolved into `claim-coded`, and paid like any other claim."""

from __future__ import annotations

import httpx
import pytest

from deploy.ops.client import post_events
from tests.conftest import example
from tests.e2e.conftest import ops_api, renamed
from tests.eventually import eventually

pytestmark = pytest.mark.e2e


def ops(settings) -> httpx.Client:  # type: ignore[no-untyped-def]
    return ops_api(settings, settings.coding_api_port)


def wait_for_hold(client: httpx.Client, key: str, timeout: float = 60) -> dict:
    def listed() -> dict | None:  # type: ignore[type-arg]
        holds = client.get("/v1/holds", params={"limit": 50, "order": "newest"}).json()["holds"]
        return next((h for h in holds if h["key"] == key), None)

    return eventually(listed, timeout=timeout, what=f"{key} listed as held")  # type: ignore[return-value]


def test_a_held_encounter_is_listed_resolved_by_an_operator_and_paid(pipeline, watch_factory, unique) -> None:  # type: ignore[no-untyped-def]
    coded, posted = watch_factory("claim-coded"), watch_factory("payment-posted")
    event = renamed(example("01-medicare-video-home-established.json"), unique)
    event["encounter"]["time_documented"] = False
    key = f"{event['source']}:{event['encounter']['encounter_id']}"
    assert post_events([event], settings=pipeline)[0] == 202

    with ops(pipeline) as client:
        hold = wait_for_hold(client, key)
        assert [h["reason"] for h in hold["holds"]] == ["em_level_unsupported"]
        assert client.get(f"/v1/holds/{key}").json() == hold
        assert client.get("/v1/holds", headers={"Authorization": "Bearer wrong"}).status_code == 401

        wrong = {
            "note": "re-read note",
            "place_of_service": "02",
            "lines": [{"code": "98005", "modifiers": ["95"], "diagnosis_pointers": [1, 5]}],
        }
        refused = client.post(f"/v1/holds/{key}/resolution", json=wrong)
        assert refused.status_code == 422
        assert len(refused.json()["errors"]) == 3  # 98xxx to Medicare, pointer 5, POS 02 for a home visit

        right = wrong | {
            "place_of_service": "10",
            "lines": [{"code": "99213", "modifiers": ["95"], "diagnosis_pointers": [1, 2]}],
        }
        assert client.post(f"/v1/holds/{key}/resolution", json=right).status_code == 201
        assert client.post(f"/v1/holds/{key}/resolution", json=right).status_code == 200
        assert client.get(f"/v1/holds/{key}").status_code == 404
        assert key not in {h["key"] for h in client.get("/v1/holds", params={"order": "newest"}).json()["holds"]}

    claim = coded.collect(lambda value, _: value["correlation_id"] == key, 1)[0]
    assert [(line["code"], line["rule"]) for line in claim["lines"]] == [("99213", "operator-resolution")]
    assert posted.collect(lambda value, _: value["correlation_id"] == key, 1)
