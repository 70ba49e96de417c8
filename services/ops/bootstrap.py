"""Composition root of the ops service."""

from __future__ import annotations

from datetime import UTC, datetime

from services.ops.adapters.broker import KafkaWatch
from services.ops.adapters.desks import OwnerDesks
from services.ops.adapters.repository import MongoTrailStore
from services.ops.handlers import SERVICE, OpsQueries, ProjectFacts, TrailStore
from shared.mongo import async_database
from shared.settings import Settings


def bootstrap(store: TrailStore) -> ProjectFacts:
    return ProjectFacts(store)


async def build_projection(settings: Settings) -> ProjectFacts:
    store = MongoTrailStore(async_database(settings, SERVICE))
    await store.ensure_indexes()
    return bootstrap(store)


async def build_queries(settings: Settings) -> OpsQueries:
    store = MongoTrailStore(async_database(settings, SERVICE))
    await store.ensure_indexes()
    desks = OwnerDesks(settings.api_url, settings.ops_token)
    return OpsQueries(store, desks, KafkaWatch(settings.kafka_bootstrap), lambda: datetime.now(UTC))
