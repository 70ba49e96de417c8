"""Composition root of the eligibility service: real adapters in processes, fakes in unit tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import faust

from services.eligibility.adapters.clearinghouse import HttpEligibilityGateway
from services.eligibility.adapters.repository import MongoEligibilityRepository
from services.eligibility.domain.policy import EligibilityRules, load_eligibility_rules
from services.eligibility.handlers.asking_payers import PayerAsker
from services.eligibility.handlers.ports import SERVICE, Asking, EligibilityGateway, EligibilityRepository
from services.eligibility.handlers.record_phone_verification import RecordPhoneVerification
from services.eligibility.handlers.redrive_waiting import RedriveWaiting
from services.eligibility.handlers.verification_trail import VerificationTrail
from services.eligibility.handlers.verify_coverage import VerifyCoverage
from services.eligibility.handlers.waiting_list import WaitingList
from shared.contracts.envelope import utc_now
from shared.messaging import Publisher
from shared.mongo import async_database
from shared.once import once_per_process
from shared.settings import Settings
from shared.streaming import FaustPublisher


@dataclass(frozen=True)
class Eligibility:
    verify: VerifyCoverage
    redrive: RedriveWaiting
    record_phone: RecordPhoneVerification
    trail: VerificationTrail
    waiting: WaitingList


def asking_from(settings: Settings) -> Asking:
    return Asking(
        sender_id=settings.claims_sender_id,
        receiver_id=settings.claims_receiver_id,
        usage=settings.claims_usage_indicator,
        attempts=settings.eligibility_attempts,
        backoff_seconds=settings.eligibility_backoff_seconds,
        concurrency=settings.eligibility_concurrency,
        pause_seconds=settings.eligibility_redrive_seconds,
    )


def bootstrap(
    repo: EligibilityRepository,
    publisher: Publisher,
    gateway: EligibilityGateway,
    asking: Asking,
    clock: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rules: EligibilityRules | None = None,
) -> Eligibility:
    rules = rules or load_eligibility_rules()
    verify = VerifyCoverage(repo, publisher, rules, PayerAsker(gateway, asking, sleep), clock)
    return Eligibility(
        verify=verify,
        redrive=RedriveWaiting(repo, publisher, verify, clock),
        record_phone=RecordPhoneVerification(repo, publisher, rules, clock),
        trail=VerificationTrail(repo),
        waiting=WaitingList(repo),
    )


def real_adapters(settings: Settings) -> tuple[MongoEligibilityRepository, HttpEligibilityGateway]:
    gateway = HttpEligibilityGateway(
        settings.gateway_url,
        settings.eligibility_gateway_user,
        settings.eligibility_gateway_password,
        settings.eligibility_timeout_seconds,
    )
    return MongoEligibilityRepository(async_database(settings, SERVICE)), gateway


@once_per_process
async def build_worker(app: faust.App, settings: Settings) -> Eligibility:
    """The worker's use cases, shared by the agent and the re-drive timer."""
    repo, gateway = real_adapters(settings)
    await repo.ensure_indexes()
    return bootstrap(repo, FaustPublisher(app), gateway, asking_from(settings))


def build_api(settings: Settings, publisher: Publisher) -> Eligibility:
    repo, gateway = real_adapters(settings)
    return bootstrap(repo, publisher, gateway, asking_from(settings))
