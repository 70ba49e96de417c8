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


ENCOUNTER_COMPLETED = Topic("encounter-completed", EncounterCompleted, "ingest", ("eligibility",))
COVERAGE_VERIFIED = Topic("coverage-verified", CoverageVerified, "eligibility", ("coding",))
CLAIM_CODED = Topic("claim-coded", ClaimCoded, "coding", ("claims",))
CLAIM_SUBMITTED = Topic("claim-submitted", ClaimSubmitted, "claims", ("remittance",))
PAYMENT_POSTED = Topic("payment-posted", PaymentPosted, "remittance", ("claims", "downstream accounting"))

PIPELINE: tuple[Topic, ...] = (
    ENCOUNTER_COMPLETED,
    COVERAGE_VERIFIED,
    CLAIM_CODED,
    CLAIM_SUBMITTED,
    PAYMENT_POSTED,
)


def all_topic_names() -> list[str]:
    return [name for topic in PIPELINE for name in (topic.name, topic.dlq)]
