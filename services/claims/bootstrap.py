"""Composition root of the claims service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import faust

from services.claims.adapters.exchange import DirectoryExchange
from services.claims.adapters.repository import MongoClaimStore
from services.claims.domain.assemble import ChargeMaster
from services.claims.domain.x837 import Submitter
from services.claims.handlers import SERVICE, ClaimStore, Exchange, SubmissionSettings, SubmitClaims
from shared.contracts.envelope import utc_now
from shared.messaging import Publisher
from shared.mongo import async_database
from shared.rules import load_rule_file
from shared.settings import Settings
from shared.streaming import FaustPublisher

CHARGE_MASTER = Path(__file__).resolve().parent / "rules" / "charge_master.yaml"


def bootstrap(
    store: ClaimStore,
    exchange: Exchange,
    publisher: Publisher,
    submitter: SubmissionSettings,
    clock: Callable[[], datetime] = utc_now,
) -> SubmitClaims:
    return SubmitClaims(store, exchange, publisher, load_rule_file(CHARGE_MASTER, ChargeMaster), submitter, clock)


def submission_settings(settings: Settings) -> SubmissionSettings:
    contact = Submitter(
        settings.claims_submitter_name, settings.claims_submitter_contact, settings.claims_submitter_phone
    )
    return SubmissionSettings(
        settings.claims_sender_id,
        settings.claims_receiver_id,
        settings.claims_usage_indicator,
        settings.claims_interchange_max_claims,
        contact,
    )


async def build_worker_handler(app: faust.App, settings: Settings) -> SubmitClaims:
    store = MongoClaimStore(async_database(settings, SERVICE))
    await store.ensure_indexes()
    return bootstrap(
        store, DirectoryExchange(settings.exchange_dir), FaustPublisher(app), submission_settings(settings)
    )
