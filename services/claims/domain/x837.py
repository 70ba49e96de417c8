"""Render claims as one X12 5010 837P (005010X222A1) interchange. Pure: text in memory, no I/O.

Layout: ISA/GS/ST/BHT, 1000A submitter, 1000B receiver, then per billing provider a 2000A HL,
per claim a 2000B subscriber HL (plus a 2000C patient HL for dependents) carrying the 2300 claim
and its 2400 lines.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.claims.domain.claim import (
    Address,
    BillingProvider,
    Claim,
    Envelope,
    Person,
    RenderingProvider,
    ServiceLine,
)
from shared.x12.segments import (
    DEFAULT_SEPARATORS,
    Separators,
    clean_text,
    composite,
    format_amount,
    isa_segment,
    join_segments,
)
from shared.x12.text import ascii_text

IMPLEMENTATION_GUIDE = "005010X222A1"
MAX_PCN_LENGTH = 38
MAX_DIAGNOSES = 12
MAX_POINTERS_PER_LINE = 4
MAX_LINES_PER_CLAIM = 50
MAX_MODIFIERS = 4

# X12 code values of the 837P guide itself (format vocabulary, not business rules).
CLAIM_FILING_INDICATOR = {"medicare": "MB", "medicaid": "MC", "medicare_advantage": "16", "commercial": "CI"}
PATIENT_RELATIONSHIP = {"spouse": "01", "child": "19", "other": "G8"}
REPLACEMENT_FREQUENCIES = ("7", "8")

Row = list[str]


@dataclass(frozen=True)
class Submitter:
    """1000A: who sends the file. The guide requires a contact phone or email."""

    name: str
    contact_name: str
    phone: str | None = None
    email: str | None = None

    @classmethod
    def from_claim(cls, claim: Claim) -> Submitter:
        extras = claim.extras
        name = claim.billing_provider.organization_name
        contact = extras.get("submitter_contact_name", name)
        return cls(name, contact, extras.get("submitter_phone"), extras.get("submitter_email"))


def render_837p(
    claims: Sequence[Claim],
    envelope: Envelope,
    submitter: Submitter | None = None,
    receiver_name: str | None = None,
) -> str:
    if not claims:
        raise ValueError("an 837P needs at least one claim")
    for claim in claims:
        check_claim(claim)
    sender = submitter or Submitter.from_claim(claims[0])
    header = _header(envelope, sender, receiver_name or envelope.receiver_id)
    transaction = _with_trailer([*header, *_detail(claims)], _st02(envelope))
    return join_segments(_envelope_around(transaction, envelope), DEFAULT_SEPARATORS, newline="\n")


# --- validation --------------------------------------------------------------------------------


def check_claim(claim: Claim) -> None:
    problems = claim_problems(claim)
    if problems:
        raise ValueError(f"claim {claim.claim_id} cannot be rendered: " + "; ".join(problems))


def claim_problems(claim: Claim) -> list[str]:
    problems = _header_problems(claim) + _diagnosis_problems(claim)
    for number, line in enumerate(claim.lines, start=1):
        problems += [f"line {number}: {p}" for p in _line_problems(line, len(claim.diagnoses))]
    return problems


def _header_problems(claim: Claim) -> list[str]:
    pcn = claim.patient_control_number
    checks = {
        f"patient control number longer than {MAX_PCN_LENGTH}": len(pcn) > MAX_PCN_LENGTH,
        "patient control number empty or with spaces/separators": not pcn or _clean_id(pcn) != pcn,
        f"unknown plan type {claim.plan_type!r}": claim.plan_type not in CLAIM_FILING_INDICATOR,
        f"unknown relationship {claim.relationship!r}":
            claim.relationship != "self" and claim.relationship not in PATIENT_RELATIONSHIP,
        f"frequency {claim.frequency_code} needs original_payer_claim_number":
            claim.frequency_code in REPLACEMENT_FREQUENCIES and not claim.original_payer_claim_number,
        f"1..{MAX_LINES_PER_CLAIM} service lines required": not 0 < len(claim.lines) <= MAX_LINES_PER_CLAIM,
    }  # fmt: skip
    return [message for message, failed in checks.items() if failed]


def _diagnosis_problems(claim: Claim) -> list[str]:
    if not 0 < len(claim.diagnoses) <= MAX_DIAGNOSES:
        return [f"1..{MAX_DIAGNOSES} diagnoses required, got {len(claim.diagnoses)}"]
    return [f"diagnosis {code!r} must be written without dots" for code in claim.diagnoses if "." in code]


def _line_problems(line: ServiceLine, diagnosis_count: int) -> list[str]:
    pointers = line.diagnosis_pointers
    pointer_count_ok = 0 < len(pointers) <= MAX_POINTERS_PER_LINE
    pointers_in_range = all(0 < p <= diagnosis_count for p in pointers)
    checks = {
        f"1..{MAX_POINTERS_PER_LINE} diagnosis pointers required": not pointer_count_ok,
        f"diagnosis pointer outside 1..{diagnosis_count}": not pointers_in_range,
        f"more than {MAX_MODIFIERS} modifiers": len(line.modifiers) > MAX_MODIFIERS,
        "units must be positive": line.units <= 0,
        "charge must be positive": line.charge_cents <= 0,
    }  # fmt: skip
    return [message for message, failed in checks.items() if failed]


# --- envelope ----------------------------------------------------------------------------------


def _stamp(envelope: Envelope) -> datetime:
    return datetime.fromisoformat(envelope.created_at_iso)


def _st02(envelope: Envelope) -> str:
    return f"{envelope.transaction_set_control_number:04d}"


def _envelope_around(transaction: list[Row], envelope: Envelope) -> list[Row]:
    stamp, group = _stamp(envelope), str(envelope.group_control_number)
    isa = isa_segment(
        _clean_id(envelope.sender_id), _clean_id(envelope.receiver_id), envelope.interchange_control_number,
        stamp.strftime("%y%m%d"), stamp.strftime("%H%M"), envelope.usage_indicator,
    )  # fmt: skip
    gs = ["GS", "HC", _clean_id(envelope.sender_id), _clean_id(envelope.receiver_id),
          stamp.strftime("%Y%m%d"), stamp.strftime("%H%M"), group, "X", IMPLEMENTATION_GUIDE]  # fmt: skip
    trailer = [["GE", "1", group], ["IEA", "1", isa[13]]]
    return [isa, gs, *transaction, *trailer]


def _with_trailer(body: list[Row], st02: str) -> list[Row]:
    st = ["ST", "837", st02, IMPLEMENTATION_GUIDE]
    return [st, *body, ["SE", str(len(body) + 2), st02]]


def _header(envelope: Envelope, submitter: Submitter, receiver_name: str) -> list[Row]:
    stamp = _stamp(envelope)
    # BHT03 names the batch: a 277CA's receiver-level TRN02 echoes it, so a batch-level rejection can
    # be traced to this interchange's claims (the interchange control number is unique; ST02 is not)
    batch = f"{envelope.interchange_control_number:09d}"
    bht = ["BHT", "0019", "00", batch, stamp.strftime("%Y%m%d"), stamp.strftime("%H%M"), "CH"]
    return [
        bht,
        ["NM1", "41", "2", _text(submitter.name), "", "", "", "", "46", _clean_id(envelope.sender_id)],
        _submitter_contact(submitter),
        ["NM1", "40", "2", _text(receiver_name), "", "", "", "", "46", _clean_id(envelope.receiver_id)],
    ]


def _submitter_contact(submitter: Submitter) -> Row:
    if submitter.phone:
        return ["PER", "IC", _text(submitter.contact_name), "TE", _digits(submitter.phone)]
    if submitter.email:
        return ["PER", "IC", _text(submitter.contact_name), "EM", _clean_id(submitter.email)]
    raise ValueError("1000A PER needs a submitter phone or email (Submitter, or claim.extras submitter_phone)")


# --- detail ------------------------------------------------------------------------------------


def _detail(claims: Sequence[Claim]) -> list[Row]:
    hl_ids = itertools.count(1)
    rows: list[Row] = []
    for provider, provider_claims in _by_billing_provider(claims).items():
        provider_hl = next(hl_ids)
        rows += _billing_provider(provider, provider_hl)
        for claim in provider_claims:
            rows += _subscriber_and_claim(claim, hl_ids, provider_hl)
    return rows


def _by_billing_provider(claims: Sequence[Claim]) -> dict[BillingProvider, list[Claim]]:
    grouped: dict[BillingProvider, list[Claim]] = {}
    for claim in claims:
        grouped.setdefault(claim.billing_provider, []).append(claim)
    return grouped


def _billing_provider(provider: BillingProvider, hl_id: int) -> list[Row]:
    rows: list[Row] = [["HL", str(hl_id), "", "20", "1"]]
    if provider.taxonomy:
        rows.append(["PRV", "BI", "PXC", _clean_id(provider.taxonomy)])
    rows.append(["NM1", "85", "2", _text(provider.organization_name), "", "", "", "", "XX", _clean_id(provider.npi)])
    rows += _address(provider.address)
    rows.append(["REF", "EI", _digits(provider.tax_id)])
    return rows


def _subscriber_and_claim(claim: Claim, hl_ids: Iterator[int], parent_hl: int) -> list[Row]:
    is_self = claim.relationship == "self"
    subscriber_hl = next(hl_ids)
    rows = [["HL", str(subscriber_hl), str(parent_hl), "22", "0" if is_self else "1"], _sbr(claim)]
    rows += _subscriber_name(claim, is_self)
    rows.append(["NM1", "PR", "2", _text(claim.payer_name), "", "", "", "", "PI", _clean_id(claim.payer_id)])
    if not is_self:
        rows += _patient(claim, next(hl_ids), subscriber_hl)
    return rows + _claim(claim)


def _sbr(claim: Claim) -> Row:
    relationship = "18" if claim.relationship == "self" else ""
    group = _clean_id(claim.group_number or "")
    return ["SBR", "P", relationship, group, "", "", "", "", "", CLAIM_FILING_INDICATOR[claim.plan_type]]


def _subscriber_name(claim: Claim, is_self: bool) -> list[Row]:
    person = claim.subscriber
    rows = [_person_name("IL", person) + ["MI", _clean_id(claim.member_id)]]
    if not is_self:
        return rows
    return rows + _address(person.address) + [_demographics(person)]


def _patient(claim: Claim, hl_id: int, parent_hl: int) -> list[Row]:
    person = claim.patient
    return [
        ["HL", str(hl_id), str(parent_hl), "23", "0"],
        ["PAT", PATIENT_RELATIONSHIP[claim.relationship]],
        _person_name("QC", person),
        *_address(person.address),
        _demographics(person),
    ]


def _person_name(entity: str, person: Person) -> Row:
    return ["NM1", entity, "1", _text(person.last_name), _text(person.first_name), "", "", ""]


def _demographics(person: Person) -> Row:
    return ["DMG", "D8", _date(person.birth_date), person.sex.upper()]


def _address(address: Address) -> list[Row]:
    n3 = ["N3", _text(address.line1)] + ([_text(address.line2)] if address.line2 else [])
    return [n3, ["N4", _text(address.city), address.state.upper(), _digits(address.postal_code)]]


# --- 2300 claim and 2400 lines -----------------------------------------------------------------


def _claim(claim: Claim) -> list[Row]:
    rows = [_clm(claim)]
    if claim.prior_authorization:
        rows.append(["REF", "G1", _clean_id(claim.prior_authorization)])
    if claim.original_payer_claim_number:
        rows.append(["REF", "F8", _clean_id(claim.original_payer_claim_number)])
    rows.append(_diagnoses(claim.diagnoses))
    rows += _rendering_provider(claim.rendering_provider)
    if claim.service_facility_npi:
        rows += _service_facility(claim)
    return rows + _lines(claim)


def _clm(claim: Claim) -> Row:
    place = composite([claim.place_of_service, "B", claim.frequency_code])
    charge = format_amount(claim.total_charge_cents)
    return ["CLM", claim.patient_control_number, charge, "", "", place, "Y", "A", "Y", "Y"]


def _diagnoses(codes: tuple[str, ...]) -> Row:
    qualified = [composite(["ABK" if i == 0 else "ABF", _clean_id(c)]) for i, c in enumerate(codes)]
    return ["HI", *qualified]


def _rendering_provider(provider: RenderingProvider) -> list[Row]:
    nm1 = ["NM1", "82", "1", _text(provider.last_name), _text(provider.first_name), "", "", "",
           "XX", _clean_id(provider.npi)]  # fmt: skip
    return [nm1, ["PRV", "PE", "PXC", _clean_id(provider.taxonomy)]] if provider.taxonomy else [nm1]


def _service_facility(claim: Claim) -> list[Row]:
    """2310C requires name and address; the Claim model carries them in extras."""
    extras = claim.extras
    missing = [key for key in _FACILITY_KEYS if not extras.get(key)]
    if missing:
        raise ValueError(f"claim {claim.claim_id}: service facility needs extras {missing}")
    address = Address(extras["service_facility_line1"], extras["service_facility_city"],
                      extras["service_facility_state"], extras["service_facility_postal_code"])  # fmt: skip
    name = ["NM1", "77", "2", _text(extras["service_facility_name"]), "", "", "", "", "XX",
            _clean_id(claim.service_facility_npi or "")]  # fmt: skip
    return [name, *_address(address)]


_FACILITY_KEYS = (
    "service_facility_name",
    "service_facility_line1",
    "service_facility_city",
    "service_facility_state",
    "service_facility_postal_code",
)


def _lines(claim: Claim) -> list[Row]:
    rows: list[Row] = []
    for number, line in enumerate(claim.lines, start=1):
        rows += [["LX", str(number)], _sv1(line), ["DTP", "472", "D8", _date(line.date_of_service)]]
    return rows


def _sv1(line: ServiceLine) -> Row:
    procedure = composite(["HC", _clean_id(line.code), *(_clean_id(m) for m in line.modifiers)])
    pointers = composite([str(p) for p in line.diagnosis_pointers])
    charge = format_amount(line.charge_cents)
    return ["SV1", procedure, charge, "UN", str(line.units), line.place_of_service, "", pointers]


# --- text helpers ------------------------------------------------------------------------------


def _text(value: str, seps: Separators = DEFAULT_SEPARATORS) -> str:
    return clean_text(ascii_text(value), seps)


def _clean_id(value: str, seps: Separators = DEFAULT_SEPARATORS) -> str:
    return "".join(c for c in ascii_text(value) if c not in seps.all() and not c.isspace())


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def _date(value: date) -> str:
    return value.strftime("%Y%m%d")
