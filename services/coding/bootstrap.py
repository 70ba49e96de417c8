"""Composition root of the coding service: the worker's handler and the ops API's use cases."""

from __future__ import annotations

from dataclasses import dataclass

import faust

from services.coding.adapters.icd10 import is_billable
from services.coding.adapters.repository import MongoCodingStore
from services.coding.domain.engine import IsBillableDiagnosis
from services.coding.domain.rules import CodingRules, load_rules
from services.coding.handlers.code_encounters import CodeEncounters
from services.coding.handlers.list_holds import ListHolds
from services.coding.handlers.ports import SERVICE, CodingStorePorts
from services.coding.handlers.resolve_hold import ResolveHold
from shared.messaging import Publisher
from shared.mongo import async_database
from shared.once import once_per_process
from shared.settings import Settings
from shared.streaming import FaustPublisher


def rules_for(settings: Settings | None = None) -> CodingRules:
    """Loaded (and validated) once at start-up: a bad policy file stops the process with its errors."""
    return load_rules(policy_dir=settings.coding_policy_dir if settings else None)


@dataclass(frozen=True)
class Coding:
    """The coding service's use cases: the worker codes, the ops API lists and resolves holds."""

    code: CodeEncounters
    list_holds: ListHolds
    resolve: ResolveHold


def bootstrap(
    store: CodingStorePorts,
    publisher: Publisher,
    is_billable_dx: IsBillableDiagnosis = is_billable,
    rules: CodingRules | None = None,
) -> Coding:
    rules = rules or rules_for()
    return Coding(
        CodeEncounters(store, publisher, rules, is_billable_dx),
        ListHolds(store),
        ResolveHold(store, publisher, rules, is_billable_dx),
    )


@once_per_process
async def build_worker(app: faust.App, settings: Settings) -> Coding:
    """The worker's use case (coding reads its rule files once, here)."""
    store = MongoCodingStore(async_database(settings, SERVICE))
    await store.ensure_indexes()
    return bootstrap(store, FaustPublisher(app), rules=rules_for(settings))


def build_api(settings: Settings, publisher: Publisher) -> Coding:
    return bootstrap(MongoCodingStore(async_database(settings, SERVICE)), publisher, rules=rules_for(settings))
