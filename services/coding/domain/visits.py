"""Synchronous telehealth visits (audio-video, audio-only): E/M level, prolonged time, device
services, the originating-site fee, modifiers and place of service per payer policy."""

from __future__ import annotations

from collections.abc import Sequence

from services.coding.domain.model import Case, CodingResult, Hold, Line
from services.coding.domain.rules import EmLevel

TIME_RULE, MDM_RULE = "time", "mdm"


def code_visit(case: Case) -> CodingResult:
    place = place_of_service(case)
    holds = audio_only_holds(case) + originating_site_holds(case) + peripheral_holds(case)
    chosen = choose_level(case)
    if isinstance(chosen, Hold):
        holds.append(chosen)
    if holds:
        return CodingResult.held(case.diagnoses, *holds, place=place)
    assert not isinstance(chosen, Hold)
    main = rural_clinic_line(case, chosen[0]) if bills_rural_clinic_code(case) else None
    if isinstance(main, Hold):
        return CodingResult.held(case.diagnoses, main, place=place)
    # RHC/FQHC flat-rate telehealth code: no E/M level of its own, so no prolonged time either.
    visit_lines = [main] if main else [em_line(case, *chosen, place), *prolonged_lines(case, *chosen)]
    visit_lines += addon_lines(case, visit_lines[0])
    lines = [*visit_lines, *device_lines(case), *originating_site_lines(case)]
    return CodingResult("coded", place, case.diagnoses, lines=tuple(lines))


def place_of_service(case: Case) -> str:
    pos = case.policy.place_of_service
    return pos.home if case.at_home else pos.elsewhere


def visit_modifiers(case: Case) -> tuple[str, ...]:
    policy = case.policy
    if case.visit.modality == "audio_video":
        return (policy.video_modifier,) if policy.video_modifier else ()
    return (policy.rural_clinic_audio_only_modifier if case.rural_clinic else policy.audio_only_modifier,)


def audio_only_holds(case: Case) -> list[Hold]:
    visit, policy = case.visit, case.policy
    if visit.modality != "audio_only":
        return []
    holds = []
    if policy.audio_only_requires_home and not case.at_home:
        holds.append(Hold("audio_only_not_at_home", f"{policy.payer}: audio-only telehealth needs the patient at home"))
    if policy.audio_only_reasons and visit.audio_only_reason not in policy.audio_only_reasons:
        holds.append(audio_only_reason_hold(policy.payer, visit.audio_only_reason, policy.audio_only_reasons))
    return holds


def audio_only_reason_hold(payer: str, given: str | None, accepted: Sequence[str]) -> Hold:
    if given is None:
        return Hold("audio_only_reason_missing", f"{payer}: audio-only needs why video was not used (none documented)")
    return Hold(
        "audio_only_reason_not_qualifying",
        f"{payer}: '{given}' does not qualify audio-only (the patient must lack or decline video while the "
        f"practitioner could use it: {', '.join(accepted)}); document the patient's side or bill it otherwise",
    )


def home_site_holds(case: Case) -> list[Hold]:
    if case.at_home and not case.policy.allows_home_site(case.day):
        return [Hold("home_site_not_allowed", f"{case.policy.payer}: home is not an originating site on {case.day}")]
    return []


def originating_site_holds(case: Case) -> list[Hold]:
    """A mental-health visit (by its first-listed diagnosis, or psychotherapy in it) follows the payer's
    mental-health home-site rule; any other visit the payer's home-site windows."""
    mental_health = case.rules.mental_health.covers(case.diagnoses, case.day) or bool(case.visit.psychotherapy_minutes)
    return mental_health_home_holds(case) if mental_health else home_site_holds(case)


def mental_health_home_holds(case: Case) -> list[Hold]:
    """For a payer that says so, the home stays an originating site for mental-health services, and
    from the date the law sets an in-person visit must have come first (not on the encounter: a person
    confirms it)."""
    rule = case.policy.mental_health_home_site
    if rule is None:
        return home_site_holds(case)
    if case.at_home and case.day >= rule.in_person_required_from:
        message = (
            f"from {rule.in_person_required_from} {case.policy.payer} requires an in-person visit within "
            f"{rule.in_person_within_months} months "
            "before mental-health telehealth at home: confirm it, then code it by hand"
        )
        return [Hold("mental_health_in_person_unconfirmed", message)]
    return []


def peripheral_holds(case: Case) -> list[Hold]:
    return [
        Hold("peripheral_undocumented", f"{p.device} used during the visit but its readings are not documented")
        for p in case.visit.peripherals or []
        if not p.documented
    ]


def em_family(case: Case) -> str:
    return "telemedicine" if case.policy.telemedicine_codes == "adopted" else "office"


def separate_psychotherapy_minutes(case: Case) -> int:
    """Psychotherapy minutes billed as the E/M's add-on; fewer than its shortest code are not a separate
    service and stay in the E/M's time."""
    minutes = case.visit.psychotherapy_minutes
    if not minutes:
        return 0
    shortest = min(c.min_minutes for c in case.rules.psychotherapy.with_em_addons)
    return minutes if minutes >= shortest else 0


def em_minutes(case: Case) -> int | None:
    """The E/M's time: the total less the psychotherapy billed as its add-on (CPT counts minutes once)."""
    total = case.visit.total_minutes
    return total - separate_psychotherapy_minutes(case) if total is not None else None


def em_time_note(case: Case) -> str:
    minutes, separate = case.visit.psychotherapy_minutes, separate_psychotherapy_minutes(case)
    if not minutes:
        return ""
    if separate:
        return f"{minutes} min of psychotherapy billed as its add-on, not counted in the E/M time"
    return f"{minutes} min of psychotherapy, too short for its add-on, counted in the E/M time"


def choose_level(case: Case) -> tuple[EmLevel, str] | Hold:
    """The higher level that documented time or MDM supports (CPT lets either select the level)."""
    visit, minutes = case.visit, em_minutes(case)
    levels = case.rules.em_levels(em_family(case), visit.modality, visit.new_patient, case.day)
    timed = visit.time_documented and minutes is not None
    by_time = [lvl for lvl in levels if timed and minutes >= lvl.min_minutes][-1:]  # type: ignore[operator]
    by_mdm = [lvl for lvl in levels if lvl.mdm == visit.mdm_level]
    candidates = [(lvl, TIME_RULE) for lvl in by_time] + [(lvl, MDM_RULE) for lvl in by_mdm]
    if not candidates:
        return no_level_hold(case, levels)
    chosen = max(candidates, key=lambda pair: pair[0].min_minutes)
    return discussion_hold(case, chosen[0]) or chosen


def no_level_hold(case: Case, levels: list[EmLevel]) -> Hold:
    visit, minutes = case.visit, em_minutes(case)
    if not levels:
        return Hold("em_level_unsupported", f"no E/M level table in force for {visit.modality} on {case.day}")
    if not visit.time_documented or minutes is None:
        why = "total time is not documented in the note"
    else:
        why = f"{minutes} min is below the {levels[0].min_minutes} min threshold of {levels[0].code}"
    return Hold("em_level_unsupported", f"{why} and no MDM level is documented: a coder must choose the level")


def discussion_hold(case: Case, level: EmLevel) -> Hold | None:
    needed, had = level.min_discussion_minutes, case.visit.medical_discussion_minutes or 0
    if needed is None or had >= needed:
        return None
    return Hold(
        "audio_only_discussion_too_short",
        f"{level.code} needs more than {needed - 1} min of medical discussion ({had} documented)",
    )


def em_line(case: Case, level: EmLevel, rule: str, place: str) -> Line:
    visit = case.visit
    why = (
        f"{em_minutes(case)} min documented >= {level.min_minutes} min threshold for {level.code}"
        if rule == TIME_RULE
        else f"MDM {visit.mdm_level} supports {level.code}"
    )
    table = case.rules.em_office if level.family == "office" else case.rules.em_telemedicine
    modifiers = visit_modifiers(case)
    shown = "/".join(modifiers) or "none"
    setting = (
        f"POS {place} (patient {visit.patient_location.setting}), modifiers {shown} per the {case.policy.payer} policy"
    )
    line = case.line(
        level.code, f"em-{level.family}-{rule}", level.source or table.source, f"{why}; {setting}", modifiers=modifiers
    )
    notes = (em_time_note(case), requested_em_note(case, level), supporting_devices_note(case))
    for note in notes:
        line = line.noted(note)
    return line


def requested_em_note(case: Case, billed: EmLevel) -> str:
    notes = []
    for code in case.visit.requested_codes or []:
        requested = case.rules.telemedicine_level(code)
        if code == billed.code:
            notes.append(f"matches the requested {code}")
        elif requested and case.policy.telemedicine_codes == "not_paid":
            notes.append(
                f"requested {code} replaced by {billed.code}: {case.policy.payer} does not pay CPT telemedicine "
                f"codes 98000-98015 (office equivalent {requested.office_equivalent})"
            )
        elif "em" in case.rules.kinds_in_force(code, case.day) or requested:
            notes.append(f"requested {code} replaced by {billed.code}: the documentation supports {billed.code}")
    return "; ".join(notes)


def addon_lines(case: Case, em: Line) -> list[Line]:
    """G2211 and its kind: for a payer that pays them, with the E/M codes they go with, when the
    encounter states the fact they need (never guessed from the diagnoses)."""
    found = []
    for addon in case.rules.addons_for(em.code, case.day):
        stated = getattr(case.visit, addon.requires) is True
        blocked = set(em.modifiers) & set(addon.not_with_modifiers)
        if addon.code in case.policy.em_addons_paid and stated and not blocked:
            why = f"{addon.requires.replace('_', ' ')} stated; with {em.code} ({case.policy.payer} pays {addon.code})"
            source = addon.source or case.rules.em_addons.source
            found.append(case.line(addon.code, "em-addon", source, why, modifiers=visit_modifiers(case)))
    return found


def prolonged_lines(case: Case, level: EmLevel, rule: str) -> list[Line]:
    minutes = em_minutes(case) or 0
    row = case.rules.prolonged_row(case.policy.prolonged_code, level.code, case.day)
    if rule != TIME_RULE or row is None or minutes < row.first_unit_minutes:
        return []
    units = 1 + (minutes - row.first_unit_minutes) // row.unit_minutes
    why = (
        f"{minutes} min >= {row.first_unit_minutes} min after {level.code}: {units} unit(s), "
        f"one more per full {row.unit_minutes} min ({case.policy.payer} uses {row.code})"
    )
    source = row.source or case.rules.prolonged.source
    return [case.line(row.code, "prolonged-time", source, why, modifiers=visit_modifiers(case), units=units)]


def paid_device_services(case: Case) -> list[tuple[str, str, str]]:
    """One line per paid device service, however many times the device is listed."""
    found: dict[str, tuple[str, str, str]] = {}
    for peripheral in case.visit.peripherals or []:
        service = case.rules.device_service(peripheral.device, case.day)
        if service and peripheral.documented and peripheral.device in case.policy.device_services_paid:
            found[service.code] = (peripheral.device, service.code, service.source or case.rules.peripherals.source)
    return list(found.values())


def device_lines(case: Case) -> list[Line]:
    return [
        case.line(
            code,
            "device-service",
            source,
            f"{device} readings and interpretation documented; {case.policy.payer} pays {code} separately",
        )
        for device, code, source in paid_device_services(case)
    ]


def supporting_devices_note(case: Case) -> str:
    paid = {device for device, _, _ in paid_device_services(case)}
    supporting = list(
        dict.fromkeys(p.device for p in case.visit.peripherals or [] if p.documented and p.device not in paid)
    )
    return (
        f"documented {', '.join(supporting)} readings support this visit (not billed separately)" if supporting else ""
    )


def originating_site_lines(case: Case) -> list[Line]:
    location, site = case.visit.patient_location, case.rules.originating_site
    if case.at_home or location.facility_npi != case.encounter.billing_provider.npi:
        return []
    why = (
        f"the patient sat at facility NPI {location.facility_npi}, which is the billing provider: originating-site fee"
    )
    return [case.line(site.code, "originating-site-fee", site.source, why)]


def bills_rural_clinic_code(case: Case) -> bool:
    """An RHC/FQHC's non-behavioral telehealth goes out as the flat-rate code (G2025); its
    mental-health visits are clinic visits, billed as the visit itself with 95 or FQ/93."""
    if not (case.rural_clinic and case.policy.rural_clinic_telehealth_code):
        return False
    return not case.rules.mental_health.covers(case.diagnoses, case.day)


def rural_clinic_line(case: Case, level: EmLevel) -> Line | Hold:
    code = case.policy.rural_clinic_telehealth_code or ""
    if "rural_clinic_telehealth" not in case.rules.kinds_in_force(code, case.day):
        return Hold("rural_clinic_code_not_in_force", f"{code} for RHC/FQHC telehealth is not in force on {case.day}")
    source = next(row.source for kind, row in case.rules.known[code] if kind == "rural_clinic_telehealth")
    why = f"RHC/FQHC distant-site telehealth bills {code} for {case.policy.payer} in place of {level.code}"
    return case.line(
        code, "rural-clinic-telehealth", source or case.rules.catalogue.source, why, modifiers=visit_modifiers(case)
    )
