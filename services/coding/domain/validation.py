"""The engine's own edits over a set of lines: what every engine output must pass, and what an
operator's explicit resolution of a hold is checked against. Each problem names the line."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from services.coding.domain.model import MAX_POINTERS, Case, Line
from services.coding.domain.visits import place_of_service

SYNCHRONOUS = {"audio_video", "audio_only"}
MAX_UNITS = 99
Check = Callable[[Case, Line, int], list[str]]


def problems(case: Case, lines: Sequence[Line], place: str | None) -> list[str]:
    if not lines:
        return ["no lines: a coded claim needs at least one service line"]
    found = [msg for n, line in enumerate(lines, 1) for check in LINE_CHECKS for msg in check(case, line, n)]
    return found + combination_problems(case, lines) + place_problems(case, place)


def known_code(case: Case, line: Line, n: int) -> list[str]:
    if case.rules.kinds_in_force(line.code, line.date_of_service):
        return []
    if line.code in case.rules.known:
        return [f"line {n}: {line.code} is not in force on {line.date_of_service}"]
    return [f"line {n}: {line.code} is not a code this engine knows (see rules/code_catalogue.yaml)"]


def payer_accepts(case: Case, line: Line, n: int) -> list[str]:
    kinds = case.rules.kinds_in_force(line.code, line.date_of_service)
    if "telemedicine_em" in kinds and case.policy.telemedicine_codes == "not_paid":
        return [
            f"line {n}: {case.policy.payer} does not pay CPT telemedicine code {line.code}; bill the 99xxx equivalent"
        ]
    return []


def modifier_fits(case: Case, line: Line, n: int) -> list[str]:
    """Each modifier must be one the payer policy uses, for the modality it is meant for."""
    policy, modality, found = case.policy, case.visit.modality, []
    audio = {policy.audio_only_modifier, policy.rural_clinic_audio_only_modifier}
    demo = policy.asynchronous_demonstration.modifier if policy.asynchronous_demonstration else None
    for modifier in line.modifiers:
        if modifier == policy.video_modifier and modality != "audio_video":
            found.append(f"line {n}: modifier {modifier} is for synchronous audio-video only, not {modality}")
        elif modifier in audio and modality != "audio_only":
            found.append(f"line {n}: modifier {modifier} is for audio-only visits, not {modality}")
        elif modifier == demo and (not in_demonstration(case) or is_brief_service(case, line.code)):
            found.append(
                f"line {n}: {modifier} only on a telehealth service delivered asynchronously in the payer's "
                f"demonstration states ({line.code} is not one there)"
            )
        elif modifier not in audio | {policy.video_modifier, demo}:
            found.append(f"line {n}: modifier {modifier} is not one the {policy.payer} policy uses")
    return found


def is_brief_service(case: Case, code: str) -> bool:
    """A communication technology-based service (G2010, virtual check-ins, e-visits): not telehealth."""
    return any(brief.code == code for brief in case.rules.brief.codes)


def in_demonstration(case: Case) -> bool:
    demo = case.policy.asynchronous_demonstration
    state = case.visit.patient_location.state
    return case.visit.modality == "store_and_forward" and demo is not None and state in demo.patient_states


def pointers_fit(case: Case, line: Line, n: int) -> list[str]:
    pointers, count = line.diagnosis_pointers, len(case.diagnoses)
    found = []
    if not 1 <= len(pointers) <= MAX_POINTERS:
        found.append(f"line {n}: needs 1 to {MAX_POINTERS} diagnosis pointers, has {len(pointers)}")
    if len(set(pointers)) != len(pointers):
        found.append(f"line {n}: repeated diagnosis pointer")
    found += [f"line {n}: pointer {p} is outside diagnoses 1-{count}" for p in pointers if not 1 <= p <= count]
    return found


def units_fit(case: Case, line: Line, n: int) -> list[str]:
    if not 1 <= line.units <= MAX_UNITS:
        return [f"line {n}: units {line.units} outside 1-{MAX_UNITS}"]
    if line.units != 1 and not case.rules.billed_in_units(line.code, line.date_of_service):
        return [f"line {n}: {line.code} is billed once (units 1), not {line.units}"]
    return []


def date_fits(case: Case, line: Line, n: int) -> list[str]:
    period = case.visit.remote_monitoring
    allowed = {case.day} | ({period.period_start, period.period_end} if period else set())
    if line.date_of_service in allowed or (period and period.period_start <= line.date_of_service <= period.period_end):
        return []
    return [f"line {n}: date of service {line.date_of_service} is not the encounter's ({case.day})"]


def combination_problems(case: Case, lines: Sequence[Line]) -> list[str]:
    codes = [line.code for line in lines]
    rpm = case.rules.rpm_table.codes
    exclusive = {(c.code, other) for c in rpm for other in c.excludes}
    needs = {c.code: c.requires for c in rpm if c.requires}
    found = [f"{a} and {b} cannot be billed together" for a, b in sorted(exclusive) if a in codes and b in codes]
    found += [
        f"{code} needs {base} on the same claim" for code, base in needs.items() if code in codes and base not in codes
    ]
    found += [f"{code} appears on more than one line" for code in sorted(set(codes)) if codes.count(code) > 1]
    found += prolonged_problems(case, lines, codes)
    return found + originating_site_problems(case, codes)


def prolonged_problems(case: Case, lines: Sequence[Line], codes: list[str]) -> list[str]:
    prolonged = [line for line in lines if "prolonged" in case.rules.kinds_in_force(line.code, line.date_of_service)]
    bases = {row.after for line in prolonged for row in case.rules.prolonged.rows if row.code == line.code}
    if prolonged and not bases & set(codes):
        return [f"{prolonged[0].code} needs its highest-level visit ({', '.join(sorted(bases))}) on the claim"]
    return []


def originating_site_problems(case: Case, codes: list[str]) -> list[str]:
    site = case.rules.originating_site.code
    facility = case.visit.patient_location.facility_npi
    if site in codes and (case.at_home or facility != case.encounter.billing_provider.npi):
        return [f"{site} only on a claim billed by the facility where the patient sat (not home, not the distant site)"]
    return []


def place_problems(case: Case, place: str | None) -> list[str]:
    if place is None or len(place) != 2 or not place.isdigit():
        return [f"place of service {place!r} must be two digits"]
    expected = (
        place_of_service(case) if case.visit.modality in SYNCHRONOUS else case.policy.non_telehealth_place_of_service
    )
    if place != expected:
        return [f"place of service {place} does not fit a {case.visit.modality} encounter here (expected {expected})"]
    return []


LINE_CHECKS: list[Check] = [known_code, payer_accepts, modifier_fits, pointers_fit, units_fit, date_fits]
