"""Files that cannot be read never block the files behind them, on the real server and real folders:
random bytes named `.999` or `.835` are archived as unreadable with the reason beside them, and the
valid file that follows in name order is read in the same round."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from deploy.clearinghouse.x12_out import render_999
from services.claims.adapters.exchange import ack_inbox
from services.claims.adapters.repository import MongoClaimStore
from services.claims.domain.claim import Envelope
from services.remittance.adapters.inbox import era_inbox
from services.remittance.adapters.repository import MongoRemittanceStore
from services.remittance.bootstrap import bootstrap as remittance_bootstrap
from services.remittance.domain.files import EraFile
from shared.messaging import RecordingPublisher
from shared.mongo import async_database
from tests.unit.claims_cases import claims_over_folders, coded

pytestmark = pytest.mark.integration
ENVELOPE = Envelope("SIMCLEARING", "LONESTARTH", 78, 78, 1, "2026-03-11T08:00:00")


def garbage() -> bytes:
    return b"\xff\xfe\x00" + os.urandom(2048)


def test_a_random_999_is_set_aside_and_the_valid_one_behind_it_is_read(settings, unique, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> dict:  # type: ignore[type-arg]
        db = async_database(settings, f"test_{unique}")
        store = MongoClaimStore(db)
        claims = claims_over_folders(store, tmp_path)
        await claims.submit([coded("P")])
        sent = next((tmp_path / "outbound").glob("*.837")).read_text()
        inbound = tmp_path / "inbound"
        inbound.mkdir()
        (inbound / "a-noise.999").write_bytes(garbage())
        (inbound / "b-real.999").write_text(render_999(sent, ENVELOPE, reject=True))
        await claims.lifecycle.post_inbox(ack_inbox(tmp_path))
        found = (await store.records(["acme-video:P"]))["acme-video:P"]
        await db.client.drop_database(db.name)
        return found

    claim = asyncio.run(scenario())
    archive = tmp_path / "inbound" / "claims-archive"
    assert (archive / "unreadable" / "a-noise.999").exists()
    assert (archive / "unreadable" / "a-noise.999.reason").read_text().strip()
    assert (archive / "processed" / "b-real.999").exists()
    assert claim.status == "rejected"


def test_random_835s_are_archived_as_unreadable_with_the_reason_and_listed(settings, unique, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> list[EraFile]:
        db = async_database(settings, f"test_{unique}")
        posting = remittance_bootstrap(MongoRemittanceStore(db), RecordingPublisher())
        inbound = tmp_path / "inbound"
        inbound.mkdir()
        (inbound / "a-noise.835").write_bytes(garbage())
        (inbound / "b-truncated.835").write_text("ISA*00*          *00*")
        await posting.post_inbox(era_inbox(tmp_path))
        listed = await posting.store.file_worklist(10)
        await db.client.drop_database(db.name)
        return listed

    listed = asyncio.run(scenario())
    archive = tmp_path / "inbound" / "archive" / "unreadable"
    assert sorted(p.name for p in archive.iterdir()) == [
        "a-noise.835",
        "a-noise.835.reason",
        "b-truncated.835",
        "b-truncated.835.reason",
    ]
    assert sorted(entry.file_name for entry in listed) == ["a-noise.835", "b-truncated.835"]
