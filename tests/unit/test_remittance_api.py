"""The remittance ops API over in-memory adapters: uploads answer with their outcome and every
problem, and the files worklist lists what did not post."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from services.remittance.adapters.memory import InMemoryRemittanceStore
from services.remittance.bootstrap import desk
from services.remittance.entrypoints.api import create_app
from shared.access import presented_key
from shared.messaging import RecordingPublisher
from shared.settings import get_settings
from tests.unit.test_remittance_posting import ERA

AUTH = {"Authorization": f"Bearer {presented_key(get_settings())}"}


class NoEvidence:
    async def trail(self, encounter_key: str) -> dict[str, Any]:
        return {}


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
