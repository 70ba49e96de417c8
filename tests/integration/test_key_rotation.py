"""Key rotation on the real server: encounters stored before a rotation (old key) and after it (new
key) both read back whole; a process that lacks the old key says which key id it misses."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from pydantic import ValidationError

from shared.contracts.encounter import EncounterCompleted
from shared.mongo import sync_database
from shared.phi.keyring import KeyRing, new_key_text
from shared.phi.ring import ring_in_use
from shared.settings import Settings
from tests.conftest import example

pytestmark = pytest.mark.integration
OLD, NEW, LOOKUP = (base64.b64decode(new_key_text()) for _ in range(3))


def test_records_sealed_before_and_after_a_rotation_both_read_back(settings: Settings) -> None:
    collection = sync_database(settings, "ingest")[f"rotation_{uuid.uuid4().hex[:8]}"]
    visit = EncounterCompleted.model_validate(example("01-medicare-video-home-established.json"))
    before = KeyRing({"2026-11": OLD}, "2026-11", LOOKUP)
    after = before.rotated_to("2026-12", NEW)
    try:
        with ring_in_use(before):
            collection.insert_one({"_id": "before", "event": visit.model_dump(mode="json")})
        with ring_in_use(after):
            collection.insert_one({"_id": "after", "event": visit.model_dump(mode="json")})
            stored = {doc["_id"]: doc["event"] for doc in collection.find({})}
            assert {key: EncounterCompleted.model_validate(event) for key, event in stored.items()} == {
                "before": visit,
                "after": visit,
            }
        raw = json.dumps(stored)
        assert visit.patient.last_name not in raw and visit.coverage.member_id not in raw
        assert stored["before"]["patient"].startswith("phi1:2026-11:")
        assert stored["after"]["patient"].startswith("phi1:2026-12:")
        without_old = KeyRing({"2026-12": NEW}, "2026-12", LOOKUP)
        with ring_in_use(without_old), pytest.raises(ValidationError, match="key '2026-11', which is not in"):
            EncounterCompleted.model_validate(stored["before"])
    finally:
        collection.drop()
