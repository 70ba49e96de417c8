"""The coding ops API over in-memory adapters: auth, the worklist, resolution status codes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.coding.entrypoints.api import create_app
from shared.access import presented_key
from shared.settings import get_settings
from tests.unit.test_coding_holds import TIME_HELD, desk_with, verified

EVENT = verified(TIME_HELD)
KEY = EVENT.correlation_id
AUTH = {"Authorization": f"Bearer {presented_key(get_settings())}"}
RIGHT = {
    "note": "25 min in the note body",
    "place_of_service": "10",
    "lines": [{"code": "99213", "modifiers": ["95"], "diagnosis_pointers": [1, 2]}],
}


def client() -> TestClient:
    desk, _ = desk_with(EVENT)
    return TestClient(create_app(lambda: desk))


def test_every_holds_route_needs_the_ops_token() -> None:
    with client() as api:
        assert api.get("/v1/holds").status_code == 401
        assert api.get("/v1/holds", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert api.post(f"/v1/holds/{KEY}/resolution", json=RIGHT).status_code == 401
        assert api.get("/healthz").status_code == 200


def test_the_worklist_lists_and_fetches_holds() -> None:
    with client() as api:
        listed = api.get("/v1/holds", headers=AUTH).json()
        assert listed["count"] == 1 and listed["holds"][0]["key"] == KEY
        assert api.get(f"/v1/holds/{KEY}", headers=AUTH).json()["holds"][0]["reason"] == "em_level_unsupported"
        assert api.get("/v1/holds/none:such", headers=AUTH).status_code == 404
        assert api.get("/v1/holds", params={"limit": 0}, headers=AUTH).status_code == 422


def test_resolution_status_codes() -> None:
    with client() as api:
        malformed = api.post(f"/v1/holds/{KEY}/resolution", json={"operator": "x", "lines": []}, headers=AUTH)
        assert malformed.status_code == 422
        assert {e["loc"][-1] for e in malformed.json()["detail"]} >= {"operator", "note", "place_of_service", "lines"}
        assert "extra" in next(e["type"] for e in malformed.json()["detail"] if e["loc"][-1] == "operator")
        wrong = RIGHT | {"place_of_service": "02"}
        assert api.post(f"/v1/holds/{KEY}/resolution", json=wrong, headers=AUTH).status_code == 422
        assert api.post("/v1/holds/none:such/resolution", json=RIGHT, headers=AUTH).status_code == 404
        resolved = api.post(f"/v1/holds/{KEY}/resolution", json=RIGHT, headers=AUTH)
        assert resolved.status_code == 201 and resolved.json()["resolution"]["operator"] == "dev-admin"
        again = api.post(f"/v1/holds/{KEY}/resolution", json=RIGHT, headers=AUTH)
        assert again.status_code == 200 and again.json()["status"] == "already_resolved"
