"""The one query shape the hot paths use, a lookup by text `_id`, is an index search on the real
server with 50,000 documents stored; the plan check itself can fail (a numeric `_id` on FerretDB)."""

from __future__ import annotations

import pytest

from shared.mongo import plan_scans, sync_client
from tests.waiting import eventually

pytestmark = pytest.mark.integration
STORED = 50_000


@pytest.fixture(scope="module")
def crowded(settings):  # type: ignore[no-untyped-def]
    """Two collections of 50,000 small documents each: text ids and numeric ids."""
    client = sync_client(settings)
    name = f"{settings.db_prefix}_test_plans"
    client.drop_database(name)
    db = client[name]
    for collection, key in (("text_ids", lambda n: f"K{n:06d}"), ("numeric_ids", lambda n: n)):
        docs = [{"_id": key(n), "status": "paid", "n": n} for n in range(STORED)]
        for start in range(0, STORED, 1000):
            db[collection].insert_many(docs[start : start + 1000], ordered=False)
    yield db
    client.drop_database(name)


def explain(db, collection: str, where: dict) -> dict:  # type: ignore[no-untyped-def]
    return db.command("explain", {"find": collection, "filter": where}, verbosity="queryPlanner")


def test_a_lookup_by_text_id_searches_the_index_among_50000_documents(crowded) -> None:  # type: ignore[no-untyped-def]
    assert crowded["text_ids"].estimated_document_count() == STORED

    # The local FerretDB's wrapper adds the `_id` index to a new table within a round of its own (2 s).
    # SQLite's EXPLAIN QUERY PLAN answers from the connection's cached schema and never checks it is
    # current (a real statement does, and re-plans), so each round looks the document up before asking
    # for the plan: the plan is then the one the lookup itself used.
    def looked_up_through_the_index() -> bool:
        found = crowded["text_ids"].find_one({"_id": "K025000"}, {"n": 1})
        assert found == {"_id": "K025000", "n": 25000}
        return not plan_scans(explain(crowded, "text_ids", {"_id": "K025000"}))

    eventually(looked_up_through_the_index, 30, "an index search")


def test_the_plan_check_sees_a_scan_where_the_server_does_one(crowded) -> None:  # type: ignore[no-untyped-def]
    assert plan_scans(explain(crowded, "text_ids", {"status": "paid"}))  # no index on status: every server scans
    if "ferretdbVersion" in crowded.command("buildInfo"):  # FerretDB: only text and ObjectId ids use the index
        assert plan_scans(explain(crowded, "numeric_ids", {"_id": 25000}))
