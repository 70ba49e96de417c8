"""Remote physiologic monitoring: set-up, device supply and management lines for one period."""

from __future__ import annotations

from services.coding.domain.model import Case, CodingResult, Hold, Line
from services.coding.domain.remote_monitoring import RpmCode, management_codes, setup_code, supply_code
from shared.contracts.encounter import RemoteMonitoring


def code_monitoring(case: Case) -> CodingResult:
    period, place = case.visit.remote_monitoring, case.policy.non_telehealth_place_of_service
    if period is None:
        return CodingResult.held(
            case.diagnoses, Hold("rpm_period_missing", "remote_monitoring encounter without a monitoring period")
        )
    if case.visit.new_patient:
        return CodingResult.held(
            case.diagnoses,
            Hold("established_patient_only", "remote monitoring is billable for established patients only"),
        )
    table = case.rules.rpm_table
    found = [(code, 1) for code in (setup_code(table, period), supply_code(table, period)) if code]
    lines = tuple(rpm_line(case, code, units) for code, units in found + management_codes(table, period))
    if not lines:
        facts = f"{period.reading_days} reading days, {period.management_minutes or 0} management min"
        return CodingResult.held(
            case.diagnoses, Hold("rpm_nothing_billable", f"{facts}: below every remote monitoring threshold")
        )
    return CodingResult("coded", place, case.diagnoses, lines=lines)


def rpm_line(case: Case, code: RpmCode, units: int) -> Line:
    period = case.visit.remote_monitoring
    assert period is not None
    place = case.policy.non_telehealth_place_of_service
    why = f"{rpm_facts(code, units, period)}; {code.code} in force on {period.period_end}; POS {place}, not telehealth"
    rule = f"rpm-{code.kind.replace('_', '-')}"
    return case.line(code.code, rule, code.source, why, units=units, date_of_service=period.period_end)


def rpm_facts(code: RpmCode, units: int, period: RemoteMonitoring) -> str:
    days, minutes = period.reading_days, period.management_minutes
    if code.kind == "setup":
        return f"first episode with {days} reading days >= {code.min_days}"
    if code.kind == "supply":
        return f"{days} reading days in {code.min_days}-{code.max_days}; date of service = last reading day"
    if code.kind == "management":
        return f"{minutes} management min with interactive communication >= {code.min_minutes}"
    return f"{minutes} management min: {units} additional {code.min_minutes}-min unit(s)"
