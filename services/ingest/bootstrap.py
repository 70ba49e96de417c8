"""Composition root of the ingest API: its use cases over Kafka and MongoDB, or over fakes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from services.ingest.adapters.accepted import InMemoryAcceptedStore, MongoAcceptedStore
from services.ingest.adapters.producer import InMemoryEncounterLog, KafkaEncounterPublisher
from services.ingest.adapters.signatures import InMemorySeenSignatures, MongoSeenSignatures
from services.ingest.domain.intake import Limits
from services.ingest.domain.items import Policy
from services.ingest.domain.plausibility import DateWindow
from services.ingest.handlers.accept_encounters import AcceptEncounters
from services.ingest.handlers.ports import SERVICE, AcceptedStore, EncounterLog, SeenSignatures, Signing
from services.ingest.handlers.readiness import Readiness
from shared.mongo import async_database
from shared.settings import Settings
from shared.topics import ENCOUNTER_COMPLETED


@dataclass(frozen=True)
class Ingest:
    """What the API needs: its use cases, its limits, and the adapters to close when it stops."""

    accept: AcceptEncounters
    readiness: Readiness
    limits: Limits
    log: EncounterLog
    store: AcceptedStore

    async def close(self) -> None:
        await self.log.close()
        await self.store.close()


def policy_from(settings: Settings) -> Policy:
    limits = Limits(
        settings.ingest_max_body_bytes,
        settings.ingest_max_batch,
        settings.ingest_max_record_bytes,
        settings.ingest_max_json_depth,
    )
    window = DateWindow(settings.ingest_years_back, settings.ingest_days_ahead, settings.ingest_earliest_birth_date)
    return Policy(limits, window)


def utc_now() -> datetime:
    return datetime.now(UTC)


def bootstrap(
    settings: Settings,
    log: EncounterLog | None = None,
    store: AcceptedStore | None = None,
    now: Callable[[], datetime] = utc_now,
    topic: str = ENCOUNTER_COMPLETED.name,
    seen: SeenSignatures | None = None,
) -> Ingest:
    """In-memory fakes unless adapters are given (unit tests pass their own, `build` the real ones)."""
    log = log or InMemoryEncounterLog()
    store = store or InMemoryAcceptedStore()
    policy = policy_from(settings)
    signing = Signing(settings.secrets_for, settings.ingest_signature_window_seconds, seen or InMemorySeenSignatures())
    accept = AcceptEncounters(policy, signing, log, store, now, topic)
    readiness = Readiness({"broker": log, "database": store})
    return Ingest(accept, readiness, policy.limits, log, store)


def build(settings: Settings, topic: str = ENCOUNTER_COMPLETED.name) -> Ingest:
    log = KafkaEncounterPublisher(settings.kafka_bootstrap, settings.ingest_broker_timeout_seconds)
    database = async_database(settings, SERVICE)
    store = MongoAcceptedStore(database, settings.ingest_database_timeout_seconds)
    seen = MongoSeenSignatures(
        database, settings.ingest_signature_window_seconds, settings.ingest_database_timeout_seconds
    )
    return bootstrap(settings, log, store, topic=topic, seen=seen)
