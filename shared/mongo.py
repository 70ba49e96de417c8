"""MongoDB helpers. Code stays within what FerretDB 1.x supports: no transactions, change streams,
TTL indexes, $lookup or Decimal128 (money is integer cents)."""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from pymongo import AsyncMongoClient, MongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from shared.concurrency import gather_at_most
from shared.health import COMMANDS
from shared.settings import Settings, get_settings

T = TypeVar("T")
Document = dict[str, Any]
DUPLICATE_KEY = 11000


def client_options(pool: int, timeout_ms: int) -> dict[str, Any]:
    """Bounded and timed: a process never holds more commands open than its pool, and none waits
    forever. FerretDB 1.24 opens at most 100 SQLite connections per database, and a command holding
    some while waiting for more deadlocks it; a dozen processes with pymongo's default pool of 100
    each could get there under an ordinary burst. A command that runs out of time is an outage
    (retried with backoff), never a record's fault."""
    return {
        "tz_aware": True,
        "maxPoolSize": pool,
        "timeoutMS": timeout_ms,
        "serverSelectionTimeoutMS": min(10_000, timeout_ms),
        "event_listeners": [COMMANDS],
        **tls_options(get_settings()),
    }


def tls_options(settings: Settings) -> dict[str, Any]:
    """TLS from certificate files mounted beside the process (the URL may also ask for TLS and carry
    the credentials): a process's database connections all use the same."""
    found: dict[str, Any] = {}
    if settings.mongo_tls_ca_file:
        found |= {"tls": True, "tlsCAFile": str(settings.mongo_tls_ca_file)}
    if settings.mongo_tls_certificate_key_file:
        found |= {"tls": True, "tlsCertificateKeyFile": str(settings.mongo_tls_certificate_key_file)}
    return found


def async_database(settings: Settings, service: str) -> AsyncDatabase[Document]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        settings.mongo_url_for(service), **client_options(settings.mongo_max_pool_size, settings.mongo_timeout_ms)
    )
    return client[settings.database_name(service)]


def sync_database(settings: Settings, service: str) -> Database[Document]:
    url, pool, timeout = settings.mongo_url_for(service), settings.mongo_max_pool_size, settings.mongo_timeout_ms
    return cached_sync_client(url, pool, timeout)[settings.database_name(service)]


def sync_client(settings: Settings) -> MongoClient[Document]:
    """One client (and connection pool) per server for a whole process: clients are expensive."""
    return cached_sync_client(settings.mongo_url, settings.mongo_max_pool_size, settings.mongo_timeout_ms)


@lru_cache(maxsize=8)
def cached_sync_client(url: str, pool: int, timeout_ms: int) -> MongoClient[Document]:
    return MongoClient(url, **client_options(pool, timeout_ms))


# FerretDB 1.24 (SQLite) keeps one pooled SQLite connection open per update statement that matched
# a document until the whole command returns, from a pool of 100: a bulk write of more matched
# updates than that deadlocks the database for good. Commands therefore carry at most this many.
# (Filters are pushed down to SQLite only for `_id` equality, so lookups go by `_id`, one each.)
SAFE_BULK_OPERATIONS = 50
IN_QUERY_IDS = 1000  # ids per `$in` query where the server answers it from the `_id` index


def chunks(items: Sequence[T], size: int = SAFE_BULK_OPERATIONS) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


async def bulk_write_safely(collection: AsyncCollection[Document], operations: Sequence[Any]) -> set[Any]:
    """Run the operations in FerretDB-safe commands; return the `_id`s that were upserted."""
    upserted: set[Any] = set()
    for chunk in chunks(operations):
        result = await collection.bulk_write(list(chunk), ordered=False)
        upserted |= set((result.upserted_ids or {}).values())
    return upserted


async def insert_new(collection: AsyncCollection[Document], docs: Sequence[Document]) -> set[Any]:
    """Insert every document whose `_id` is new (first write wins); return those ids."""
    if not docs:
        return set()
    ids = [doc["_id"] for doc in docs]
    try:
        await collection.insert_many(list(docs), ordered=False)
    except BulkWriteError as error:
        if any(e["code"] != DUPLICATE_KEY for e in error.details["writeErrors"]):
            raise
        return set(ids) - {ids[e["index"]] for e in error.details["writeErrors"]}
    return set(ids)


async def find_by_ids(
    collection: AsyncCollection[Document], ids: Sequence[Any], projection: dict[str, Any] | None = None
) -> dict[Any, Document]:
    """The documents with these `_id`s, in one `$in` query per thousand ids from the `_id` index. On
    FerretDB, which reads every row of the collection for `$in`, one lookup per id instead,
    concurrently up to the connection pool: each of those is an index search."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        return {}
    if await scans_compound_filters(collection.database):
        pool = int(collection.database.client.options.pool_options.max_pool_size)
        found = await gather_at_most((collection.find_one({"_id": key}, projection) for key in unique), pool)
        return {doc["_id"]: doc for doc in found if doc is not None}
    docs: dict[Any, Document] = {}
    for chunk in chunks(unique, IN_QUERY_IDS):
        async for doc in collection.find({"_id": {"$in": list(chunk)}}, projection):
            docs[doc["_id"]] = doc
    return docs


def plan_scans(explained: Mapping[str, Any]) -> bool:
    """Whether an `explain` of a find says the server reads the whole collection: MongoDB's plan
    has a COLLSCAN stage; FerretDB's SQLite backend gives SQLite's own plan lines ("SCAN <table>"
    against "SEARCH <table> USING INDEX ...")."""
    planner = explained.get("queryPlanner", {})
    sqlite_lines = planner.get("Plan")
    if isinstance(sqlite_lines, list):
        return any(str(line).split("detail=", 1)[-1].startswith("SCAN") for line in sqlite_lines)
    return "COLLSCAN" in str(planner.get("winningPlan", {}))


async def scans_compound_filters(database: AsyncDatabase[Document]) -> bool:
    """FerretDB 1.x (it says so in `buildInfo`) pushes only a filter that is exactly `_id` equality
    down to SQLite: `{_id, status}` or `{_id: {$in: ...}}` reads every row of the collection, and is
    evaluated outside the write's transaction anyway. MongoDB answers such a filter from the `_id`
    index, atomically. Asked once per client (per server)."""
    client = database.client
    if client not in SERVER_SCANS:
        SERVER_SCANS[client] = "ferretdbVersion" in await database.command("buildInfo")
    return SERVER_SCANS[client]


# client → whether its server scans for non-`_id` filters; forgotten with the client
SERVER_SCANS: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()
