"""MongoDB helpers. Code stays within what FerretDB 1.x supports: no transactions, change streams,
TTL indexes, $lookup or Decimal128 (money is integer cents)."""

from __future__ import annotations

from pymongo import AsyncMongoClient, MongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.database import Database

from shared.settings import Settings


def async_database(settings: Settings, service: str) -> AsyncDatabase:
    client: AsyncMongoClient = AsyncMongoClient(settings.mongo_url, tz_aware=True, serverSelectionTimeoutMS=10_000)
    return client[settings.database_name(service)]


def sync_database(settings: Settings, service: str) -> Database:
    client: MongoClient = MongoClient(settings.mongo_url, tz_aware=True, serverSelectionTimeoutMS=10_000)
    return client[settings.database_name(service)]
