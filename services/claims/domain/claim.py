"""The claim as the claims service assembles it: everything an 837P needs, nothing about I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    state: str
    postal_code: str
    line2: str | None = None


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    birth_date: date
    sex: str  # F, M, U
    address: Address


@dataclass(frozen=True)
class BillingProvider:
    npi: str
    tax_id: str
    organization_name: str
    address: Address
    taxonomy: str | None = None


@dataclass(frozen=True)
class RenderingProvider:
    npi: str
    last_name: str
    first_name: str
    taxonomy: str | None = None


@dataclass(frozen=True)
class ServiceLine:
    code: str
    modifiers: tuple[str, ...]
    units: int
    charge_cents: int
    diagnosis_pointers: tuple[int, ...]  # 1-based, into Claim.diagnoses
    date_of_service: date
    place_of_service: str


@dataclass(frozen=True)
class Claim:
    claim_id: str
    patient_control_number: str  # CLM01, echoed back as CLP01 in the 835
    frequency_code: str  # 1 original, 7 replacement, 8 void
    payer_id: str
    payer_name: str
    plan_type: str  # medicare, medicare_advantage, medicaid, commercial
    member_id: str
    group_number: str | None
    relationship: str  # self, spouse, child, other
    subscriber: Person
    patient: Person  # same as subscriber when relationship == "self"
    billing_provider: BillingProvider
    rendering_provider: RenderingProvider
    place_of_service: str
    diagnoses: tuple[str, ...]  # ICD-10-CM without dots, primary first
    lines: tuple[ServiceLine, ...]
    service_facility_npi: str | None = None
    original_payer_claim_number: str | None = None  # REF*F8, for frequency 7 and 8
    prior_authorization: str | None = None  # REF*G1
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def total_charge_cents(self) -> int:
        return sum(line.charge_cents for line in self.lines)


@dataclass(frozen=True)
class Envelope:
    """Interchange/group/transaction control numbers and parties, persisted so they never repeat."""

    sender_id: str
    receiver_id: str
    interchange_control_number: int
    group_control_number: int
    transaction_set_control_number: int
    created_at_iso: str  # e.g. 2026-03-02T15:41:07
    usage_indicator: str = "T"  # T test, P production
