"""Properties of the coding engine over generated encounters: it never crashes, a coded result
always passes the engine's own edits, a held one always says why, and more time never lowers a level."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.coding.adapters.icd10 import is_billable
from services.coding.domain.engine import code_encounter
from services.coding.domain.model import Case
from services.coding.domain.validation import problems
from shared.contracts.encounter import EncounterCompleted
from tests.unit.coding_cases import PRACTICE_RULES, RPM, VIDEO, changed

DIAGNOSES = ["E11.9", "I10", "F41.1", "J45.40", "Z79.51", "E78.5", "E11", "Z99.99", "R05.9", "M54.50"]
REQUESTED = ["99213", "99214", "98005", "98013", "99211", "G2010", "99453", "94010", "90791", "90792", "90839", "90785"]
TAXONOMIES = [None, "207Q00000X", "2084P0800X", "363LF0000X", "1041C0700X", "103TC0700X", "106H00000X"]
COVERAGES = [
    {"plan_type": "medicare", "payer_id": "MCRTX", "member_id": "1EG4TE5MK73"},
    {"plan_type": "commercial", "payer_id": "87726", "member_id": "W1"},
    {"plan_type": "commercial", "payer_id": "ACMEH", "member_id": "A1"},
    {"plan_type": "medicaid", "payer_id": "77027", "member_id": "M1"},
    {"plan_type": "self_pay"},
]
LOCATIONS = [
    {"setting": "home", "state": "TX"},
    {"setting": "home", "state": "AK"},
    {"setting": "facility", "state": "NM", "facility_npi": "1456789019"},
    {"setting": "facility", "state": "NM", "facility_npi": "1234567893"},
    {"setting": "other"},
]
maybe_minutes = st.one_of(st.none(), st.integers(0, 200))


@st.composite
def monitoring(draw: st.DrawFn, day: date) -> dict[str, Any]:
    return {
        "period_start": (day - timedelta(days=29)).isoformat(),
        "period_end": day.isoformat(),
        "reading_days": draw(st.integers(0, 31)),
        "first_episode": draw(st.booleans()),
        "management_minutes": draw(st.integers(0, 120)),
        "interactive_communication": draw(st.booleans()),
        "interpretation_minutes": draw(st.one_of(st.none(), st.integers(0, 90))),
        "last_reading_date": draw(st.one_of(st.none(), st.just((day - timedelta(days=3)).isoformat()))),
    }


@st.composite
def encounters(draw: st.DrawFn) -> EncounterCompleted:
    modality = draw(
        st.sampled_from(
            ["audio_video", "audio_only", "store_and_forward", "e_visit", "virtual_check_in", "remote_monitoring"]
        )
    )
    day = draw(st.dates(date(2024, 12, 1), date(2028, 3, 1)))
    total = draw(maybe_minutes)
    psychotherapy = draw(st.one_of(st.none(), st.integers(0, total if total is not None else 120)))
    changes: dict[str, Any] = {
        "coverage": draw(st.sampled_from(COVERAGES)),
        "billing_provider.organization_type": draw(st.sampled_from(["physician_group", "fqhc", "rural_health_clinic"])),
        "encounter.modality": modality,
        "encounter.date_of_service": day.isoformat(),
        "encounter.patient_location": draw(st.sampled_from(LOCATIONS)),
        "encounter.new_patient": draw(st.booleans()),
        "rendering_provider.taxonomy": draw(st.sampled_from(TAXONOMIES)),
        "encounter.total_minutes": total,
        "encounter.psychotherapy_minutes": psychotherapy,
        "encounter.medical_discussion_minutes": draw(maybe_minutes),
        "encounter.time_documented": draw(st.sampled_from([True, False, None])),
        "encounter.mdm_level": draw(st.sampled_from([None, "straightforward", "low", "moderate", "high"])),
        "encounter.audio_only_reason": draw(st.sampled_from([None, "patient_declined_video", "technical_failure"])),
        "encounter.consent_recorded": draw(st.sampled_from([True, False, None])),
        "encounter.diagnoses": draw(st.lists(st.sampled_from(DIAGNOSES), min_size=1, max_size=12)),
        "encounter.requested_codes": draw(st.lists(st.sampled_from(REQUESTED), max_size=3)),
        "encounter.related_em": draw(
            st.sampled_from([None, {"days_before": 3}, {"hours_after": 30}, {"days_after": 9}])
        ),
        "encounter.peripherals": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "device": st.sampled_from(["spirometer", "pulse_oximeter", "otoscope"]),
                        "documented": st.booleans(),
                    }
                ),
                max_size=2,
            )
        ),
        "encounter.remote_monitoring": draw(monitoring(day)) if modality == "remote_monitoring" else None,
    }
    return EncounterCompleted.model_validate(changed(RPM if modality == "remote_monitoring" else VIDEO, changes))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(encounters())
def test_no_valid_encounter_crashes_and_every_coded_line_passes_the_engines_edits(
    encounter: EncounterCompleted,
) -> None:
    result = code_encounter(encounter, PRACTICE_RULES, is_billable)
    assert result.status in {"coded", "held"}
    if result.status == "held":
        assert result.holds and not result.lines
        assert all(hold.reason and hold.message for hold in result.holds)
        return
    assert result.lines and not result.holds
    coverage = encounter.coverage
    policy = PRACTICE_RULES.policy_for(coverage.payer_id, coverage.plan_type, encounter.encounter.date_of_service)
    assert policy is not None
    case = Case(encounter, PRACTICE_RULES, policy, result.diagnoses)
    assert problems(case, result.lines, result.place_of_service) == []
    assert all(line.rule and line.source and line.explanation for line in result.lines)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 200), st.integers(0, 200), st.booleans(), st.sampled_from(["MCRTX", "87726", "ACMEH"]))
def test_more_documented_time_never_lowers_the_visit_level(a: int, b: int, new: bool, payer: str) -> None:
    low, high = sorted((a, b))
    levels = [level_for(minutes, new, payer) for minutes in (low, high)]
    if levels[0] is not None:
        assert levels[1] is not None and levels[1] >= levels[0]


def level_for(minutes: int, new: bool, payer: str) -> str | None:
    data = {"encounter.total_minutes": minutes, "encounter.new_patient": new, "coverage.payer_id": payer}
    if payer != "MCRTX":
        data["coverage.plan_type"] = "commercial"
    result = code_encounter(EncounterCompleted.model_validate(changed(VIDEO, data)), PRACTICE_RULES, is_billable)
    return result.lines[0].code if result.lines else None
