"""Every API counts its requests by route template and status, and times them; a key in the path
(it can name a patient) never becomes a label."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from services.remittance.adapters.memory import InMemoryRemittanceStore
from services.remittance.bootstrap import desk
from services.remittance.entrypoints.api import create_app
from shared.access import presented_key
from shared.messaging import RecordingPublisher
from shared.settings import get_settings
from tests.unit.test_remittance_api import NoEvidence

AUTH = {"Authorization": f"Bearer {presented_key(get_settings())}"}


def requests_counted(api: TestClient) -> dict[tuple[str, str, str], float]:
    text = api.get("/metrics/").text
    return {
        (s.labels["method"], s.labels["route"], s.labels["status"]): s.value
        for family in text_string_to_metric_families(text)
        if family.name == "telebill_http_requests"
        for s in family.samples
        if s.name.endswith("_total") and s.labels["api"] == "telebill remittance"
    }


def test_requests_are_counted_by_route_template_and_status() -> None:
    with TestClient(create_app(lambda: desk(InMemoryRemittanceStore(), RecordingPublisher(), NoEvidence()))) as api:
        before = requests_counted(api)
        assert api.get("/v1/denials/TRN1:PATIENT-SMITH:4/appeal-packet", headers=AUTH).status_code == 404
        assert api.get("/v1/worklists/denials", headers=AUTH).status_code == 200
        assert api.get("/v1/worklists/denials").status_code == 401
        after = requests_counted(api)

    grew = {labels: n - before.get(labels, 0) for labels, n in after.items() if n != before.get(labels, 0)}
    assert grew == {
        ("GET", "/metrics", "200"): 1,  # the first look at them
        ("GET", "/v1/denials/{posting_key}/appeal-packet", "404"): 1,
        ("GET", "/v1/worklists/{name}", "200"): 1,
        ("GET", "/v1/worklists/{name}", "401"): 1,
    }
    assert not any("SMITH" in route for _, route, _ in after)
