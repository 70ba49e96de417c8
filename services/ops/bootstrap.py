"""Composition root of the ops service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import faust

from services.ops.adapters.broker import KafkaWatch
from services.ops.adapters.desks import OwnerDesks
from services.ops.adapters.remembered import RememberedTrails
from services.ops.adapters.repository import MongoTrailStore
from services.ops.handlers.answer_queries import OpsQueries
from services.ops.handlers.ports import SERVICE, TrailStore
from services.ops.handlers.project_facts import ProjectFacts
from shared.access import presented_key
from shared.mongo import async_database
from shared.once import once_per_process
from shared.settings import Settings


def bootstrap(store: TrailStore) -> ProjectFacts:
    return ProjectFacts(store)


@dataclass(frozen=True)
class Projection:
    """The worker's use case, over the stored trails, remembering the last ones it wrote (the worker
    makes it forget them at every rebalance)."""

    project: ProjectFacts
    remembered: RememberedTrails


@once_per_process
async def build_worker(app: faust.App, settings: Settings) -> Projection:
    store = MongoTrailStore(async_database(settings, SERVICE))
    await store.ensure_indexes()
    remembered = RememberedTrails(store, settings.ops_remembered_trails)
    return Projection(bootstrap(remembered), remembered)


async def build_api(settings: Settings) -> OpsQueries:
    """The API's use cases (made once, when the app starts)."""
    store = MongoTrailStore(async_database(settings, SERVICE))
    await store.ensure_indexes()
    desks = OwnerDesks(settings.api_url, presented_key(settings))
    return OpsQueries(store, desks, KafkaWatch(settings.kafka_bootstrap), lambda: datetime.now(UTC))
