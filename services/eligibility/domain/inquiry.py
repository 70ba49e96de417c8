"""The X12 270 eligibility inquiry (005010X279A1) for one encounter's coverage. Pure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from shared.contracts.encounter import EncounterCompleted
from shared.x12.segments import clean_text, isa_segment, join_segments

IMPLEMENTATION = "005010X279A1"


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    birth_date: date | None
    sex: str | None


@dataclass(frozen=True)
class Inquiry:
    trace_number: str
    control_number: int
    payer_id: str
    payer_name: str
    provider_npi: str
    provider_name: str
    provider_tax_id: str
    member_id: str
    subscriber: Person
    dependent: Person | None
    date_of_service: date
    service_types: tuple[str, ...]


def trace_number(coverage_key: str, at: datetime) -> str:
    return hashlib.sha1(f"{coverage_key}|{at.isoformat()}".encode()).hexdigest()[:20].upper()


def control_number_of(trace: str) -> int:
    """Real-time inquiries are answered in the same connection: a hash of the trace is unique enough."""
    return int(hashlib.sha1(trace.encode()).hexdigest(), 16) % 999_999_999 + 1


def inquiry_for(encounter: EncounterCompleted, service_types: tuple[str, ...], at: datetime) -> Inquiry:
    coverage, patient, billing = encounter.coverage, encounter.patient, encounter.billing_provider
    patient_as_person = Person(patient.last_name, patient.first_name, patient.birth_date, patient.sex)
    subscriber, dependent = patient_as_person, None
    if coverage.subscriber_relationship != "self" and coverage.subscriber is not None:
        holder = coverage.subscriber
        subscriber = Person(holder.last_name or "", holder.first_name or "", holder.birth_date, holder.sex)
        dependent = patient_as_person
    key = f"{coverage.payer_id}|{coverage.member_id}|{encounter.encounter.date_of_service.year}"
    trace = trace_number(key, at)
    return Inquiry(
        trace_number=trace,
        control_number=control_number_of(trace),
        payer_id=coverage.payer_id or "",
        payer_name=coverage.payer_name or coverage.payer_id or "",
        provider_npi=billing.npi,
        provider_name=billing.organization_name,
        provider_tax_id=billing.tax_id,
        member_id=coverage.member_id or "",
        subscriber=subscriber,
        dependent=dependent,
        date_of_service=encounter.encounter.date_of_service,
        service_types=service_types,
    )


def render_270(inquiry: Inquiry, sender_id: str, receiver_id: str, at: datetime, usage: str = "T") -> str:
    ctl = inquiry.control_number
    body = transaction(inquiry, at)
    segments = [
        isa_segment(sender_id, receiver_id, ctl, at.strftime("%y%m%d"), at.strftime("%H%M"), usage),
        ["GS", "HS", sender_id, receiver_id, at.strftime("%Y%m%d"), at.strftime("%H%M"), str(ctl), "X", IMPLEMENTATION],
        *body,
        ["SE", str(len(body) + 1), "0001"],
        ["GE", "1", str(ctl)],
        ["IEA", "1", f"{ctl:09d}"],
    ]
    return join_segments(segments, newline="\n")


def transaction(inquiry: Inquiry, at: datetime) -> list[list[str]]:
    patient_hl = "1" if inquiry.dependent else "0"
    segments = [
        ["ST", "270", "0001", IMPLEMENTATION],
        ["BHT", "0022", "13", inquiry.trace_number, at.strftime("%Y%m%d"), at.strftime("%H%M")],
        ["HL", "1", "", "20", "1"],
        ["NM1", "PR", "2", clean_text(inquiry.payer_name), "", "", "", "", "PI", inquiry.payer_id],
        ["HL", "2", "1", "21", "1"],
        ["NM1", "1P", "2", clean_text(inquiry.provider_name), "", "", "", "", "XX", inquiry.provider_npi],
        ["HL", "3", "2", "22", patient_hl],
    ]
    trace = ["TRN", "1", inquiry.trace_number, "1" + inquiry.provider_tax_id]
    subscriber = [["NM1", "IL", "1", *names(inquiry.subscriber), "", "", "", "MI", inquiry.member_id]]
    subscriber += demographics(inquiry.subscriber)
    if inquiry.dependent is None:
        return segments + [trace] + subscriber + benefits_asked(inquiry)
    dependent = [["HL", "4", "3", "23", "0"], trace, ["NM1", "03", "1", *names(inquiry.dependent)]]
    return segments + subscriber + dependent + demographics(inquiry.dependent) + benefits_asked(inquiry)


def names(person: Person) -> list[str]:
    return [clean_text(person.last_name), clean_text(person.first_name)]


def demographics(person: Person) -> list[list[str]]:
    if person.birth_date is None:
        return []
    sex = person.sex if person.sex in ("F", "M") else ""
    return [["DMG", "D8", person.birth_date.strftime("%Y%m%d"), sex]]


def benefits_asked(inquiry: Inquiry) -> list[list[str]]:
    dates = [["DTP", "291", "D8", inquiry.date_of_service.strftime("%Y%m%d")]]
    return dates + [["EQ", service_type] for service_type in inquiry.service_types]
