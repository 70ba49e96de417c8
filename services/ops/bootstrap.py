"""Composition root of the ops service."""

from __future__ import annotations

from services.ops.adapters.repository import MongoTrailStore
from services.ops.handlers import SERVICE, ProjectFacts, TrailStore
from shared.mongo import async_database
from shared.settings import Settings


def bootstrap(store: TrailStore) -> ProjectFacts:
    return ProjectFacts(store)


async def build_projection(settings: Settings) -> ProjectFacts:
    store = MongoTrailStore(async_database(settings, SERVICE))
    await store.ensure_indexes()
    return bootstrap(store)
