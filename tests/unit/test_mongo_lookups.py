"""`find_by_ids` reads a batch the way the server answers from its `_id` index: one `$in` query on
MongoDB, one lookup per id on FerretDB (which reads every row for `$in`). A fake client stands in."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from shared.mongo import SERVER_SCANS, find_by_ids


class FakeCursor:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs

    def __aiter__(self) -> FakeCursor:
        return self

    async def __anext__(self) -> dict[str, Any]:
        if not self.docs:
            raise StopAsyncIteration
        return self.docs.pop(0)


class FakeClient:  # hashable, as a real client is: the server's answer is remembered per client
    options = SimpleNamespace(pool_options=SimpleNamespace(max_pool_size=8))


class FakeCollection:
    def __init__(self, server: dict[str, Any], stored: list[str]) -> None:
        client = FakeClient()
        self.database = SimpleNamespace(client=client, command=self.build_info)
        self.server, self.stored, self.queries = server, stored, []  # type: ignore[var-annotated]

    async def build_info(self, name: str) -> dict[str, Any]:
        return self.server

    def find(self, where: dict[str, Any], projection: Any = None) -> FakeCursor:
        self.queries.append(where)
        wanted = where["_id"]["$in"]
        return FakeCursor([{"_id": key} for key in self.stored if key in wanted])

    async def find_one(self, where: dict[str, Any], projection: Any = None) -> dict[str, Any] | None:
        self.queries.append(where)
        return {"_id": where["_id"]} if where["_id"] in self.stored else None


def lookups(server: dict[str, Any], ids: list[str]) -> tuple[set[str], list[dict[str, Any]]]:
    collection = FakeCollection(server, stored=[f"K{n}" for n in range(0, 2500, 2)])
    found = asyncio.run(find_by_ids(collection, ids))  # type: ignore[arg-type]
    assert (collection.database.client in SERVER_SCANS) == bool(ids)  # asked once, then remembered
    return set(found), collection.queries


def test_mongodb_gets_one_in_query_per_thousand_ids() -> None:
    ids = [f"K{n}" for n in range(2500)] + ["K0"]
    found, queries = lookups({"version": "7.0.0"}, ids)
    assert found == {f"K{n}" for n in range(0, 2500, 2)}
    assert [len(q["_id"]["$in"]) for q in queries] == [1000, 1000, 500]


def test_ferretdb_gets_one_index_lookup_per_id() -> None:
    found, queries = lookups({"version": "7.0.42", "ferretdbVersion": "v1.24.2"}, ["K2", "K3", "K2"])
    assert found == {"K2"}
    assert queries == [{"_id": "K2"}, {"_id": "K3"}]


def test_no_ids_no_query() -> None:
    assert lookups({"version": "7.0.0"}, []) == (set(), [])
