"""Frozen models of the events on the four inter-service topics (all v1, money in cents)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, model_validator

from shared.contracts.encounter import EncounterCompleted
from shared.contracts.envelope import Cents, Frozen, NonEmpty, PipelineEvent
from shared.phi.fields import Phi

CoverageOutcome = Literal["covered", "not_covered", "needs_manual", "self_pay"]


class Benefits(Frozen):
    """What the payer said about the coverage (271 or a phone call), independent of one visit."""

    active: bool
    plan_name: str | None = None
    plan_begin: date | None = None
    plan_end: date | None = None
    telehealth_by_place_of_service: dict[str, bool] = Field(
        default_factory=dict,
        description='Telehealth benefit per POS, e.g. {"10": true, "02": false}; absent = not stated.',
    )
    audio_only_covered: bool | None = None
    copay_cents: Cents | None = Field(None, description="In-network office/telehealth visit copay.")
    out_of_network_copay_cents: Cents | None = None
    coinsurance_percent: str | None = Field(None, description='Decimal percent as text, e.g. "20".')
    deductible_cents: Cents | None = None
    deductible_remaining_cents: Cents | None = None


class PayerError(Frozen):
    code: NonEmpty
    meaning: str
    follow_up: str | None = None


class Evidence(Frozen):
    """What proves the verification in an appeal. Raw X12 stays in the eligibility database."""

    trace_number: str | None = None
    interchange_control_number: str | None = None
    payer_errors: list[PayerError] = Field(default_factory=list)
    call_reference: Annotated[
        str | None, Field(description="The payer's reference number for a phone verification."), Phi("call_reference")
    ] = None
    payer_representative: Annotated[str | None, Phi("payer_representative")] = None
    verified_by: str | None = None
    called_at: datetime | None = None
    notes: Annotated[str | None, Phi("notes")] = None


class Verification(Frozen):
    """How eligibility established coverage for one encounter, kept as evidence."""

    verification_id: NonEmpty
    outcome: CoverageOutcome
    method: Literal["structural", "x12_270_271", "phone", "not_applicable"]
    verified_at: datetime
    reused: bool = Field(description="True when an earlier verification of the same coverage was reused.")
    plan_year: int
    reason: str | None = None
    patient_responsibility_cents: Cents | None = None
    benefits: Benefits | None = None
    evidence: Evidence | None = None


class CoverageVerified(PipelineEvent):
    event_type: Literal["coverage-verified"] = "coverage-verified"
    schema_version: Literal[1] = 1
    encounter: EncounterCompleted
    verification: Verification


class CodedLine(Frozen):
    """One billable line, with the rule that produced it and the facts it used."""

    code: NonEmpty
    modifiers: list[str] = Field(max_length=4)
    units: int = Field(ge=1)
    diagnosis_pointers: list[int] = Field(min_length=1, max_length=4)
    date_of_service: date
    rule: NonEmpty
    source: NonEmpty
    explanation: Annotated[str, Field(min_length=1), Phi("explanation")]  # an operator's reason is free text


class ClaimCoded(PipelineEvent):
    event_type: Literal["claim-coded"] = "claim-coded"
    schema_version: Literal[1] = 1
    encounter: EncounterCompleted
    verification: Verification
    place_of_service: str = Field(pattern=r"^[0-9]{2}$")
    diagnoses: Annotated[list[str], Field(min_length=1, max_length=12), Phi("diagnoses")]
    lines: list[CodedLine] = Field(min_length=1, max_length=50)


class SubmittedLine(Frozen):
    line_number: int = Field(ge=1)
    code: NonEmpty
    modifiers: list[str]
    units: int = Field(ge=1)
    charge_cents: Cents
    date_of_service: date


class ClaimSubmitted(PipelineEvent):
    event_type: Literal["claim-submitted"] = "claim-submitted"
    schema_version: Literal[1] = 1
    claim_id: NonEmpty
    patient_control_number: NonEmpty
    frequency_code: Literal["1", "7", "8"] = "1"
    payer_id: NonEmpty
    payer_name: str
    plan_type: str
    interchange_control_number: NonEmpty
    group_control_number: NonEmpty
    transaction_set_control_number: NonEmpty
    file_name: NonEmpty
    total_charge_cents: Cents
    expected_patient_responsibility_cents: Cents | None = None
    place_of_service: str | None = Field(None, description="POS of the claim: facility (02) or non-facility rate.")
    lines: list[SubmittedLine] = Field(min_length=1)


JournalAccount = Literal[
    "cash",
    "insurance_ar",
    "contractual_adjustment",
    "patient_ar",
    "denial_writeoff",
    "other_adjustment",
]


class JournalLine(Frozen):
    account: JournalAccount
    debit_cents: Cents = Field(ge=0)
    credit_cents: Cents = Field(ge=0)
    memo: str


AdjustmentGroup = Literal["CO", "PR", "OA", "PI", "CR"]  # X12 CAS01 claim adjustment group codes
ADJUSTMENT_GROUPS: tuple[str, ...] = get_args(AdjustmentGroup)


class Adjustment(Frozen):
    group_code: AdjustmentGroup
    reason_code: NonEmpty
    amount_cents: Cents


class Denial(Frozen):
    """One denied amount, categorised, with what to do next."""

    group_code: str
    reason_code: NonEmpty = Field(description="CARC")
    reason: str = Field(description="The CARC's published description.")
    remarks: list[str] = Field(default_factory=list, description="RARC codes with their descriptions.")
    amount_cents: Cents
    line_code: str | None = None
    category: Literal[
        "eligibility",
        "coding",
        "telehealth_pos_modifier",
        "non_covered",
        "timely_filing",
        "duplicate",
        "medical_necessity",
        "missing_information",
        "other",
    ]
    recommended_action: str


class UnderpaidLine(Frozen):
    code: NonEmpty
    expected_allowed_cents: Cents
    allowed_cents: Cents
    shortfall_cents: Cents
    basis: str = Field(description="Where the expected amount comes from (fee schedule or contract, with its source).")


class PaymentPosted(PipelineEvent):
    """Published contract for downstream accounting: journal lines always balance."""

    event_type: Literal["payment-posted"] = "payment-posted"
    schema_version: Literal[1] = 1
    claim_id: NonEmpty
    patient_control_number: NonEmpty
    payer_claim_number: str
    era_trace_number: NonEmpty
    claim_status: Literal["paid", "partially_paid", "denied", "reversed"]
    status_code: NonEmpty = Field(description="CLP02 as the payer sent it.")
    charge_cents: Cents
    paid_cents: Cents
    patient_responsibility_cents: Cents
    adjustments: list[Adjustment]
    journal: list[JournalLine] = Field(description="Empty only when the claim moved no money.")
    denials: list[Denial] = Field(default_factory=list, description="Denied amounts with category and next action.")
    underpaid_lines: list[UnderpaidLine] = Field(
        default_factory=list, description="Lines allowed below the fee schedule or contract beyond the tolerance."
    )

    @model_validator(mode="after")
    def _journal_balances(self) -> PaymentPosted:
        debits = sum(line.debit_cents for line in self.journal)
        credits = sum(line.credit_cents for line in self.journal)
        if debits != credits:
            raise ValueError(f"journal does not balance: debits {debits} != credits {credits} cents")
        return self


DEAD_LETTER_LABEL = "dead-letter"


class DeadLetter(Frozen):
    """What lands on `<topic>.dlq`: enough to understand and replay the record. The record itself
    can hold patient data, so its bytes travel sealed (`raw_sealed`: base64 of the bytes, sealed with
    the PHI key ring under the label "dead-letter"); `raw_base64` is only read, on letters written
    before sealing."""

    source_topic: NonEmpty
    partition: int
    offset: int
    key: str | None
    reason: NonEmpty
    errors: list[str]
    raw_sealed: str | None = None
    raw_base64: str | None = None
    service: NonEmpty
    failed_at: datetime

    @classmethod
    def sealing(cls, raw: bytes, seal: Callable[[str, str], str], **fields: Any) -> DeadLetter:
        return cls(raw_sealed=seal(base64.b64encode(raw).decode(), DEAD_LETTER_LABEL), **fields)

    def raw(self, open_: Callable[[str, str], str]) -> bytes:
        if self.raw_sealed is not None:
            return base64.b64decode(open_(self.raw_sealed, DEAD_LETTER_LABEL))
        return base64.b64decode(self.raw_base64 or "")
