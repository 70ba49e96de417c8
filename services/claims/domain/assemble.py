"""Turning a coded encounter into a claim: parties, diagnoses, lines and charges. Pure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from services.claims.domain.claim import Address, BillingProvider, Claim, Person, RenderingProvider, ServiceLine
from shared.contracts import encounter as contract
from shared.contracts.events import ClaimCoded
from shared.rules import Sourced


class Charge(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    cents: int = Field(gt=0)


class ChargeMaster(Sourced):
    charges: list[Charge] = Field(min_length=1)

    def price(self, code: str, on: date) -> int | None:
        if not self.effective.covers(on):
            return None
        return next((charge.cents for charge in self.charges if charge.code == code), None)


@dataclass(frozen=True)
class Version:
    """Which claim of an encounter this is: the original (frequency 1), a replacement (7) or a
    void (8) naming the payer's claim number of the claim it replaces."""

    record_id: str  # the claims service's document id; the PCN is derived from it
    frequency_code: str = "1"
    original_payer_claim_number: str | None = None
    prior_authorization: str | None = None


def patient_control_number(correlation_id: str) -> str:
    """CLM01, echoed back in the 835: short, stable per encounter, X12-safe."""
    return "TB" + hashlib.sha256(correlation_id.encode()).hexdigest()[:18].upper()


def address(value: contract.Address) -> Address:
    return Address(value.line1, value.city, value.state, value.postal_code, value.line2)


def patient_person(event: ClaimCoded) -> Person:
    patient = event.encounter.patient
    return Person(patient.last_name, patient.first_name, patient.birth_date, patient.sex, address(patient.address))


def subscriber_person(event: ClaimCoded) -> Person:
    coverage = event.encounter.coverage
    sub, patient = coverage.subscriber, patient_person(event)
    if coverage.subscriber_relationship == "self" or sub is None:
        return patient
    return Person(
        sub.last_name or patient.last_name,
        sub.first_name or patient.first_name,
        sub.birth_date or patient.birth_date,
        sub.sex or "U",
        address(sub.address) if sub.address else patient.address,
    )


def missing_charges(event: ClaimCoded, charges: ChargeMaster) -> tuple[tuple[int, str, date], ...]:
    """Lines whose code has no price on its date: the scrubber's CLM-CHARGE edit reports them."""
    return tuple(
        (n, line.code, line.date_of_service)
        for n, line in enumerate(event.lines, 1)
        if charges.price(line.code, line.date_of_service) is None
    )


def service_lines(event: ClaimCoded, charges: ChargeMaster) -> tuple[ServiceLine, ...]:
    lines = []
    for line in event.lines:
        price = charges.price(line.code, line.date_of_service) or 0
        lines.append(
            ServiceLine(
                line.code,
                tuple(line.modifiers),
                line.units,
                price * line.units,
                tuple(line.diagnosis_pointers),
                line.date_of_service,
                event.place_of_service,
            )
        )
    return tuple(lines)


def assemble(event: ClaimCoded, charges: ChargeMaster, version: Version | None = None) -> Claim:
    version = version or Version(event.correlation_id)
    enc, pcn = event.encounter, patient_control_number(version.record_id)
    billing, rendering = enc.billing_provider, enc.rendering_provider
    return Claim(
        claim_id=pcn,
        patient_control_number=pcn,
        frequency_code=version.frequency_code,
        payer_id=enc.coverage.payer_id or "",
        payer_name=enc.coverage.payer_name or enc.coverage.payer_id or "",
        plan_type=enc.coverage.plan_type,
        member_id=enc.coverage.member_id or "",
        group_number=enc.coverage.group_number,
        relationship=enc.coverage.subscriber_relationship,
        subscriber=subscriber_person(event),
        patient=patient_person(event),
        billing_provider=BillingProvider(
            billing.npi, billing.tax_id, billing.organization_name, address(billing.address), billing.taxonomy
        ),
        rendering_provider=RenderingProvider(
            rendering.npi, rendering.last_name, rendering.first_name, rendering.taxonomy
        ),
        place_of_service=event.place_of_service,
        diagnoses=tuple(event.diagnoses),
        lines=service_lines(event, charges),
        service_facility_npi=None,
        original_payer_claim_number=version.original_payer_claim_number,
        prior_authorization=version.prior_authorization,
    )
