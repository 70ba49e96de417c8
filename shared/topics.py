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
    meaning: str

    @property
    def dlq(self) -> str:
        return self.name + DLQ_SUFFIX


# `ops` reads every topic and every dead-letter topic into its read model (services/ops).
ENCOUNTER_COMPLETED = Topic(
    "encounter-completed",
    EncounterCompleted,
    "ingest",
    ("eligibility", "ops"),
    "A finished, documented telehealth encounter, from a platform (directly or through the ingest API). "
    "The pipeline's only input contract: v1 plus the optional extensions listed in the README.",
)
COVERAGE_VERIFIED = Topic(
    "coverage-verified",
    CoverageVerified,
    "eligibility",
    ("coding", "ops"),
    "Coverage for this encounter's service was checked (X12 270/271 or a documented phone call): the "
    "outcome, the evidence and the patient-responsibility estimate, with the encounter carried on.",
)
CLAIM_CODED = Topic(
    "claim-coded",
    ClaimCoded,
    "coding",
    ("claims", "ops"),
    "The encounter's codes: CPT/HCPCS lines with modifiers, place of service, units, diagnosis pointers and "
    "dates, each with the rule and source that produced it (or an operator's resolution of a hold).",
)
CLAIM_SUBMITTED = Topic(
    "claim-submitted",
    ClaimSubmitted,
    "claims",
    ("remittance", "ops"),
    "A claim left for the clearinghouse in an X12 837P interchange: control numbers, lines and the "
    "expected amount; later versions (replacement 7, void 8) of the same claim follow on the same key.",
)
PAYMENT_POSTED = Topic(
    "payment-posted",
    PaymentPosted,
    "remittance",
    ("claims", "ops", "downstream accounting"),
    "An 835 claim payment posted: balanced double-entry journal lines in integer cents (cash, insurance "
    "A/R, contractual adjustment, patient A/R, denial write-off, other adjustments), the adjustments, "
    "categorised denials and underpaid lines. One event per (ERA trace number, claim, CLP02): the same 835 "
    "posts once; a reversal (CLP02 = 22) is its own event with the signs reversed.",
)
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
