"""An operator's explicit codes for a held encounter, checked by the same edits as the engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.coding.domain.engine import IsBillableDiagnosis, diagnosis_holds, unique_diagnoses
from services.coding.domain.model import Case, CodingResult, Line
from services.coding.domain.rules import CodingRules
from services.coding.domain.validation import problems
from shared.contracts.encounter import EncounterCompleted

RESOLUTION_RULE = "operator-resolution"


@dataclass(frozen=True)
class ManualLine:
    code: str
    modifiers: tuple[str, ...]
    units: int
    diagnosis_pointers: tuple[int, ...]
    date_of_service: date | None = None


@dataclass(frozen=True)
class Resolution:
    operator: str
    note: str
    place_of_service: str
    lines: tuple[ManualLine, ...]
    diagnoses: tuple[str, ...] | None = None


def resolve(
    encounter: EncounterCompleted, rules: CodingRules, is_billable: IsBillableDiagnosis, resolution: Resolution
) -> CodingResult | list[str]:
    """The coded result, or every problem with the resolution."""
    visit, coverage = encounter.encounter, encounter.coverage
    diagnoses = unique_diagnoses(list(resolution.diagnoses or visit.diagnoses))
    policy = rules.policy_for(coverage.payer_id, coverage.plan_type, visit.date_of_service)
    found = [hold.message for hold in diagnosis_holds(diagnoses, is_billable)]
    if not 1 <= len(diagnoses) <= 12:
        found.append(f"{len(diagnoses)} diagnoses: a claim carries 1 to 12")
    if policy is None:
        return found + [f"no payer policy in force for {coverage.plan_type} on {visit.date_of_service}"]
    case = Case(encounter, rules, policy, diagnoses)
    lines = tuple(manual_line(case, line, resolution) for line in resolution.lines)
    found += problems(case, lines, resolution.place_of_service)
    return found or CodingResult("coded", resolution.place_of_service, diagnoses, lines=lines)


def manual_line(case: Case, line: ManualLine, resolution: Resolution) -> Line:
    return Line(
        code=line.code,
        modifiers=line.modifiers,
        units=line.units,
        diagnosis_pointers=line.diagnosis_pointers,
        date_of_service=line.date_of_service or case.day,
        rule=RESOLUTION_RULE,
        source=f"operator {resolution.operator}",
        explanation=f"resolved by {resolution.operator}: {resolution.note}",
    )
