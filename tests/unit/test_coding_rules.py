"""The coding engine, table-driven: every case names the rule (digest section and rule file) it
exercises. Digest = ../shared/domain/telehealth-billing-rules.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from services.coding.domain.model import Case, CodingResult
from services.coding.domain.rules import CodingRules
from services.coding.domain.validation import problems
from tests.unit.coding_cases import ACME, AUDIO, CLINIC, PRACTICE_RULES, RPM, RULES, VIDEO, code, encounter, shown

MEDICARE = {"coverage.plan_type": "medicare", "coverage.payer_id": "MCRTX", "coverage.payer_name": "MEDICARE"}
COMMERCIAL = {"coverage.plan_type": "commercial", "coverage.payer_id": "87726"}
ESTABLISHED_TIME = {"encounter.time_documented": True, "encounter.mdm_level": None}
RPM_2025 = {
    "encounter.date_of_service": "2025-03-31",
    "encounter.remote_monitoring.period_start": "2025-03-02",
    "encounter.remote_monitoring.period_end": "2025-03-31",
}
FACILITY = {"encounter.patient_location": {"setting": "facility", "state": "NM", "facility_npi": "1456789019"}}


def minutes(n: int, **more: Any) -> dict[str, Any]:
    return {"encounter.total_minutes": n, **ESTABLISHED_TIME, **more}


def brief(modality: str, **more: Any) -> dict[str, Any]:
    return {"encounter.modality": modality, "encounter.total_minutes": None, **more}


def rpm(days: int, mins: int, first: bool = False, **more: Any) -> dict[str, Any]:
    period = "encounter.remote_monitoring."
    return {
        f"{period}reading_days": days,
        f"{period}management_minutes": mins,
        f"{period}first_episode": first,
        **more,
    }


@dataclass(frozen=True)
class Rule:
    rule: str
    base: str
    changes: dict[str, Any]
    status: str = "coded"
    codes: list[str] = field(default_factory=list)
    modifiers: tuple[str, ...] | None = None
    pos: str | None = "unchecked"
    holds: list[str] = field(default_factory=list)
    note: str = ""
    practice: bool = False


CASES = [
    # Modalities, modifiers and place of service (digest; payers/*.yaml)
    Rule(
        "modifier 95 + POS 10 for audio-video at home [payers/medicare video_modifier]",
        VIDEO,
        {},
        codes=["99213"],
        modifiers=("95",),
        pos="10",
    ),
    Rule("POS 02 when the patient is at a facility [digest POS]", VIDEO, FACILITY, codes=["99213"], pos="02"),
    Rule(
        "POS 02 when the patient is elsewhere (not home) [digest POS]",
        VIDEO,
        {"encounter.patient_location": {"setting": "other"}},
        codes=["99213"],
        pos="02",
    ),
    Rule(
        "modifier 93 for audio-only, commercial, home [payers/commercial]",
        AUDIO,
        {},
        codes=["99213"],
        modifiers=("93",),
        pos="10",
    ),
    Rule(
        "commercial audio-only at a facility is coded, POS 02 [payers/commercial audio_only_requires_home]",
        AUDIO,
        FACILITY,
        codes=["99213"],
        modifiers=("93",),
        pos="02",
    ),
    Rule(
        "Medicare audio-only needs the patient at home [payers/medicare audio_only_requires_home]",
        AUDIO,
        {**MEDICARE, **FACILITY},
        "held",
        holds=["audio_only_not_at_home"],
    ),
    Rule(
        "Medicare audio-only needs why video was not used [payers/medicare audio_only_reasons]",
        AUDIO,
        {**MEDICARE, "encounter.audio_only_reason": None},
        "held",
        holds=["audio_only_reason_missing"],
    ),
    Rule(
        "Medicare audio-only after a technical failure is held: the patient must lack or decline video "
        "[42 CFR 410.78(a)(3); payers/medicare audio_only_reasons]",
        AUDIO,
        {**MEDICARE, "encounter.audio_only_reason": "technical_failure"},
        "held",
        holds=["audio_only_reason_not_qualifying"],
    ),
    Rule(
        "Medicare audio-only because the patient lacks video: 93, POS 10 [42 CFR 410.78(a)(3)]",
        AUDIO,
        {**MEDICARE, "encounter.audio_only_reason": "patient_lacks_video"},
        codes=["99213"],
        modifiers=("93",),
        pos="10",
    ),
    Rule(
        "Medicare audio-only at home with a reason: 93, POS 10 [digest audio only]",
        AUDIO,
        MEDICARE,
        codes=["99213"],
        modifiers=("93",),
        pos="10",
    ),
    Rule(
        "every audio-only problem is named at once [engine holds]",
        AUDIO,
        {**MEDICARE, **FACILITY, "encounter.audio_only_reason": None},
        "held",
        holds=["audio_only_not_at_home", "audio_only_reason_missing"],
    ),
    Rule(
        "FQHC audio-only non-behavioral visit, Medicare: G2025 with FQ [digest RHC/FQHC; code_catalogue G2025]",
        AUDIO,
        {**MEDICARE, "billing_provider.organization_type": "fqhc", "encounter.diagnoses": ["J45.40"]},
        codes=["G2025"],
        modifiers=("FQ",),
        note="in place of 99213",
    ),
    Rule(
        "RHC audio-video, Medicare 2026: G2025 with 95 [code_catalogue G2025 through 2026-12-31]",
        VIDEO,
        {"billing_provider.organization_type": "rural_health_clinic"},
        codes=["G2025"],
        modifiers=("95",),
    ),
    Rule(
        "FQHC mental-health visit by video, Medicare: the visit itself with 95, not G2025 "
        "[mental_health first diagnosis F; CMS CY2022 PFS RHC/FQHC mental health visits]",
        VIDEO,
        {"billing_provider.organization_type": "fqhc", "encounter.diagnoses": ["F41.1", "I10"]},
        codes=["99213"],
        modifiers=("95",),
    ),
    Rule(
        "RHC mental-health visit by audio only, Medicare: the visit itself with FQ [mental_health; payers/medicare]",
        AUDIO,
        {**MEDICARE, "billing_provider.organization_type": "rural_health_clinic", "encounter.diagnoses": ["F32.A"]},
        codes=["99213"],
        modifiers=("FQ",),
    ),
    Rule(
        "an F code that is not first does not make a mental-health visit: G2025 [mental_health first-listed]",
        VIDEO,
        {"billing_provider.organization_type": "fqhc", "encounter.diagnoses": ["I10", "F41.1"]},
        codes=["G2025"],
        modifiers=("95",),
    ),
    Rule(
        "RHC telehealth code ends 2026-12-31: 2027 holds [code_catalogue G2025 effective]",
        VIDEO,
        {"billing_provider.organization_type": "rural_health_clinic", "encounter.date_of_service": "2027-01-04"},
        "held",
        holds=["rural_clinic_code_not_in_force"],
    ),
    Rule(
        "FQHC audio-only, commercial: E/M with 93 [payers/commercial rural_clinic_audio_only_modifier]",
        AUDIO,
        {"billing_provider.organization_type": "fqhc"},
        codes=["99213"],
        modifiers=("93",),
    ),
    Rule(
        "a payer that does not want 95 gets no modifier [payer_examples/acme-health video_modifier null]",
        VIDEO,
        ACME,
        codes=["98005"],
        modifiers=(),
        practice=True,
    ),
    Rule(
        "Medicare home site only inside the flexibility window (to 2027-12-31) [payers/medicare home_site_windows]",
        VIDEO,
        {"encounter.date_of_service": "2028-01-05"},
        "held",
        holds=["home_site_not_allowed"],
    ),
    Rule(
        "outside the home window a facility originating site still codes [payers/medicare home_site_windows]",
        VIDEO,
        {"encounter.date_of_service": "2028-01-05", **FACILITY},
        codes=["99213"],
        pos="02",
    ),
    Rule(
        "never 95 on asynchronous store-and-forward: G2010, POS 11 [digest GQ/95; brief_services G2010]",
        VIDEO,
        brief("store_and_forward"),
        codes=["G2010"],
        modifiers=(),
        pos="11",
    ),
    Rule(
        "G2010 in Alaska: no GQ, G2010 is not a telehealth service [CMS MLN901705 CTBS; GQ = asynchronous "
        "telehealth in the AK/HI demonstration, payers/medicare asynchronous_demonstration]",
        VIDEO,
        brief("store_and_forward", **{"encounter.patient_location": {"setting": "home", "state": "AK"}}),
        codes=["G2010"],
        modifiers=(),
    ),
    Rule(
        "no GQ for a payer without the demonstration [payers/commercial asynchronous_demonstration null]",
        VIDEO,
        brief("store_and_forward", **COMMERCIAL, **{"encounter.patient_location": {"setting": "home", "state": "HI"}}),
        codes=["G2010"],
        modifiers=(),
    ),
    Rule(
        "G2010 bundles with an E/M within 24 hours [brief_services bundling store_and_forward]",
        VIDEO,
        brief("store_and_forward", **{"encounter.related_em": {"hours_after": 6}}),
        "held",
        holds=["bundled_with_related_em"],
    ),
    # Office E/M by total time, "met or exceeded" (digest; em_office.yaml)
    Rule("established 10 min -> 99212 [em_office]", VIDEO, minutes(10), codes=["99212"]),
    Rule("established 19 min -> 99212 [em_office]", VIDEO, minutes(19), codes=["99212"]),
    Rule(
        "established 20 min met -> 99213 [em_office]",
        VIDEO,
        minutes(20),
        codes=["99213"],
        note="20 min documented >= 20 min threshold for 99213",
    ),
    Rule("established 30 min -> 99214 [em_office]", VIDEO, minutes(30), codes=["99214"]),
    Rule("established 39 min -> 99214 [em_office]", VIDEO, minutes(39), codes=["99214"]),
    Rule("established 40 min -> 99215 [em_office]", VIDEO, minutes(40), codes=["99215"]),
    Rule("new 15 min -> 99202 [em_office]", VIDEO, minutes(15, **{"encounter.new_patient": True}), codes=["99202"]),
    Rule("new 29 min -> 99202 [em_office]", VIDEO, minutes(29, **{"encounter.new_patient": True}), codes=["99202"]),
    Rule("new 30 min -> 99203 [em_office]", VIDEO, minutes(30, **{"encounter.new_patient": True}), codes=["99203"]),
    Rule("new 45 min -> 99204 [em_office]", VIDEO, minutes(45, **{"encounter.new_patient": True}), codes=["99204"]),
    Rule("new 60 min -> 99205 [em_office]", VIDEO, minutes(60, **{"encounter.new_patient": True}), codes=["99205"]),
    Rule(
        "new 14 min, no MDM: hold, never a guess [digest below the lowest threshold]",
        VIDEO,
        minutes(14, **{"encounter.new_patient": True}),
        "held",
        holds=["em_level_unsupported"],
        note="below the 15 min threshold",
    ),
    Rule(
        "99211 is never chosen by time: 9 min holds [em_office]",
        VIDEO,
        minutes(9),
        "held",
        holds=["em_level_unsupported"],
    ),
    Rule(
        "time not documented and no MDM: hold [digest: a level by time needs time_documented]",
        VIDEO,
        {"encounter.time_documented": False},
        "held",
        holds=["em_level_unsupported"],
        note="not documented",
    ),
    Rule(
        "time not documented, MDM moderate -> 99214 by MDM [em_office mdm]",
        VIDEO,
        {"encounter.time_documented": False, "encounter.mdm_level": "moderate"},
        codes=["99214"],
        note="MDM moderate supports 99214",
    ),
    Rule(
        "both documented: bill the higher (MDM high over 25 min) [digest either MDM or time]",
        VIDEO,
        {"encounter.mdm_level": "high"},
        codes=["99215"],
        note="MDM high",
    ),
    Rule(
        "both documented: bill the higher (35 min over MDM low) [digest either MDM or time]",
        VIDEO,
        minutes(35, **{"encounter.mdm_level": "low"}),
        codes=["99214"],
        note="35 min documented",
    ),
    Rule(
        "new patient MDM straightforward without time -> 99202 [em_office mdm]",
        VIDEO,
        {"encounter.new_patient": True, "encounter.time_documented": False, "encounter.mdm_level": "straightforward"},
        codes=["99202"],
    ),
    # Who may bill E/M (provider_types.yaml: NUCC taxonomy; CMS MLN mental health coverage)
    Rule(
        "a clinical social worker's 8-minute check-in is G2251, not 98016 [provider_types 1041C; brief_services "
        "G2251, CMS CY2021 PFS]",
        VIDEO,
        brief(
            "virtual_check_in",
            **{"encounter.medical_discussion_minutes": 8, "rendering_provider.taxonomy": "1041C0700X"},
        ),
        codes=["G2251"],
        modifiers=(),
        pos="11",
        note="practitioner who cannot bill E/M",
    ),
    Rule(
        "no non-E/M check-in code covers 15 min (G2252 is for E/M practitioners): held [brief_services G2251 5-10]",
        VIDEO,
        brief(
            "virtual_check_in",
            **{"encounter.medical_discussion_minutes": 15, "rendering_provider.taxonomy": "1041C0700X"},
        ),
        "held",
        holds=["minutes_outside_code_ranges"],
    ),
    Rule(
        "a clinical psychologist's 15-minute e-visit is 98971, not 99422 [provider_types 103T; brief_services "
        "98970-98972, AMA CPT 2021]",
        VIDEO,
        brief("e_visit", **{"encounter.total_minutes": 15, "rendering_provider.taxonomy": "103TC0700X"}),
        codes=["98971"],
    ),
    Rule(
        "a counselor's review of recorded images is G2250, not G2010 [brief_services G2250, CMS CY2021 PFS]",
        VIDEO,
        brief("store_and_forward", **{"rendering_provider.taxonomy": "101YP2500X"}),
        codes=["G2250"],
        modifiers=(),
    ),
    Rule(
        "a physician's e-visit stays 99422 [brief_services billed_by em]",
        VIDEO,
        brief("e_visit", **{"encounter.total_minutes": 15, "rendering_provider.taxonomy": "207Q00000X"}),
        codes=["99422"],
    ),
    Rule(
        "a nurse practitioner bills E/M [provider_types 363L]",
        VIDEO,
        {"rendering_provider.taxonomy": "363LF0000X"},
        codes=["99213"],
    ),
    Rule(
        "a psychiatrist is a physician: E/M [provider_types 20 (2084P0800X)]",
        VIDEO,
        {"rendering_provider.taxonomy": "2084P0800X"},
        codes=["99213"],
    ),
    Rule(
        "a taxonomy no class matches is held, never guessed [provider_types]",
        VIDEO,
        {"rendering_provider.taxonomy": "261QR1300X"},
        "held",
        holds=["provider_type_unknown"],
    ),
    # Psychotherapy for practitioners who bill it instead of E/M (psychotherapy.yaml; AMA CPT 2026)
    Rule(
        "a clinical social worker's 45-minute video session: 90834 with 95 [psychotherapy 90834 38-52]",
        VIDEO,
        {"rendering_provider.taxonomy": "1041C0700X", "encounter.total_minutes": 45},
        codes=["90834"],
        modifiers=("95",),
    ),
    Rule(
        "16 min is enough for 90832 [psychotherapy 90832 16-37]",
        VIDEO,
        {"rendering_provider.taxonomy": "1041C0700X", "encounter.total_minutes": 16},
        codes=["90832"],
    ),
    Rule(
        "a counselor's 15-minute session is held [psychotherapy 90832 16 min]",
        VIDEO,
        {"rendering_provider.taxonomy": "101YP2500X", "encounter.total_minutes": 15},
        "held",
        holds=["psychotherapy_too_short"],
    ),
    Rule(
        "53 min or more: 90837 [psychotherapy 90837 53+]",
        VIDEO,
        {"rendering_provider.taxonomy": "106H00000X", "encounter.total_minutes": 60},
        codes=["90837"],
    ),
    Rule(
        "a psychologist's requested 90791 with interactive complexity: both, the add-on never dropped "
        "[psychotherapy 90791, 90785]",
        VIDEO,
        {"rendering_provider.taxonomy": "103TC0700X", "encounter.requested_codes": ["90791", "90785"]},
        codes=["90791", "90785"],
    ),
    Rule(
        "crisis psychotherapy 80 min: 90839 + 90840 [psychotherapy crisis 30-74, each 30 more]",
        VIDEO,
        {
            "rendering_provider.taxonomy": "1041C0700X",
            "encounter.total_minutes": 80,
            "encounter.requested_codes": ["90839"],
        },
        codes=["90839", "90840"],
    ),
    Rule(
        "crisis psychotherapy 140 min: 90839 + 90840 x3, units allowed [psychotherapy crisis 135-164 min]",
        VIDEO,
        {
            "rendering_provider.taxonomy": "1041C0700X",
            "encounter.total_minutes": 140,
            "encounter.requested_codes": ["90839"],
        },
        codes=["90839", "90840x3"],
    ),
    Rule(
        "interactive complexity cannot go with crisis psychotherapy: held, not dropped [AMA CPT 90785]",
        VIDEO,
        {
            "rendering_provider.taxonomy": "1041C0700X",
            "encounter.total_minutes": 50,
            "encounter.requested_codes": ["90839", "90785"],
        },
        "held",
        holds=["requested_addon_not_billable"],
    ),
    Rule(
        "a clinical social worker's audio-only session, Medicare: 90834 with 93 [psychotherapy; payers/medicare]",
        AUDIO,
        {**MEDICARE, "rendering_provider.taxonomy": "1041C0700X", "encounter.total_minutes": 40},
        codes=["90834"],
        modifiers=("93",),
    ),
    Rule(
        "Medicare mental-health telehealth at home from 2028: held until the in-person visit is confirmed "
        "[SSA 1834(m)(7); H.R. 7148; payers/medicare mental_health_home_site]",
        AUDIO,
        {
            **MEDICARE,
            "rendering_provider.taxonomy": "1041C0700X",
            "encounter.total_minutes": 40,
            "encounter.date_of_service": "2028-01-05",
        },
        "held",
        holds=["mental_health_in_person_unconfirmed"],
    ),
    Rule(
        "Medicare mental-health telehealth at home in 2027: no in-person visit needed yet, the home allowed "
        "[payers/medicare mental_health_home_site 2028-01-01]",
        AUDIO,
        {
            **MEDICARE,
            "rendering_provider.taxonomy": "1041C0700X",
            "encounter.total_minutes": 40,
            "encounter.date_of_service": "2027-12-30",
        },
        codes=["90834"],
    ),
    # Psychotherapy with an E/M, and 90792 (psychotherapy.yaml with_em_addons; AMA CPT 2026)
    Rule(
        "a psychiatrist's 40-min visit with 20 min psychotherapy: E/M by the other 20 min (99213) + 90833 "
        "[psychotherapy 90833 16-37; CPT: psychotherapy time not counted in the E/M]",
        VIDEO,
        minutes(40, **{"rendering_provider.taxonomy": "2084P0800X", "encounter.psychotherapy_minutes": 20}),
        codes=["99213", "90833"],
        modifiers=("95",),
        note="20 min of psychotherapy billed as its add-on",
    ),
    Rule(
        "38 min of psychotherapy with the E/M: 90836 [psychotherapy 90836 38-52]",
        VIDEO,
        minutes(70, **{"encounter.psychotherapy_minutes": 40}),
        codes=["99214", "90836"],
    ),
    Rule(
        "53 min or more of psychotherapy with the E/M: 90838, and the E/M by MDM [psychotherapy 90838 53+]",
        VIDEO,
        {"encounter.psychotherapy_minutes": 55, "encounter.mdm_level": "moderate", "encounter.total_minutes": 70},
        codes=["99214", "90838"],
    ),
    Rule(
        "10 min of psychotherapy is no add-on: the minutes stay in the E/M's time [psychotherapy 90833 16 min]",
        VIDEO,
        minutes(30, **{"encounter.psychotherapy_minutes": 10}),
        codes=["99214"],
        note="too short for its add-on, counted in the E/M time",
    ),
    Rule(
        "interactive complexity with the psychotherapy add-on: 90785 billed [psychotherapy 90785 with 90833]",
        VIDEO,
        minutes(45, **{"encounter.psychotherapy_minutes": 20, "encounter.requested_codes": ["90785"]}),
        codes=["99213", "90833", "90785"],
    ),
    Rule(
        "interactive complexity with an E/M alone: held, never dropped [AMA CPT 90785 with psychotherapy only]",
        VIDEO,
        {"encounter.requested_codes": ["90785"]},
        "held",
        holds=["requested_addon_not_billable"],
    ),
    Rule(
        "a psychiatrist's requested 90792 replaces the E/M [psychotherapy 90792 with medical services]",
        VIDEO,
        {"rendering_provider.taxonomy": "2084P0800X", "encounter.requested_codes": ["90792"]},
        codes=["90792"],
        modifiers=("95",),
    ),
    Rule(
        "a clinical social worker cannot bill 90792: held, 90791 named [provider_types 1041C; psychotherapy 90792]",
        VIDEO,
        {"rendering_provider.taxonomy": "1041C0700X", "encounter.requested_codes": ["90792"]},
        "held",
        holds=["not_billable_by_provider_type"],
        note="90791",
    ),
    Rule(
        "an RHC's non-behavioral G2025 visit has no psychotherapy add-on: held [mental_health; psychotherapy]",
        VIDEO,
        {
            "billing_provider.organization_type": "rural_health_clinic",
            **minutes(45, **{"encounter.psychotherapy_minutes": 20}),
        },
        "held",
        holds=["psychotherapy_with_rural_clinic_code"],
    ),
    Rule(
        "a Medicare E/M for a mental-health diagnosis at home in 2028 waits for the in-person visit "
        "[SSA 1834(m)(7); payers/medicare mental_health_home_site; mental_health F]",
        VIDEO,
        {"encounter.date_of_service": "2028-02-01", "encounter.diagnoses": ["F41.1"]},
        "held",
        holds=["mental_health_in_person_unconfirmed"],
    ),
    # G2211 visit complexity add-on (em_addons.yaml; CMS CY2024 PFS, MLN MM13473)
    Rule(
        "Medicare telehealth E/M with longitudinal care stated: + G2211 with 95 [em_addons G2211; payers/medicare]",
        VIDEO,
        {"encounter.longitudinal_care": True},
        codes=["99213", "G2211"],
        modifiers=("95",),
        pos="10",
    ),
    Rule(
        "Medicare E/M without longitudinal care stated: no G2211, never guessed [em_addons requires]",
        VIDEO,
        {"encounter.longitudinal_care": None},
        codes=["99213"],
    ),
    Rule(
        "Medicare Advantage follows Medicare: + G2211 [payers/medicare_advantage em_addons_paid]",
        AUDIO,
        {"encounter.longitudinal_care": True, "coverage.plan_type": "medicare_advantage", "coverage.payer_id": "MA001"},
        codes=["99213", "G2211"],
    ),
    Rule(
        "a commercial payer that does not list G2211 gets none [payers/commercial em_addons_paid []]",
        AUDIO,
        {"encounter.longitudinal_care": True},
        codes=["99213"],
    ),
    Rule(
        "no G2211 with a brief service (not an O/O E/M) [em_addons with_codes]",
        VIDEO,
        brief("e_visit", **{"encounter.total_minutes": 15, "encounter.longitudinal_care": True}),
        codes=["99422"],
    ),
    # Prolonged time (digest; prolonged.yaml)
    Rule("Medicare 68 min after 99215: no G2212 yet [prolonged G2212 69]", VIDEO, minutes(68), codes=["99215"]),
    Rule(
        "Medicare 69 min after 99215: G2212 x1 [prolonged G2212 69]",
        VIDEO,
        minutes(69),
        codes=["99215", "G2212"],
        modifiers=("95",),
    ),
    Rule("Medicare 84 min after 99215: G2212 x2 [prolonged +15 min]", VIDEO, minutes(84), codes=["99215", "G2212x2"]),
    Rule(
        "Medicare new 88 min: no G2212 [prolonged G2212 89 after 99205]",
        VIDEO,
        minutes(88, **{"encounter.new_patient": True}),
        codes=["99205"],
    ),
    Rule(
        "Medicare new 89 min: G2212 x1 [prolonged G2212 89 after 99205]",
        VIDEO,
        minutes(89, **{"encounter.new_patient": True}),
        codes=["99205", "G2212"],
    ),
    Rule("commercial 55 min after 99215: 99417 x1 [prolonged 99417 55]", AUDIO, minutes(55), codes=["99215", "99417"]),
    Rule(
        "Medicare Advantage 69 min after 99215: Medicare's G2212, not 99417 "
        "[payers/medicare_advantage prolonged_code; CMS CY2024 PFS G2212]",
        AUDIO,
        minutes(69, **{"coverage.plan_type": "medicare_advantage", "coverage.payer_id": "MA001"}),
        codes=["99215", "G2212"],
    ),
    Rule(
        "Medicaid 55 min after 99215: 99417 by its own plan-type policy [payers/medicaid prolonged_code; CPT 99417]",
        AUDIO,
        minutes(55, **{"coverage.plan_type": "medicaid", "coverage.payer_id": "TXMCD"}),
        codes=["99215", "99417"],
    ),
    Rule("commercial 54 min: no 99417 [prolonged 99417 55]", AUDIO, minutes(54), codes=["99215"]),
    Rule(
        "commercial new 105 min: 99417 x3 [prolonged 99417 75 +15]",
        AUDIO,
        minutes(105, **{"encounter.new_patient": True}),
        codes=["99205", "99417x3"],
    ),
    Rule(
        "prolonged needs a level chosen by time, not MDM [prolonged]",
        VIDEO,
        {"encounter.total_minutes": 90, "encounter.time_documented": False, "encounter.mdm_level": "high"},
        codes=["99215"],
    ),
    # CPT 2025 telemedicine codes (digest; em_telemedicine.yaml, telemedicine_codes)
    Rule(
        "Medicare never 98xxx: requested 98005 becomes 99213, said on the line [payers/medicare telemedicine_codes]",
        VIDEO,
        {"encounter.requested_codes": ["98005"]},
        codes=["99213"],
        note="requested 98005 replaced by 99213: medicare does not pay",
    ),
    Rule(
        "adopting payer, audio-video established 25 min -> 98005 [em_telemedicine]",
        VIDEO,
        ACME,
        codes=["98005"],
        practice=True,
    ),
    Rule(
        "adopting payer, audio-video new 60 min -> 98003 [em_telemedicine]",
        VIDEO,
        {**ACME, **minutes(60, **{"encounter.new_patient": True})},
        codes=["98003"],
        practice=True,
    ),
    Rule(
        "adopting payer, audio-only 22 min with 18 min discussion -> 98013 + 93 [em_telemedicine >10 min]",
        AUDIO,
        ACME,
        codes=["98013"],
        modifiers=("93",),
        practice=True,
    ),
    Rule(
        "adopting payer, audio-only with 10 min discussion: hold [em_telemedicine min_discussion_minutes]",
        AUDIO,
        {**ACME, "encounter.medical_discussion_minutes": 10},
        "held",
        holds=["audio_only_discussion_too_short"],
        practice=True,
    ),
    Rule(
        "adopting payer, audio-only new 45 min, 11 min discussion -> 98010 [em_telemedicine]",
        AUDIO,
        {**ACME, **minutes(45, **{"encounter.new_patient": True, "encounter.medical_discussion_minutes": 11})},
        codes=["98010"],
        practice=True,
    ),
    Rule(
        "adopting payer, 60 min established -> 98007 + 99417 [prolonged 99417 after 98007]",
        VIDEO,
        {**ACME, **minutes(60)},
        codes=["98007", "99417"],
        practice=True,
    ),
    Rule(
        "payer policies have effective dates: 2024 has none [payer effective]",
        VIDEO,
        {**ACME, "encounter.date_of_service": "2024-06-03"},
        "held",
        holds=["no_payer_policy"],
        practice=True,
    ),
    Rule(
        "a requested higher level is replaced and said [engine requested codes]",
        AUDIO,
        {"encounter.requested_codes": ["99214"]},
        codes=["99213"],
        note="requested 99214 replaced by 99213",
    ),
    Rule(
        "a requested code that matches is said [engine requested codes]",
        AUDIO,
        {"encounter.requested_codes": ["99213"]},
        codes=["99213"],
        note="matches the requested 99213",
    ),
    Rule(
        "a requested non-E/M code not billed is said [engine requested codes]",
        VIDEO,
        {"encounter.requested_codes": ["99453"]},
        codes=["99213"],
        note="requested 99453 not billed",
    ),
    # Virtual check-ins (digest 98016 / G2252; brief_services.yaml)
    Rule(
        "check-in 8 min discussion -> 98016, POS 11, no modifier [brief_services 98016]",
        VIDEO,
        brief("virtual_check_in", **{"encounter.medical_discussion_minutes": 8}),
        codes=["98016"],
        modifiers=(),
        pos="11",
    ),
    Rule(
        "check-in 15 min discussion -> G2252 [brief_services G2252]",
        VIDEO,
        brief("virtual_check_in", **{"encounter.medical_discussion_minutes": 15}),
        codes=["G2252"],
    ),
    Rule(
        "check-in 4 min: below every code, hold [brief_services ranges]",
        VIDEO,
        brief("virtual_check_in", **{"encounter.medical_discussion_minutes": 4}),
        "held",
        holds=["minutes_outside_code_ranges"],
    ),
    Rule(
        "check-in 25 min: above every code, hold [brief_services ranges]",
        VIDEO,
        brief("virtual_check_in", **{"encounter.medical_discussion_minutes": 25}),
        "held",
        holds=["minutes_outside_code_ranges"],
    ),
    Rule(
        "check-in after a related E/M 3 days before: bundled [bundling 7 days]",
        VIDEO,
        brief(
            "virtual_check_in",
            **{"encounter.medical_discussion_minutes": 8, "encounter.related_em": {"days_before": 3}},
        ),
        "held",
        holds=["bundled_with_related_em"],
        note="3 day(s) before",
    ),
    Rule(
        "check-in leading to an E/M within 24 h: bundled [bundling 24 hours]",
        VIDEO,
        brief(
            "virtual_check_in",
            **{"encounter.medical_discussion_minutes": 8, "encounter.related_em": {"hours_after": 12}},
        ),
        "held",
        holds=["bundled_with_related_em"],
    ),
    Rule(
        "related E/M 10 days before is outside the window [bundling 7 days]",
        VIDEO,
        brief(
            "virtual_check_in",
            **{"encounter.medical_discussion_minutes": 8, "encounter.related_em": {"days_before": 10}},
        ),
        codes=["98016"],
    ),
    Rule(
        "check-in for a new patient holds [digest established patient]",
        VIDEO,
        brief("virtual_check_in", **{"encounter.medical_discussion_minutes": 8, "encounter.new_patient": True}),
        "held",
        holds=["established_patient_only"],
    ),
    Rule(
        "check-in without discussion minutes holds [brief_services minutes_from]",
        VIDEO,
        brief("virtual_check_in"),
        "held",
        holds=["minutes_not_documented"],
    ),
    Rule(
        "Medicare check-in without consent holds [payers/medicare consent_required_for]",
        VIDEO,
        brief("virtual_check_in", **{"encounter.medical_discussion_minutes": 8, "encounter.consent_recorded": False}),
        "held",
        holds=["consent_not_recorded"],
    ),
    # E-visits (digest online digital E/M; brief_services.yaml)
    Rule(
        "e-visit 7 cumulative min -> 99421 [brief_services 99421]",
        VIDEO,
        brief("e_visit", **{"encounter.total_minutes": 7}),
        codes=["99421"],
        modifiers=(),
        pos="11",
    ),
    Rule(
        "e-visit 15 min -> 99422 [brief_services 99422]",
        VIDEO,
        brief("e_visit", **{"encounter.total_minutes": 15}),
        codes=["99422"],
    ),
    Rule(
        "e-visit 21 min -> 99423 [brief_services 99423]",
        VIDEO,
        brief("e_visit", **{"encounter.total_minutes": 21}),
        codes=["99423"],
    ),
    Rule(
        "e-visit 4 min holds [brief_services 99421 5 min]",
        VIDEO,
        brief("e_visit", **{"encounter.total_minutes": 4}),
        "held",
        holds=["minutes_outside_code_ranges"],
    ),
    Rule(
        "e-visit with a related E/M 5 days after: bundled [bundling e_visit 7 days]",
        VIDEO,
        brief("e_visit", **{"encounter.total_minutes": 15, "encounter.related_em": {"days_after": 5}}),
        "held",
        holds=["bundled_with_related_em"],
    ),
    Rule(
        "e-visit with a related E/M 8 days before: billable [bundling e_visit 7 days]",
        VIDEO,
        brief("e_visit", **{"encounter.total_minutes": 15, "encounter.related_em": {"days_before": 8}}),
        codes=["99422"],
    ),
    Rule(
        "e-visit whose replies span 9 days from the initiation: held, not guessed "
        "[AMA CPT 99421-99423 7-day period; brief_services time_windows]",
        VIDEO,
        brief(
            "e_visit",
            **{
                "encounter.total_minutes": 15,
                "encounter.start": "2026-03-02T09:00:00Z",
                "encounter.end": "2026-03-11T09:00:00Z",
            },
        ),
        "held",
        holds=["time_window_exceeded"],
    ),
    Rule(
        "e-visit whose replies end on the 7th day: 99422 [AMA CPT 99421-99423; brief_services time_windows]",
        VIDEO,
        brief(
            "e_visit",
            **{
                "encounter.total_minutes": 15,
                "encounter.start": "2026-03-02T09:00:00Z",
                "encounter.end": "2026-03-09T09:00:00Z",
            },
        ),
        codes=["99422"],
    ),
    # Remote physiologic monitoring (digest; remote_monitoring.yaml)
    Rule(
        "RPM 2026 first episode: 99453 + 99454 + 99457 [remote_monitoring]",
        RPM,
        {},
        codes=["99453", "99454", "99457"],
        modifiers=(),
        pos="11",
    ),
    Rule(
        "RPM 2026 10 reading days: 99445, never with 99454 [remote_monitoring 99445]",
        RPM,
        rpm(10, 24),
        codes=["99445", "99457"],
    ),
    Rule(
        "RPM 2026 12 min: 99470, never with 99457 [remote_monitoring 99470]", RPM, rpm(19, 12), codes=["99454", "99470"]
    ),
    Rule("RPM 45 min: 99457 + 99458 x1 [remote_monitoring 99458]", RPM, rpm(19, 45), codes=["99454", "99457", "99458"]),
    Rule(
        "RPM 65 min: 99457 + 99458 x2 [remote_monitoring 99458 each 20 min]",
        RPM,
        rpm(19, 65),
        codes=["99454", "99457", "99458x2"],
    ),
    Rule(
        "RPM 2025: 10 days bill no supply (99445 is 2026) [remote_monitoring effective]",
        RPM,
        {**rpm(10, 25), **RPM_2025},
        codes=["99457"],
    ),
    Rule(
        "RPM 2025: 15 days and 12 min: nothing billable, hold [remote_monitoring 2025]",
        RPM,
        {**rpm(15, 12), **RPM_2025},
        "held",
        holds=["rpm_nothing_billable"],
    ),
    Rule(
        "RPM 2025 set-up needs 16 days [remote_monitoring 99453 2025]",
        RPM,
        {**rpm(16, 0, first=True), **RPM_2025},
        codes=["99453", "99454"],
    ),
    Rule(
        "RPM 2026 set-up with 2+ days [remote_monitoring 99453 2026]",
        RPM,
        rpm(3, 0, first=True),
        codes=["99453", "99445"],
    ),
    Rule(
        "RPM management needs interactive communication [remote_monitoring 99457]",
        RPM,
        rpm(19, 30, **{"encounter.remote_monitoring.interactive_communication": False}),
        codes=["99454"],
    ),
    Rule(
        "RPM 35 min of interpretation without interactive management: 99454 + 99091 [remote_monitoring 99091 30 min]",
        RPM,
        rpm(19, 0, **{"encounter.remote_monitoring.interpretation_minutes": 35}),
        codes=["99454", "99091"],
    ),
    Rule(
        "RPM 25 min of interpretation is below 99091: supply only [remote_monitoring 99091 30 min]",
        RPM,
        rpm(19, 0, **{"encounter.remote_monitoring.interpretation_minutes": 25}),
        codes=["99454"],
    ),
    Rule(
        "RPM 99091 and 99457 for the same period: held for a person to choose [remote_monitoring 99091 excludes]",
        RPM,
        rpm(19, 24, **{"encounter.remote_monitoring.interpretation_minutes": 40}),
        "held",
        holds=["rpm_codes_exclusive"],
    ),
    Rule(
        "RPM billed by a clinical social worker: held [CMS CY2021 PFS RPM by E/M practitioners; provider_types]",
        RPM,
        {"rendering_provider.taxonomy": "1041C0700X"},
        "held",
        holds=["not_billable_by_provider_type"],
    ),
    Rule(
        "RPM for a new patient holds [digest established patients]",
        RPM,
        {"encounter.new_patient": True},
        "held",
        holds=["established_patient_only"],
    ),
    # Originating site Q3014 (digest; originating_site.yaml)
    Rule(
        "Q3014 when the billing provider is the facility where the patient sat [originating_site]",
        CLINIC,
        {"billing_provider.npi": "1456789019"},
        codes=["99204", "94010", "Q3014"],
        pos="02",
    ),
    Rule(
        "no Q3014 for the distant-site practitioner [originating_site]", CLINIC, {}, codes=["99204", "94010"], pos="02"
    ),
    Rule(
        "never Q3014 with the patient at home [originating_site]",
        CLINIC,
        {"encounter.patient_location": {"setting": "home", "facility_npi": "1234567893"}},
        codes=["99204", "94010"],
        pos="10",
    ),
    # ICD-10-CM (digest; adapters/icd10)
    Rule(
        "non-billable category E11 holds, naming it [icd10 leaf]",
        VIDEO,
        {"encounter.diagnoses": ["E11", "I10"]},
        "held",
        holds=["diagnosis_not_billable"],
        note="E11",
    ),
    Rule(
        "unknown code Z99.99 holds [icd10 code set]",
        VIDEO,
        {"encounter.diagnoses": ["Z99.99"]},
        "held",
        holds=["diagnosis_not_billable"],
    ),
    Rule(
        "every bad diagnosis is named [icd10]",
        VIDEO,
        {"encounter.diagnoses": ["E11", "J45"]},
        "held",
        holds=["diagnosis_not_billable", "diagnosis_not_billable"],
    ),
    # Peripherals (digest; peripherals.yaml, device_services_paid)
    Rule(
        "a device used but not documented holds [digest peripherals]",
        CLINIC,
        {"encounter.peripherals": [{"device": "spirometer", "documented": False}]},
        "held",
        holds=["peripheral_undocumented"],
        note="spirometer",
    ),
    Rule(
        "documented pulse oximetry supports the E/M for Medicare [peripherals 94760 bundled]",
        CLINIC,
        {"encounter.peripherals": [{"device": "pulse_oximeter", "documented": True}]},
        codes=["99204"],
        note="pulse_oximeter readings support",
    ),
    Rule(
        "a payer that pays pulse oximetry gets 94760 [payer_examples device_services_paid]",
        CLINIC,
        {**ACME, "encounter.peripherals": [{"device": "pulse_oximeter", "documented": True}]},
        codes=["98002", "94760"],
        practice=True,
    ),
    # Whole-encounter rules (engine)
    Rule(
        "self-pay has no payer claim [engine self_pay]",
        VIDEO,
        {"coverage": {"plan_type": "self_pay"}},
        "held",
        holds=["self_pay"],
    ),
    Rule(
        "no policy in force holds [payers effective]",
        VIDEO,
        {"encounter.date_of_service": "2024-12-31"},
        "held",
        holds=["no_payer_policy"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.rule for c in CASES])
def test_rule(case: Rule) -> None:
    rules = PRACTICE_RULES if case.practice else RULES
    result = code(case.base, case.changes, rules)
    assert result.status == case.status, result.holds
    assert shown(result) == case.codes
    assert [hold.reason for hold in result.holds] == case.holds
    if case.modifiers is not None:
        assert result.lines[0].modifiers == case.modifiers
    if case.pos != "unchecked":
        assert result.place_of_service == case.pos
    said = " ".join([line.explanation for line in result.lines] + [hold.message for hold in result.holds])
    assert case.note in said
    assert all(line.rule and line.source and line.explanation for line in result.lines)
    assert passes_the_engines_edits(case, rules, result)


def passes_the_engines_edits(case: Rule, rules: CodingRules, result: CodingResult) -> bool:
    if result.status != "coded":
        return True
    visit = encounter(case.base, case.changes)
    policy = rules.policy_for(visit.coverage.payer_id, visit.coverage.plan_type, visit.encounter.date_of_service)
    assert policy is not None
    return problems(Case(visit, rules, policy, result.diagnoses), result.lines, result.place_of_service) == []


def test_the_table_covers_at_least_sixty_cases_each_citing_a_rule() -> None:
    assert len(CASES) >= 60
    assert all("[" in case.rule and case.rule.endswith("]") for case in CASES)


def test_a_non_em_practitioner_e_visit_in_2020_was_g2061_g2063_and_98970_98972_since_2021() -> None:
    """brief_services G2061-G2063 (CMS CY2020 PFS), replaced by 98970-98972 (AMA CPT 2021, CMS CY2021 PFS)."""
    in_2020 = RULES.brief_codes("e_visit", date(2020, 6, 1), bills_em=False)
    in_2021 = RULES.brief_codes("e_visit", date(2021, 1, 1), bills_em=False)
    assert [c.code for c in in_2020] == ["G2061", "G2062", "G2063"]
    assert [c.code for c in in_2021] == ["98970", "98971", "98972"]
    assert [c.code for c in RULES.brief_codes("e_visit", date(2021, 1, 1))] == ["99421", "99422", "99423"]


def test_monitoring_lines_are_dated_as_the_rule_data_says() -> None:
    """remote_monitoring.yaml dates_of_service: set-up and supply on the last reading day (NGS RPM article),
    the time-based codes at the end of the period."""
    result = code(RPM, {"encounter.remote_monitoring.last_reading_date": "2026-03-28"})
    dated = {line.code: line.date_of_service.isoformat() for line in result.lines}
    assert dated == {"99453": "2026-03-28", "99454": "2026-03-28", "99457": "2026-03-31"}
    assert "date of service = last reading day" in result.lines[1].explanation


def test_without_the_last_reading_day_a_device_line_is_dated_at_the_period_end_and_says_so() -> None:
    result = code(RPM, {"encounter.date_of_service": "2026-04-02"})
    assert {line.date_of_service.isoformat() for line in result.lines} == {"2026-03-31"}
    assert "the last reading day was not sent" in result.lines[1].explanation


def test_a_last_reading_day_outside_the_period_is_refused_by_the_contract() -> None:
    with pytest.raises(ValueError, match="last_reading_date is outside the period"):
        encounter(RPM, {"encounter.remote_monitoring.last_reading_date": "2026-04-03"})


def test_pointers_are_capped_at_four_primary_first_and_diagnoses_deduplicated() -> None:
    diagnoses = ["I10", "E11.9", "I10", "J45.40", "Z79.51", "F41.1", "E78.5"]
    result = code(VIDEO, {"encounter.diagnoses": diagnoses})
    assert result.diagnoses == ("I10", "E119", "J4540", "Z7951", "F411", "E785")
    assert result.lines[0].diagnosis_pointers == (1, 2, 3, 4)


def test_explanations_carry_the_facts_and_the_rule_source() -> None:
    line = code(VIDEO).lines[0]
    assert line.explanation.startswith("25 min documented >= 20 min threshold for 99213")
    assert line.rule == "em-office-time"
    assert "CPT E/M guidelines" in line.source
    assert RULES.em_office.source == line.source
