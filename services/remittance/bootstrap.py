"""Composition root of the remittance service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import faust

from services.remittance.adapters.repository import MongoRemittanceStore
from services.remittance.domain.posting import load_posting_rules
from services.remittance.handlers import SERVICE, RemittancePosting, RemittanceStore
from shared.contracts.envelope import utc_now
from shared.messaging import Publisher
from shared.mongo import async_database
from shared.settings import Settings
from shared.streaming import FaustPublisher


def bootstrap(
    store: RemittanceStore, publisher: Publisher, clock: Callable[[], datetime] = utc_now
) -> RemittancePosting:
    return RemittancePosting(store, publisher, load_posting_rules(), clock)


async def build_posting(app: faust.App, settings: Settings) -> RemittancePosting:
    return bootstrap(MongoRemittanceStore(async_database(settings, SERVICE)), FaustPublisher(app))
