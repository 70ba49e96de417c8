"""Composition root of the eligibility service: real adapters in the worker, fakes in unit tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import faust

from services.eligibility.adapters.repository import MongoEligibilityRepository
from services.eligibility.domain.policy import load_policy
from services.eligibility.handlers import SERVICE, EligibilityRepository, VerifyCoverage
from shared.contracts.envelope import utc_now
from shared.messaging import Publisher
from shared.mongo import async_database
from shared.settings import Settings
from shared.streaming import FaustPublisher


def bootstrap(
    repo: EligibilityRepository, publisher: Publisher, clock: Callable[[], datetime] = utc_now
) -> VerifyCoverage:
    return VerifyCoverage(repo, publisher, load_policy(), clock)


async def build_worker_handler(app: faust.App, settings: Settings) -> VerifyCoverage:
    repo = MongoEligibilityRepository(async_database(settings, SERVICE))
    await repo.ensure_indexes()
    return bootstrap(repo, FaustPublisher(app))
