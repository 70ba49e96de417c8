"""Psychotherapy by telehealth for practitioners who bill it instead of E/M (clinical psychologists,
clinical social workers, counselors, marriage and family therapists): a diagnostic evaluation, crisis
psychotherapy or psychotherapy by time, and interactive complexity when the clinician asked for it
(never dropped: a requested add-on that cannot go with the service is held)."""

from __future__ import annotations

from services.coding.domain.model import Case, CodingResult, Hold, Line
from services.coding.domain.visits import audio_only_holds, home_site_holds, place_of_service, visit_modifiers


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


def mental_health_home_holds(case: Case) -> list[Hold]:
    """Psychotherapy is a mental-health service: for a payer that says so, the home stays an
    originating site, and from the date the law sets an in-person visit must have come first (not on
    the encounter: a person confirms it)."""
    rule = case.policy.mental_health_home_site
    if rule is None:
        return home_site_holds(case)
    if case.at_home and case.day >= rule.in_person_required_from:
        message = (
            f"from {rule.in_person_required_from} {case.policy.payer} requires an in-person visit within 6 months "
            "before mental-health telehealth at home: confirm it, then code it by hand"
        )
        return [Hold("mental_health_in_person_unconfirmed", message)]
    return []


def requested(case: Case) -> set[str]:
    return set(case.visit.requested_codes or [])


def main_lines(case: Case) -> list[Line] | Hold:
    table = case.rules.psychotherapy
    if table.crisis.first in requested(case):
        return crisis_lines(case)
    if table.evaluation in requested(case):
        why = "psychiatric diagnostic evaluation requested by the clinician (no time threshold)"
        return [line(case, table.evaluation, "psychiatric-evaluation", why)]
    return time_lines(case)


def time_lines(case: Case) -> list[Line] | Hold:
    minutes, table = case.visit.total_minutes, case.rules.psychotherapy
    if minutes is None:
        return Hold("minutes_not_documented", "psychotherapy is coded by its time: total_minutes is not documented")
    code = next((c for c in table.time_codes if c.min_minutes <= minutes <= (c.max_minutes or minutes)), None)
    if code is None:
        shortest = min(c.min_minutes for c in table.time_codes)
        return Hold("psychotherapy_too_short", f"{minutes} min of psychotherapy: the shortest code needs {shortest}")
    span = f"{code.min_minutes}-{code.max_minutes}" if code.max_minutes else f"{code.min_minutes}+"
    return [line(case, code.code, "psychotherapy-time", f"{minutes} min of psychotherapy in {span} for {code.code}")]


def crisis_lines(case: Case) -> list[Line] | Hold:
    minutes, crisis = case.visit.total_minutes or 0, case.rules.psychotherapy.crisis
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
    why = "interactive complexity requested by the clinician, with " + lines[0].code
    return line(case, table.interactive_complexity, "interactive-complexity", why)


def line(case: Case, code: str, rule: str, why: str, units: int = 1) -> Line:
    source = case.rules.psychotherapy.source
    return case.line(code, rule, source, why, modifiers=visit_modifiers(case), units=units)
