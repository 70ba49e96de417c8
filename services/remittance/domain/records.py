"""What remittance keeps: the payment it expects for each submitted claim, each 835 claim payment it
posted, and the postings billing staff follow up (denials, lines paid below contract)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.remittance.domain.matching import LineMatch
from shared.contracts.events import ClaimSubmitted, Denial, PaymentPosted, SubmittedLine, UnderpaidLine

AWAITING_PAYMENT = "awaiting_payment"  # an expected claim's only state here: the payer answers with an 835


@dataclass(frozen=True)
class ExpectedClaim:
    """A submitted claim whose payment is awaited, kept by patient control number (CLP01)."""

    patient_control_number: str
    claim_id: str
    correlation_id: str  # the encounter key
    event_id: str  # of the `claim-submitted`: what a posting of this claim is caused by
    payer_id: str
    plan_type: str
    place_of_service: str | None
    first_date_of_service: date | None
    lines: tuple[SubmittedLine, ...]
    total_charge_cents: int
    status: str = AWAITING_PAYMENT

    @classmethod
    def of(cls, claim: ClaimSubmitted) -> ExpectedClaim:
        return cls(
            patient_control_number=claim.patient_control_number,
            claim_id=claim.claim_id,
            correlation_id=claim.correlation_id,
            event_id=claim.event_id,
            payer_id=claim.payer_id,
            plan_type=claim.plan_type,
            place_of_service=claim.place_of_service,
            first_date_of_service=min(line.date_of_service for line in claim.lines),
            lines=tuple(claim.lines),
            total_charge_cents=claim.total_charge_cents,
        )


@dataclass(frozen=True)
class PostingRecord:
    """One 835 claim payment posted: the `payment-posted` it announced, how the paid lines matched
    the billed ones, and whether the payer forwarded the claim to another payer (crossover)."""

    key: str  # domain/posting.py posting_key
    payment: PaymentPosted
    line_matches: tuple[LineMatch, ...]
    crossover_payer: str | None
    forwarded: bool
    posted_at: datetime

    @property
    def encounter_key(self) -> str:
        return self.payment.correlation_id

    @property
    def lines_unmatched(self) -> int:
        return sum(1 for match in self.line_matches if match.how == "unmatched")

    @property
    def denied(self) -> bool:
        return bool(self.payment.denials)

    @property
    def underpaid(self) -> bool:
        return bool(self.payment.underpaid_lines)


@dataclass(frozen=True)
class PostingSummary:
    """Which posting a follow-up entry is about: the claim, the 835 and when it posted."""

    key: str
    correlation_id: str
    claim_id: str
    payer_claim_number: str
    era_trace_number: str
    claim_status: str
    posted_at: datetime

    @classmethod
    def of(cls, posting: PostingRecord) -> PostingSummary:
        payment = posting.payment
        return cls(
            key=posting.key,
            correlation_id=payment.correlation_id,
            claim_id=payment.claim_id,
            payer_claim_number=payment.payer_claim_number,
            era_trace_number=payment.era_trace_number,
            claim_status=payment.claim_status,
            posted_at=posting.posted_at,
        )


@dataclass(frozen=True)
class DenialFollowUp:
    """A posting on the denials worklist, each denial with its category and next action."""

    posting: PostingSummary
    denials: tuple[Denial, ...]

    @classmethod
    def of(cls, posting: PostingRecord) -> DenialFollowUp:
        return cls(PostingSummary.of(posting), tuple(posting.payment.denials))


@dataclass(frozen=True)
class Underpayment:
    """A posting on the underpayments worklist: its lines allowed below the fee schedule or contract."""

    posting: PostingSummary
    underpaid_lines: tuple[UnderpaidLine, ...]

    @classmethod
    def of(cls, posting: PostingRecord) -> Underpayment:
        return cls(PostingSummary.of(posting), tuple(posting.payment.underpaid_lines))
