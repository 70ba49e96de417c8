"""The coding engine: a verified encounter in, billable lines or holds out. Pure and explainable.

Each modality has its coder (visits, brief services, remote monitoring); this module checks what
every encounter needs (payer policy, diagnoses, consent), dispatches, and notes requested codes
that were not billed so that a clinician's choice is never dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable

from services.coding.domain.brief import code_brief_service
from services.coding.domain.model import Case, CodingResult, Hold, Line
from services.coding.domain.monitoring import code_monitoring
from services.coding.domain.psychotherapy import code_psychotherapy, requested_instead_of_em, with_em_psychotherapy
from services.coding.domain.rules import CodingRules
from services.coding.domain.visits import code_visit
from shared.contracts.encounter import EncounterCompleted

IsBillableDiagnosis = Callable[[str], bool]


def code_synchronous(case: Case) -> CodingResult:
    """A visit: E/M with any psychotherapy as its add-on, or the psychiatric service itself for a
    practitioner who bills it instead of E/M (provider_types.yaml) or when the clinician asked for an
    evaluation or crisis psychotherapy."""
    if case.bills_em and not requested_instead_of_em(case):
        return with_em_psychotherapy(case, code_visit(case))
    return code_psychotherapy(case)


CODERS: dict[str, Callable[[Case], CodingResult]] = {
    "audio_video": code_synchronous,
    "audio_only": code_synchronous,
    "virtual_check_in": code_brief_service,
    "e_visit": code_brief_service,
    "store_and_forward": code_brief_service,
    "remote_monitoring": code_monitoring,
}


def normalise(diagnosis: str) -> str:
    return diagnosis.replace(".", "").upper()


def unique_diagnoses(raw: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(normalise(code) for code in raw))


def code_encounter(encounter: EncounterCompleted, rules: CodingRules, is_billable: IsBillableDiagnosis) -> CodingResult:
    diagnoses = unique_diagnoses(encounter.encounter.diagnoses)
    coverage, visit = encounter.coverage, encounter.encounter
    if coverage.plan_type == "self_pay":
        return CodingResult.held(diagnoses, Hold("self_pay", "self-pay encounter: no claim goes to a payer"))
    policy = rules.policy_for(coverage.payer_id, coverage.plan_type, visit.date_of_service)
    if policy is None:
        message = (
            f"no payer policy in force for {coverage.plan_type} payer {coverage.payer_id} on {visit.date_of_service}"
        )
        return CodingResult.held(diagnoses, *diagnosis_holds(diagnoses, is_billable), Hold("no_payer_policy", message))
    case = Case(encounter, rules, policy, diagnoses)
    result = CODERS[visit.modality](case)
    holds = diagnosis_holds(diagnoses, is_billable) + consent_holds(case) + list(result.holds)
    holds += provider_type_holds(case, result.lines)
    if holds:
        return CodingResult.held(diagnoses, *holds, place=result.place_of_service)
    return CodingResult("coded", result.place_of_service, diagnoses, lines=note_unbilled_requests(case, result.lines))


def diagnosis_holds(diagnoses: tuple[str, ...], is_billable: IsBillableDiagnosis) -> list[Hold]:
    return [
        Hold("diagnosis_not_billable", f"ICD-10-CM {code} is unknown or not a billable (leaf) code")
        for code in diagnoses
        if not is_billable(code)
    ]


def consent_holds(case: Case) -> list[Hold]:
    visit = case.visit
    if visit.modality in case.policy.consent_required_for and visit.consent_recorded is False:
        return [Hold("consent_not_recorded", f"{case.policy.payer} requires patient consent for {visit.modality}")]
    return []


def provider_type_holds(case: Case, lines: tuple[Line, ...]) -> list[Hold]:
    """An E/M service the rendering provider's kind may not bill is held, not sent (the taxonomy
    decides the kind: provider_types.yaml). No taxonomy on the encounter: nothing to decide from."""
    taxonomy = case.encounter.rendering_provider.taxonomy
    reserved = case.rules.provider_types.reserved_to_em
    em_codes = [line.code for line in lines if reserved & set(case.rules.kinds_in_force(line.code, case.day))]
    if taxonomy is None or not em_codes:
        return []
    found = case.provider_class
    if found is None:
        return [
            Hold(
                "provider_type_unknown", f"taxonomy {taxonomy} matches no provider class: add it to provider_types.yaml"
            )
        ]
    if found.bills_em:
        return []
    kind = found.provider_class.replace("_", " ")
    message = (
        f"a {kind} (taxonomy {taxonomy}) cannot bill E/M or the services reserved to those who can "
        f"({', '.join(em_codes)}); code it by hand"
    )
    return [Hold("not_billable_by_provider_type", message)]


def note_unbilled_requests(case: Case, lines: tuple[Line, ...]) -> tuple[Line, ...]:
    billed = {line.code for line in lines}
    explained = " ".join(line.explanation for line in lines)
    missing = [c for c in case.visit.requested_codes or [] if c not in billed and c not in explained]
    if not missing or not lines:
        return lines
    note = f"requested {', '.join(missing)} not billed: the documented facts do not support it"
    return (lines[0].noted(note), *lines[1:])
