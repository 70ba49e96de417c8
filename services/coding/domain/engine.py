"""The coding engine: a verified encounter in, billable lines or holds out. Pure and explainable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from services.coding.domain.remote_monitoring import management_codes, setup_code, supply_code
from services.coding.domain.rules import CodingRules, EmLevel, PayerPolicy
from shared.contracts.encounter import EncounterCompleted

SYNCHRONOUS = {"audio_video", "audio_only"}
AUTOMATIC = SYNCHRONOUS | {"remote_monitoring"}
IsBillableDiagnosis = Callable[[str], bool]


@dataclass(frozen=True)
class Hold:
    reason: str
    message: str


@dataclass(frozen=True)
class Line:
    code: str
    modifiers: tuple[str, ...]
    units: int
    diagnosis_pointers: tuple[int, ...]
    date_of_service: date
    rule: str
    source: str
    explanation: str


@dataclass(frozen=True)
class CodingResult:
    status: str  # coded | held
    place_of_service: str | None
    diagnoses: tuple[str, ...]
    lines: tuple[Line, ...] = ()
    holds: tuple[Hold, ...] = field(default_factory=tuple)


def normalise(diagnosis: str) -> str:
    return diagnosis.replace(".", "").upper()


def code_encounter(encounter: EncounterCompleted, rules: CodingRules, is_billable: IsBillableDiagnosis) -> CodingResult:
    visit = encounter.encounter
    diagnoses = tuple(normalise(d) for d in visit.diagnoses)
    policy = rules.policy_for(encounter.coverage.payer_id, encounter.coverage.plan_type, visit.date_of_service)
    holds = diagnosis_holds(diagnoses, is_billable) + policy_holds(encounter, policy)
    if policy is None or holds:
        return CodingResult("held", None, diagnoses, holds=tuple(holds))
    if visit.modality == "remote_monitoring":
        return rpm_result(encounter, rules, policy, diagnoses)
    place = place_of_service(encounter, policy)
    line_or_hold = em_line(encounter, rules, policy, place, diagnoses)
    if isinstance(line_or_hold, Hold):
        return CodingResult("held", place, diagnoses, holds=(line_or_hold,))
    return CodingResult("coded", place, diagnoses, lines=(line_or_hold,))


def diagnosis_holds(diagnoses: tuple[str, ...], is_billable: IsBillableDiagnosis) -> list[Hold]:
    return [
        Hold("diagnosis_not_billable", f"ICD-10-CM {code} is unknown or not a billable (leaf) code")
        for code in diagnoses
        if not is_billable(code)
    ]


def policy_holds(encounter: EncounterCompleted, policy: PayerPolicy | None) -> list[Hold]:
    visit = encounter.encounter
    if policy is None:
        return [
            Hold(
                "no_payer_policy",
                f"no payer policy in force for {encounter.coverage.plan_type} on {visit.date_of_service}",
            )
        ]
    if visit.modality not in AUTOMATIC:
        return [Hold("modality_not_supported", f"{visit.modality} is not coded automatically by this version")]
    if visit.modality == "remote_monitoring" and visit.remote_monitoring is None:
        return [Hold("rpm_period_missing", "remote_monitoring encounter without a monitoring period")]
    if visit.modality != "audio_only":
        return []
    return audio_only_holds(encounter, policy)


def audio_only_holds(encounter: EncounterCompleted, policy: PayerPolicy) -> list[Hold]:
    visit = encounter.encounter
    holds = []
    if policy.audio_only_requires_home and visit.patient_location.setting != "home":
        holds.append(Hold("audio_only_not_at_home", f"{policy.payer}: audio-only telehealth needs the patient at home"))
    if policy.audio_only_requires_reason and visit.audio_only_reason is None:
        holds.append(
            Hold("audio_only_reason_missing", f"{policy.payer}: audio-only needs the reason video was not used")
        )
    return holds


def place_of_service(encounter: EncounterCompleted, policy: PayerPolicy) -> str:
    home = encounter.encounter.patient_location.setting == "home"
    return policy.place_of_service.home if home else policy.place_of_service.elsewhere


def modifiers(encounter: EncounterCompleted, policy: PayerPolicy) -> tuple[str, ...]:
    if encounter.encounter.modality == "audio_video":
        return (policy.video_modifier,) if policy.video_modifier else ()
    rural = encounter.billing_provider.organization_type in {"fqhc", "rural_health_clinic"}
    return (policy.rural_clinic_audio_only_modifier if rural else policy.audio_only_modifier,)


def level_by_time(levels: list[EmLevel], minutes: int | None, documented: bool | None) -> EmLevel | None:
    if not documented or minutes is None:
        return None
    reached = [level for level in levels if minutes >= level.min_minutes]
    return reached[-1] if reached else None


def level_by_mdm(levels: list[EmLevel], mdm: str | None) -> EmLevel | None:
    return next((level for level in levels if level.mdm == mdm), None)


def em_line(
    encounter: EncounterCompleted, rules: CodingRules, policy: PayerPolicy, place: str, diagnoses: tuple[str, ...]
) -> Line | Hold:
    visit = encounter.encounter
    levels = rules.em_table.for_patient(visit.new_patient)
    by_time = level_by_time(levels, visit.total_minutes, visit.time_documented)
    by_mdm = level_by_mdm(levels, visit.mdm_level)
    chosen = max((lvl for lvl in (by_time, by_mdm) if lvl), key=lambda lvl: lvl.min_minutes, default=None)
    if chosen is None:
        return Hold("em_level_unsupported", "neither documented time nor MDM supports an office E/M level")
    why = (
        f"{visit.total_minutes} min documented >= {chosen.min_minutes} min threshold for {chosen.code}"
        if chosen is by_time
        else f"MDM {visit.mdm_level} supports {chosen.code}"
    )
    return Line(
        code=chosen.code,
        modifiers=modifiers(encounter, policy),
        units=1,
        diagnosis_pointers=tuple(range(1, min(4, len(diagnoses)) + 1)),
        date_of_service=visit.date_of_service,
        rule="em-office-time" if chosen is by_time else "em-office-mdm",
        source=rules.em_table.source,
        explanation=f"{why}; POS {place} and modifiers from the {policy.payer} policy",
    )


def rpm_result(
    encounter: EncounterCompleted, rules: CodingRules, policy: PayerPolicy, diagnoses: tuple[str, ...]
) -> CodingResult:
    period = encounter.encounter.remote_monitoring
    assert period is not None  # policy_holds holds RPM encounters without a period
    table = rules.rpm_table
    pointers = tuple(range(1, min(4, len(diagnoses)) + 1))
    facts = f"{period.reading_days} reading days, {period.management_minutes or 0} management min"
    found = [(c, 1) for c in (setup_code(table, period), supply_code(table, period)) if c]
    lines = tuple(
        Line(
            code.code,
            (),
            units,
            pointers,
            period.period_end,
            f"rpm-{code.kind}",
            code.source,
            f"{facts}; {code.code} ({code.kind}) in force on {period.period_end}",
        )
        for code, units in found + management_codes(table, period)
    )
    if not lines:
        hold = Hold("rpm_nothing_billable", f"{facts}: below every remote monitoring threshold")
        return CodingResult("held", None, diagnoses, holds=(hold,))
    return CodingResult("coded", policy.non_telehealth_place_of_service, diagnoses, lines=lines)
