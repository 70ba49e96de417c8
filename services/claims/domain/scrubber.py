"""The scrubber: edits a claim must pass before it goes anywhere near the clearinghouse. Pure.

Each edit is data (`rules/scrub_edits.yaml`: id, message, fix hint, source, params); the checks
here apply them and return the facts each message is filled with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.claims.domain.claim import Claim
from shared.rules import Sourced

Facts = dict[str, Any]


class Edit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^CLM-[A-Z0-9-]+$")
    message: str
    fix: str
    params: dict[str, Any] = Field(default_factory=dict)


class ScrubEdits(Sourced):
    edits: list[Edit] = Field(min_length=1)

    def edit(self, edit_id: str) -> Edit:
        return next(e for e in self.edits if e.id == edit_id)


@dataclass(frozen=True)
class Finding:
    edit: str
    message: str
    fix: str

    def as_dict(self) -> dict[str, str]:
        return {"edit": self.edit, "message": self.message, "fix": self.fix}


@dataclass(frozen=True)
class ClaimContext:
    """What the claim alone does not say: the visit, today, the code set, earlier claims."""

    modality: str
    patient_setting: str
    today: date
    is_billable: Callable[[str], bool]
    billed_elsewhere: dict[int, str] = field(default_factory=dict)  # line number -> encounter already billed
    missing_charges: tuple[tuple[int, str, date], ...] = ()


def duplicate_key(claim: Claim, patient_id: str, code: str, day: date) -> str:
    return f"{claim.payer_id}|{patient_id}|{day.isoformat()}|{code}"


def npi_valid(npi: str) -> bool:
    """CMS: Luhn over "80840" + the first 9 digits gives the 10th digit."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    digits = [int(d) for d in "80840" + npi[:9]]
    total = sum(d if i % 2 else sum(divmod(d * 2, 10)) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10 == int(npi[9])


def charge_facts(claim: Claim, context: ClaimContext, edit: Edit) -> list[Facts]:
    return [{"line": n, "code": code, "date": day} for n, code, day in context.missing_charges]


def npi_facts(claim: Claim, context: ClaimContext, edit: Edit) -> list[Facts]:
    npis = [("billing provider", claim.billing_provider.npi), ("rendering provider", claim.rendering_provider.npi)]
    if claim.service_facility_npi:
        npis.append(("service facility", claim.service_facility_npi))
    return [{"role": role, "npi": npi} for role, npi in npis if not npi_valid(npi)]


def tax_id_facts(claim: Claim, context: ClaimContext, edit: Edit) -> list[Facts]:
    tax_id = claim.billing_provider.tax_id
    valid = len(tax_id) == 9 and tax_id.isdigit() and tax_id[:2] not in edit.params["invalid_prefixes"]
    return [] if valid and len(set(tax_id)) > 1 else [{"tax_id": tax_id}]


def icd10_facts(claim: Claim, context: ClaimContext, edit: Edit) -> list[Facts]:
    return [{"code": code} for code in claim.diagnoses if not context.is_billable(code)]


def diagnosis_count_facts(claim: Claim, context: ClaimContext, edit: Edit) -> list[Facts]:
    return [] if 1 <= len(claim.diagnoses) <= 12 else [{"count": len(claim.diagnoses)}]


def pointer_facts(claim: Claim, context: ClaimContext, edit: Edit) -> list[Facts]:
    count = len(claim.diagnoses)
    return [
        {"line": n, "pointers": list(line.diagnosis_pointers), "count": count}
        for n, line in enumerate(claim.lines, 1)
        if not 1 <= len(line.diagnosis_pointers) <= 4
        or len(set(line.diagnosis_pointers)) != len(line.diagnosis_pointers)
        or any(not 1 <= p <= count for p in line.diagnosis_pointers)
    ]


def modifier_95_facts(claim: Claim, context: ClaimContext, edit: Edit) -> list[Facts]:
    found = []
    for n, line in enumerate(claim.lines, 1):
        if "95" not in line.modifiers:
            continue
        if line.code in edit.params["asynchronous_codes"]:
            found.append({"line": n, "code": line.code, "why": "an asynchronous or non-telehealth service"})
        elif context.modality != "audio_video":
            found.append({"line": n, "code": line.code, "why": f"a {context.modality} encounter"})
    return found


def modifier_93_facts(claim: Claim, context: ClaimContext, edit: Edit) -> list[Facts]:
    if context.modality == "audio_only":
        return []
    audio = edit.params["audio_only_modifiers"]
    return [
        {"line": n, "modifier": modifier, "modality": context.modality}
        for n, line in enumerate(claim.lines, 1)
        for modifier in line.modifiers
        if modifier in audio
    ]


def place_facts(claim: Claim, context: ClaimContext, edit: Edit) -> list[Facts]:
    home, elsewhere = edit.params["home"], edit.params["elsewhere"]
    at_home = context.patient_setting == "home"
    telehealth = context.modality in edit.params["telehealth_modalities"]
    pos = claim.place_of_service
    wrong = (pos == home and not at_home) or (telehealth and pos == elsewhere and at_home)
    return [{"pos": pos, "setting": context.patient_setting}] if wrong else []


def payer_code_facts(claim: Claim, context: ClaimContext, edit: Edit) -> list[Facts]:
    if claim.plan_type not in edit.params["plan_types"]:
        return []
    return [
        {"line": n, "code": line.code, "payer": claim.payer_name or claim.payer_id}
        for n, line in enumerate(claim.lines, 1)
        if line.code in edit.params["codes"]
    ]


def duplicate_facts(claim: Claim, context: ClaimContext, edit: Edit) -> list[Facts]:
    found = []
    for n, line in enumerate(claim.lines, 1):
        other = context.billed_elsewhere.get(n)
        if other:
            found.append(
                {"line": n, "code": line.code, "date": line.date_of_service, "payer": claim.payer_id, "other": other}
            )
    return found


def timely_filing_facts(claim: Claim, context: ClaimContext, edit: Edit) -> list[Facts]:
    days = edit.params["days_by_plan_type"].get(claim.plan_type)
    first = min((line.date_of_service for line in claim.lines), default=context.today)
    # Days elapsed, not first + days: a date of service near 9999-12-31 would overflow the addition.
    if days is None or (context.today - first).days <= days:
        return []
    payer = claim.payer_name or claim.payer_id
    deadline = first + timedelta(days=days)  # before today here, so it cannot overflow
    return [{"date": first, "payer": payer, "days": days, "deadline": deadline}]


def demographic_facts(claim: Claim, context: ClaimContext, edit: Edit) -> list[Facts]:
    checks = {
        "payer id": bool(claim.payer_id),
        "member id": bool(claim.member_id),
        "patient name": bool(claim.patient.last_name and claim.patient.first_name),
        "patient address": bool(claim.patient.address.line1 and claim.patient.address.postal_code),
        "subscriber name": bool(claim.subscriber.last_name and claim.subscriber.first_name),
        "rendering provider name": bool(claim.rendering_provider.last_name),
        "billing provider 9-digit ZIP (ZIP+4)": len(claim.billing_provider.address.postal_code) == 9,
        "patient date of birth (not after the date of service)": all(
            claim.patient.birth_date <= line.date_of_service for line in claim.lines
        ),
    }
    return [{"field": name} for name, ok in checks.items() if not ok]


CHECKS: dict[str, Callable[[Claim, ClaimContext, Edit], list[Facts]]] = {
    "CLM-CHARGE": charge_facts,
    "CLM-NPI": npi_facts,
    "CLM-TAX-ID": tax_id_facts,
    "CLM-ICD10": icd10_facts,
    "CLM-DX-COUNT": diagnosis_count_facts,
    "CLM-POINTERS": pointer_facts,
    "CLM-MOD-95": modifier_95_facts,
    "CLM-MOD-93": modifier_93_facts,
    "CLM-POS": place_facts,
    "CLM-PAYER-TELEMEDICINE-CODES": payer_code_facts,
    "CLM-DUPLICATE": duplicate_facts,
    "CLM-TIMELY-FILING": timely_filing_facts,
    "CLM-DEMOGRAPHICS": demographic_facts,
}


def scrub(claim: Claim, context: ClaimContext, edits: ScrubEdits) -> list[Finding]:
    """Every finding of every edit in force, in the order of the rule file."""
    if not edits.effective.covers(context.today):
        return []
    return [
        Finding(edit.id, edit.message.format(**facts), edit.fix)
        for edit in edits.edits
        for facts in CHECKS[edit.id](claim, context, edit)
    ]


def unknown_edits(edits: ScrubEdits) -> list[str]:
    """Edits in the rule file without a check, or checks without an edit: refused at start-up."""
    named = {edit.id for edit in edits.edits}
    return sorted(named ^ set(CHECKS))
