"""Composition root of the coding service."""

from __future__ import annotations

import faust

from services.coding.adapters.icd10 import is_billable
from services.coding.domain.engine import IsBillableDiagnosis
from services.coding.domain.rules import load_rules
from services.coding.handlers import SERVICE, CodeEncounters, CodingStore
from shared.messaging import Publisher
from shared.mongo import async_database
from shared.outbox import OutboxStore
from shared.settings import Settings
from shared.streaming import FaustPublisher


def bootstrap(
    store: CodingStore, publisher: Publisher, is_billable_dx: IsBillableDiagnosis = is_billable
) -> CodeEncounters:
    return CodeEncounters(store, publisher, load_rules(), is_billable_dx)


async def build_worker_handler(app: faust.App, settings: Settings) -> CodeEncounters:
    store = OutboxStore(async_database(settings, SERVICE)["coded_encounters"])
    await store.collection.create_index("status")
    return bootstrap(store, FaustPublisher(app))
