"""Psychiatric services by telehealth: a diagnostic evaluation (90791, or 90792 with medical services),
crisis psychotherapy, psychotherapy by time for practitioners who bill it instead of E/M, and the
psychotherapy add-on of an E/M visit. Interactive complexity when the clinician asked for it, never
dropped: a requested add-on that cannot go with the service is held."""

from __future__ import annotations

from services.coding.domain.model import Case, CodingResult, Hold, Line
from services.coding.domain.rules import TimeCode
from services.coding.domain.visits import audio_only_holds, mental_health_home_holds, place_of_service, visit_modifiers


def code_psychotherapy(case: Case) -> CodingResult:
    place = place_of_service(case)
    holds = audio_only_holds(case) + mental_health_home_holds(case)
    found = main_lines(case)
    if isinstance(found, Hold):
        holds.append(found)
    else:
        added = complexity_line(case, found)
        holds += [added] if isinstance(added, Hold) else []
        found += [added] if isinstance(added, Line) else []
    if holds:
        return CodingResult.held(case.diagnoses, *holds, place=place)
    assert not isinstance(found, Hold)
    return CodingResult("coded", place, case.diagnoses, lines=tuple(found))


def requested(case: Case) -> set[str]:
    return set(case.visit.requested_codes or [])


def requested_instead_of_em(case: Case) -> bool:
    """An evaluation or crisis psychotherapy the clinician asked for is the visit's service, not an E/M."""
    return bool(requested(case) & case.rules.psychotherapy.requested_instead_of_em())


def psychotherapy_minutes(case: Case) -> int | None:
    """Without an E/M the session's time is the psychotherapy time, unless it is stated on its own."""
    visit = case.visit
    return visit.psychotherapy_minutes if visit.psychotherapy_minutes is not None else visit.total_minutes


def main_lines(case: Case) -> list[Line] | Hold:
    table = case.rules.psychotherapy
    if table.crisis.first in requested(case):
        return crisis_lines(case)
    if table.medical_evaluation in requested(case):
        return medical_evaluation_lines(case)
    if table.evaluation in requested(case):
        why = "psychiatric diagnostic evaluation requested by the clinician (no time threshold)"
        return [line(case, table.evaluation, "psychiatric-evaluation", why)]
    return time_lines(case)


def medical_evaluation_lines(case: Case) -> list[Line] | Hold:
    table = case.rules.psychotherapy
    if not case.bills_em:
        message = (
            f"{table.medical_evaluation} includes medical services, which the rendering provider's kind cannot "
            f"bill (provider_types.yaml): {table.evaluation} is the evaluation it may bill; code it by hand"
        )
        return Hold("not_billable_by_provider_type", message)
    why = "psychiatric diagnostic evaluation with medical services requested by the clinician, instead of an E/M"
    return [line(case, table.medical_evaluation, "psychiatric-evaluation", why)]


def fitting(codes: list[TimeCode], minutes: int) -> TimeCode | None:
    return next((c for c in codes if c.min_minutes <= minutes <= (c.max_minutes or minutes)), None)


def span(code: TimeCode) -> str:
    return f"{code.min_minutes}-{code.max_minutes}" if code.max_minutes else f"{code.min_minutes}+"


def time_lines(case: Case) -> list[Line] | Hold:
    minutes, table = psychotherapy_minutes(case), case.rules.psychotherapy
    if minutes is None:
        return Hold("minutes_not_documented", "psychotherapy is coded by its time: total_minutes is not documented")
    code = fitting(table.time_codes, minutes)
    if code is None:
        shortest = min(c.min_minutes for c in table.time_codes)
        return Hold("psychotherapy_too_short", f"{minutes} min of psychotherapy: the shortest code needs {shortest}")
    why = f"{minutes} min of psychotherapy in {span(code)} for {code.code}"
    return [line(case, code.code, "psychotherapy-time", why)]


def crisis_lines(case: Case) -> list[Line] | Hold:
    minutes, crisis = psychotherapy_minutes(case) or 0, case.rules.psychotherapy.crisis
    if minutes < crisis.first_minutes:
        return Hold("crisis_too_short", f"{minutes} min: crisis psychotherapy needs {crisis.first_minutes}")
    lines = [line(case, crisis.first, "crisis-psychotherapy", f"{minutes} min of crisis psychotherapy")]
    past = minutes - crisis.first_covers_to  # each started block of additional minutes past the first code's
    extra = 1 + (past - 1) // crisis.additional_minutes if past > 0 else 0
    if extra:
        why = f"{minutes} min: {extra} unit(s) past the first {crisis.first_covers_to} min"
        lines.append(line(case, crisis.each_additional, "crisis-psychotherapy", why, units=extra))
    return lines


def complexity_line(case: Case, lines: list[Line]) -> Line | Hold | None:
    table = case.rules.psychotherapy
    if table.interactive_complexity not in requested(case):
        return None
    if any(found.code in (table.crisis.first, table.crisis.each_additional) for found in lines):
        return Hold(
            "requested_addon_not_billable",
            f"{table.interactive_complexity} was requested, but it is not reported with crisis psychotherapy",
        )
    if not lines:
        return Hold(
            "requested_addon_not_billable",
            f"{table.interactive_complexity} was requested, but it goes with psychotherapy or a psychiatric "
            "evaluation and this visit bills neither",
        )
    why = "interactive complexity requested by the clinician, with " + lines[0].code
    return line(case, table.interactive_complexity, "interactive-complexity", why)


def em_psychotherapy_lines(case: Case) -> list[Line] | Hold:
    """Psychotherapy in an E/M visit: its add-on by the psychotherapy minutes (fewer than the shortest
    add-on's are not billed: the E/M line says so), and interactive complexity with it when requested."""
    minutes, table = case.visit.psychotherapy_minutes, case.rules.psychotherapy
    code = fitting(table.with_em_addons, minutes) if minutes else None
    found = []
    if code is not None:
        why = f"{minutes} min of psychotherapy with the E/M in {span(code)} for {code.code}"
        found.append(line(case, code.code, "psychotherapy-with-em", why))
    added = complexity_line(case, found)
    return added if isinstance(added, Hold) else found + ([added] if added else [])


def with_em_psychotherapy(case: Case, visit: CodingResult) -> CodingResult:
    """The E/M visit's result with its psychotherapy add-on. An RHC/FQHC's flat-rate telehealth code has
    no add-on: psychotherapy there is a mental-health visit (first-listed diagnosis), coded by hand."""
    found = em_psychotherapy_lines(case)
    if isinstance(found, Hold):
        return CodingResult.held(visit.diagnoses, *visit.holds, found, place=visit.place_of_service)
    if not found or visit.status != "coded":
        return visit
    if any(line.rule == "rural-clinic-telehealth" for line in visit.lines):
        message = (
            f"{found[0].code} does not go with the RHC/FQHC telehealth code {visit.lines[0].code}: code it by hand"
        )
        return CodingResult.held(visit.diagnoses, Hold("psychotherapy_with_rural_clinic_code", message))
    return CodingResult("coded", visit.place_of_service, visit.diagnoses, lines=(*visit.lines, *found))


def line(case: Case, code: str, rule: str, why: str, units: int = 1) -> Line:
    source = case.rules.psychotherapy.source
    return case.line(code, rule, source, why, modifiers=visit_modifiers(case), units=units)
