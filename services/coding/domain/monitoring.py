"""Remote physiologic monitoring: set-up, device supply, and management or interpretation lines for one
period. 99091 and the management codes cover the same period's practitioner time: one of them."""

from __future__ import annotations

from services.coding.domain.model import Case, CodingResult, Hold, Line
from services.coding.domain.remote_monitoring import (
    RpmCode,
    date_of_service,
    interpretation_code,
    management_codes,
    setup_code,
    supply_code,
)
from shared.contracts.encounter import RemoteMonitoring


def code_monitoring(case: Case) -> CodingResult:
    period = case.visit.remote_monitoring
    if period is None:
        return CodingResult.held(
            case.diagnoses, Hold("rpm_period_missing", "remote_monitoring encounter without a monitoring period")
        )
    if case.visit.new_patient:
        return CodingResult.held(
            case.diagnoses,
            Hold("established_patient_only", "remote monitoring is billable for established patients only"),
        )
    table, place = case.rules.rpm_table, case.policy.non_telehealth_place_of_service
    found = [(code, 1) for code in (setup_code(table, period), supply_code(table, period)) if code]
    time_lines = practitioner_time_codes(period, case)
    if isinstance(time_lines, Hold):
        return CodingResult.held(case.diagnoses, time_lines, place=place)
    lines = tuple(rpm_line(case, code, units) for code, units in found + time_lines)
    if not lines:
        facts = (
            f"{period.reading_days} reading days, {period.management_minutes or 0} management min, "
            f"{period.interpretation_minutes or 0} interpretation min"
        )
        return CodingResult.held(
            case.diagnoses, Hold("rpm_nothing_billable", f"{facts}: below every remote monitoring threshold")
        )
    return CodingResult("coded", place, case.diagnoses, lines=lines)


def practitioner_time_codes(period: RemoteMonitoring, case: Case) -> list[tuple[RpmCode, int]] | Hold:
    table = case.rules.rpm_table
    managed, interpreted = management_codes(table, period), interpretation_code(table, period)
    if interpreted is None:
        return managed
    clashing = [code.code for code, _ in managed if code.code in interpreted.excludes]
    if clashing:
        message = (
            f"both {interpreted.code} and {', '.join(clashing)} are documented for the same period; they are never "
            "billed together: choose one and code it by hand"
        )
        return Hold("rpm_codes_exclusive", message)
    return [*managed, (interpreted, 1)]


def rpm_line(case: Case, code: RpmCode, units: int) -> Line:
    period = case.visit.remote_monitoring
    assert period is not None
    place = case.policy.non_telehealth_place_of_service
    day, dated = date_of_service(case.rules.rpm_table, code, period)
    in_force = f"{code.code} in force on {period.period_end}"
    why = f"{rpm_facts(code, units, period)}; {in_force}; {dated}; POS {place}, not telehealth"
    rule = f"rpm-{code.kind.replace('_', '-')}"
    return case.line(code.code, rule, code.source, why, units=units, date_of_service=day)


def rpm_facts(code: RpmCode, units: int, period: RemoteMonitoring) -> str:
    days, minutes = period.reading_days, period.management_minutes
    if code.kind == "setup":
        return f"first episode with {days} reading days >= {code.min_days}"
    if code.kind == "supply":
        return f"{days} reading days in {code.min_days}-{code.max_days}"
    if code.kind == "management":
        return f"{minutes} management min with interactive communication >= {code.min_minutes}"
    if code.kind == "interpretation":
        return f"{period.interpretation_minutes} min of data collection and interpretation >= {code.min_minutes}"
    return f"{minutes} management min: {units} additional {code.min_minutes}-min unit(s)"
