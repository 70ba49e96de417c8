"""Composition root of the claims service: the worker's use cases and the claims API's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import faust

from services.claims.adapters.exchange import DirectoryExchange
from services.claims.adapters.repository import MongoClaimStore
from services.claims.domain.acks import AckCodes
from services.claims.domain.assemble import ChargeMaster
from services.claims.domain.scrubber import ScrubEdits, unknown_edits
from services.claims.domain.x837 import Submitter
from services.claims.handlers.claim_history import ClaimHistory
from services.claims.handlers.claim_lifecycle import Lifecycle
from services.claims.handlers.correct_claim import CorrectClaim
from services.claims.handlers.ports import SERVICE, ClaimRules, ClaimStore, Exchange, SubmissionSettings
from services.claims.handlers.submit_claims import SubmitClaims
from services.claims.handlers.worklist import Worklist
from shared.contracts.envelope import utc_now
from shared.icd10 import is_billable
from shared.messaging import Publisher
from shared.mongo import async_database
from shared.once import once_per_process
from shared.rules import RuleFileError, load_rule_file
from shared.settings import Settings
from shared.streaming import FaustPublisher

RULES_DIR = Path(__file__).resolve().parent / "rules"
CHARGE_MASTER = RULES_DIR / "charge_master.yaml"


@dataclass(frozen=True)
class Claims:
    submit: SubmitClaims
    lifecycle: Lifecycle
    correct: CorrectClaim
    worklist: Worklist
    history: ClaimHistory


def load_claim_rules(is_billable_dx: Callable[[str], bool] = is_billable) -> ClaimRules:
    edits = load_rule_file(RULES_DIR / "scrub_edits.yaml", ScrubEdits)
    mismatched = unknown_edits(edits)
    if mismatched:
        raise RuleFileError(f"{RULES_DIR / 'scrub_edits.yaml'}: edits and checks differ: {', '.join(mismatched)}")
    return ClaimRules(
        charges=load_rule_file(CHARGE_MASTER, ChargeMaster),
        edits=edits,
        acks=load_rule_file(RULES_DIR / "ack_codes.yaml", AckCodes),
        is_billable=is_billable_dx,
    )


def bootstrap(
    store: ClaimStore,
    exchange: Exchange,
    publisher: Publisher,
    submitter: SubmissionSettings,
    clock: Callable[[], datetime] = utc_now,
    rules: ClaimRules | None = None,
) -> Claims:
    rules = rules or load_claim_rules()
    submit = SubmitClaims(store, exchange, publisher, rules, submitter, clock)
    lifecycle = Lifecycle(store, rules.acks, clock)
    return Claims(submit, lifecycle, CorrectClaim(submit, lifecycle), Worklist(store), ClaimHistory(store))


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


def real_claims(settings: Settings, publisher: Publisher) -> tuple[Claims, MongoClaimStore]:
    store = MongoClaimStore(async_database(settings, SERVICE))
    exchange = DirectoryExchange(settings.exchange_dir)
    return bootstrap(store, exchange, publisher, submission_settings(settings)), store


def build_api(settings: Settings, publisher: Publisher) -> Claims:
    return real_claims(settings, publisher)[0]


@once_per_process
async def build_worker(app: faust.App, settings: Settings) -> Claims:
    """The worker's use cases, shared by both agents and the inbox timer: one lifecycle, so one lock
    per claim."""
    claims, store = real_claims(settings, FaustPublisher(app))
    await store.ensure_indexes()
    return claims
