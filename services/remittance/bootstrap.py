"""Composition root of the remittance service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import faust

from services.remittance.adapters.evidence import HttpEligibilityEvidence
from services.remittance.adapters.repository import MongoRemittanceStore
from services.remittance.domain.denials import AdjustmentCodes, DenialRules
from services.remittance.domain.posting import load_posting_rules
from services.remittance.domain.underpayment import FeeSchedules
from services.remittance.handlers.appeal_packet import AppealPacket
from services.remittance.handlers.ports import SERVICE, EvidenceSource, RemittanceRules, RemittanceStore
from services.remittance.handlers.post_remittances import RemittancePosting
from shared.access import presented_key
from shared.contracts.envelope import utc_now
from shared.messaging import Publisher
from shared.mongo import async_database
from shared.once import once_per_process
from shared.rules import load_rule_file
from shared.settings import Settings
from shared.streaming import FaustPublisher

RULES_DIR = Path(__file__).resolve().parent / "rules"


def load_remittance_rules() -> RemittanceRules:
    return RemittanceRules(
        posting=load_posting_rules(),
        codes=load_rule_file(RULES_DIR / "adjustment_codes.yaml", AdjustmentCodes),
        denials=load_rule_file(RULES_DIR / "denial_categories.yaml", DenialRules),
        fees=load_rule_file(RULES_DIR / "fee_schedules.yaml", FeeSchedules),
    )


def bootstrap(
    store: RemittanceStore, publisher: Publisher, clock: Callable[[], datetime] = utc_now
) -> RemittancePosting:
    return RemittancePosting(store, publisher, load_remittance_rules(), clock)


@dataclass(frozen=True)
class RemittanceDesk:
    """The remittance service's use cases: the worker records submissions and posts the 835 inbox;
    the API uploads and imports 835s, lists the worklists and builds appeal packets."""

    posting: RemittancePosting
    store: RemittanceStore
    appeal: AppealPacket


def desk(
    store: RemittanceStore, publisher: Publisher, evidence: EvidenceSource, clock: Callable[[], datetime] = utc_now
) -> RemittanceDesk:
    return RemittanceDesk(bootstrap(store, publisher, clock), store, AppealPacket(store, evidence))


def real_desk(settings: Settings, publisher: Publisher) -> RemittanceDesk:
    evidence = HttpEligibilityEvidence(
        f"http://{settings.ingest_host}:{settings.eligibility_api_port}", presented_key(settings)
    )
    return desk(MongoRemittanceStore(async_database(settings, SERVICE)), publisher, evidence)


def build_api(settings: Settings, publisher: Publisher) -> RemittanceDesk:
    return real_desk(settings, publisher)


@once_per_process
async def build_worker(app: faust.App, settings: Settings) -> RemittanceDesk:
    """The worker's use cases, shared by the agent and the 835 inbox timer (one database client)."""
    return real_desk(settings, FaustPublisher(app))
