"""Brief services that are not Medicare telehealth: virtual check-ins (98016/G2252), e-visits
(99421-99423) and store-and-forward review (G2010), or, for a practitioner who cannot bill E/M,
their counterparts (G2251, 98970-98972, G2250). No POS 02/10, never modifier 95, and never GQ:
GQ marks a telehealth service delivered asynchronously in the Alaska/Hawaii demonstration, and G2010
is a communication technology-based service, not a telehealth one (CMS MLN901705)."""

from __future__ import annotations

from datetime import timedelta

from services.coding.domain.model import Case, CodingResult, Hold, Line
from services.coding.domain.rules import BriefCode, BundlingWindow


def code_brief_service(case: Case) -> CodingResult:
    place = case.policy.non_telehealth_place_of_service
    holds = established_only_holds(case) + bundling_holds(case) + time_window_holds(case)
    found = brief_line(case)
    if isinstance(found, Hold):
        holds.append(found)
    if holds:
        return CodingResult.held(case.diagnoses, *holds, place=place)
    assert isinstance(found, Line)
    return CodingResult("coded", place, case.diagnoses, lines=(found,))


def established_only_holds(case: Case) -> list[Hold]:
    if case.visit.new_patient:
        return [Hold("established_patient_only", f"{case.visit.modality} is billable for established patients only")]
    return []


def time_window_holds(case: Case) -> list[Hold]:
    """The minutes of an e-visit add up over the days from the patient's initiation (`start`) to the
    last reply (`end`): a longer span is not one service, and which days count is a person's call."""
    window, start, end = case.rules.time_window(case.visit.modality, case.day), case.visit.start, case.visit.end
    if window is None or start is None or end is None or end - start <= timedelta(days=window.days):
        return []
    spanned = (end - start).days
    message = (
        f"the {case.visit.modality} spans {spanned} days from the patient's initiation; its minutes must fall "
        f"within {window.days} days: split it or bill it by hand"
    )
    return [Hold("time_window_exceeded", message)]


def bundling_holds(case: Case) -> list[Hold]:
    window, related = case.rules.bundling(case.visit.modality, case.day), case.visit.related_em
    if window is None or related is None:
        return []
    inside = related_em_inside(window, related.days_before, related.days_after, related.hours_after)
    if not inside:
        return []
    message = f"a related E/M {inside} is inside the bundling window: this {case.visit.modality} is part of that visit"
    return [Hold("bundled_with_related_em", message)]


def related_em_inside(window: BundlingWindow, before: int | None, after: int | None, hours: int | None) -> str:
    checks = [
        (before, window.days_before, f"{before} day(s) before"),
        (after, window.days_after, f"{after} day(s) after"),
        (hours, window.hours_after, f"{hours} hour(s) after"),
    ]
    return next(
        (said for value, limit, said in checks if value is not None and limit is not None and value <= limit), ""
    )


def brief_line(case: Case) -> Line | Hold:
    codes = case.rules.brief_codes(case.visit.modality, case.day, case.bills_em)
    if not codes:
        return Hold("no_code_in_force", f"no {case.visit.modality} code{for_whom(case)} is in force on {case.day}")
    field = codes[0].minutes_from
    minutes = 0 if field == "none" else getattr(case.visit, field)
    if minutes is None:
        return Hold("minutes_not_documented", f"{case.visit.modality} needs {field} in the note")
    code = next((c for c in codes if c.min_minutes <= minutes <= (c.max_minutes or minutes)), None)
    if code is None:
        return Hold(
            "minutes_outside_code_ranges", f"{minutes} min fits no {case.visit.modality} code ({ranges(codes)})"
        )
    return case.line(
        code.code,
        case.visit.modality.replace("_", "-"),
        code.source or case.rules.brief.source,
        why(case, code, minutes),
    )


def for_whom(case: Case) -> str:
    return "" if case.bills_em else " for a practitioner who cannot bill E/M"


def ranges(codes: list[BriefCode]) -> str:
    return ", ".join(f"{c.code} {c.min_minutes}-{c.max_minutes if c.max_minutes is not None else ''}" for c in codes)


def why(case: Case, code: BriefCode, minutes: int) -> str:
    span = f"{code.min_minutes}-{code.max_minutes}" if code.max_minutes is not None else f"{code.min_minutes}+"
    facts = (
        "asynchronous review"
        if code.minutes_from == "none"
        else f"{minutes} min {code.minutes_from.replace('_', ' ')} in {span}"
    )
    place = case.policy.non_telehealth_place_of_service
    bundling = "no related E/M inside the bundling window"
    return f"{facts} for {code.code}{for_whom(case)}; {bundling}; POS {place}, not telehealth"
