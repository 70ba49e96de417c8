"""The topic registry: every topic the pipeline uses, its event model and its dead-letter topic."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import ClaimCoded, ClaimSubmitted, CoverageVerified, PaymentPosted

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class Topic:
    name: str
    model: type[BaseModel]
    producer: str
    consumers: tuple[str, ...]

    @property
    def dlq(self) -> str:
        return self.name + DLQ_SUFFIX


# `ops` reads every topic and every dead-letter topic into its read model (services/ops).
ENCOUNTER_COMPLETED = Topic("encounter-completed", EncounterCompleted, "ingest", ("eligibility", "ops"))
COVERAGE_VERIFIED = Topic("coverage-verified", CoverageVerified, "eligibility", ("coding", "ops"))
CLAIM_CODED = Topic("claim-coded", ClaimCoded, "coding", ("claims", "ops"))
CLAIM_SUBMITTED = Topic("claim-submitted", ClaimSubmitted, "claims", ("remittance", "ops"))
PAYMENT_POSTED = Topic("payment-posted", PaymentPosted, "remittance", ("claims", "ops", "downstream accounting"))
OPS_DEAD_LETTERS = "ops.dlq"  # what the ops read model itself could not read (never replayed into the pipeline)

PIPELINE: tuple[Topic, ...] = (
    ENCOUNTER_COMPLETED,
    COVERAGE_VERIFIED,
    CLAIM_CODED,
    CLAIM_SUBMITTED,
    PAYMENT_POSTED,
)


def pipeline_topic_names() -> list[str]:
    """Every pipeline topic and its dead-letter topic: what the ops read model reads."""
    return [name for topic in PIPELINE for name in (topic.name, topic.dlq)]


def all_topic_names() -> list[str]:
    return [*pipeline_topic_names(), OPS_DEAD_LETTERS]


def consuming_services() -> list[str]:
    """The services with a consumer group, in the order they first appear."""
    return list(dict.fromkeys(c for topic in PIPELINE for c in topic.consumers if c != "downstream accounting"))
