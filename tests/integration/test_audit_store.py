"""The audit log on the real server: entries written through the API verify; an entry edited in the
database, or the last one deleted, is found by `telebill audit verify`."""

from __future__ import annotations

import asyncio
import io
import uuid

import pytest
from rich.console import Console

from deploy.ops.audit import chain_report, verify
from shared.audit.log import ENTRIES, MongoAuditLog, chain_mac
from shared.mongo import async_database, sync_database
from shared.phi.ring import ring_from
from shared.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def isolated(settings: Settings) -> Settings:  # type: ignore[misc]
    isolated = settings.model_copy(update={"db_prefix": f"audit_{uuid.uuid4().hex[:8]}"})
    yield isolated
    sync_database(isolated, "claims").client.drop_database(isolated.database_name("claims"))


def write(settings: Settings, count: int) -> None:
    async def appended() -> None:
        database = async_database(settings, "claims")
        log = MongoAuditLog(database, "claims-api/0", chain_mac(ring_from(settings)))
        for n in range(count):
            await log.append({"at": f"2026-12-02T09:00:0{n}.000+00:00", "who": "j.rivera", "keys": [f"k{n}"]})
        await database.client.close()

    asyncio.run(appended())


def test_a_chain_written_in_two_runs_of_the_api_verifies(isolated: Settings) -> None:
    write(isolated, 3)
    write(isolated, 2)  # a restarted API continues its chain from the stored head
    assert chain_report(isolated, "claims") == [("claims-api/0", 5, [])]
    assert verify(isolated, Console(file=io.StringIO()), ("claims",)) == 0


def test_an_edited_or_deleted_entry_is_found(isolated: Settings) -> None:
    write(isolated, 4)
    entries = sync_database(isolated, "claims")[ENTRIES]
    entries.update_one({"_id": "claims-api/0:000000000002"}, {"$set": {"who": "someone.else"}})
    entries.delete_one({"_id": "claims-api/0:000000000004"})
    [(chain, count, found)] = chain_report(isolated, "claims")
    assert found == [
        "entry 2 was changed after it was written",
        "the chain ends at entry 3 but its head says 4: entries were removed",
    ]
    printed = io.StringIO()
    assert verify(isolated, Console(file=printed, width=200), ("claims",)) == 1
    assert "entry 2 was changed" in printed.getvalue()
