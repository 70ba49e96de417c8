"""The coding engine, case by case: each case names the rule it exercises."""

from __future__ import annotations

from typing import Any

import pytest

from services.coding.adapters.icd10 import is_billable
from services.coding.domain.engine import code_encounter
from services.coding.domain.rules import load_rules
from shared.contracts.encounter import EncounterCompleted
from tests.conftest import example

RULES = load_rules()


def coded(base: str, **changes: Any) -> Any:
    data = example(base)
    for dotted, value in changes.items():
        *path, last = dotted.split("__")
        target = data
        for part in path:
            target = target[part]
        target[last] = value
    return code_encounter(EncounterCompleted.model_validate(data), RULES, is_billable)


VIDEO, AUDIO, RPM, CLINIC = (
    "01-medicare-video-home-established.json",
    "02-commercial-audio-only-home.json",
    "03-medicare-remote-monitoring.json",
    "04-medicare-video-rural-clinic-new.json",
)

CASES = [
    # (rule, example, changes, expected status, expected codes, expected modifiers, expected POS)
    ("em-office-time: 25 min established -> 99213", VIDEO, {}, "coded", ["99213"], ("95",), "10"),
    (
        "em-office-time: met exactly 40 -> 99215",
        VIDEO,
        {"encounter__total_minutes": 40},
        "coded",
        ["99215"],
        ("95",),
        "10",
    ),
    ("em-office-time: 39 min -> 99214", VIDEO, {"encounter__total_minutes": 39}, "coded", ["99214"], ("95",), "10"),
    ("em-office-time: new patient 47 min -> 99204, POS 02 at a clinic", CLINIC, {}, "coded", ["99204"], ("95",), "02"),
    (
        "em-office-mdm: time undocumented, MDM high -> 99215",
        VIDEO,
        {"encounter__time_documented": False, "encounter__mdm_level": "high"},
        "coded",
        ["99215"],
        ("95",),
        "10",
    ),
    (
        "em-office: higher of time and MDM",
        VIDEO,
        {"encounter__mdm_level": "moderate"},
        "coded",
        ["99214"],
        ("95",),
        "10",
    ),
    ("em-office: no time, no MDM -> hold", VIDEO, {"encounter__time_documented": False}, "held", [], (), "10"),
    ("em-office: below lowest threshold, no MDM -> hold", VIDEO, {"encounter__total_minutes": 9}, "held", [], (), "10"),
    ("modifier 93 for audio-only", AUDIO, {}, "coded", ["99213"], ("93",), "10"),
    (
        "medicare audio-only needs home",
        AUDIO,
        {
            "coverage__plan_type": "medicare",
            "coverage__payer_id": "MCRTX",
            "encounter__patient_location": {"setting": "facility"},
        },
        "held",
        [],
        (),
        None,
    ),
    (
        "medicare audio-only needs a reason",
        AUDIO,
        {"coverage__plan_type": "medicare", "coverage__payer_id": "MCRTX", "encounter__audio_only_reason": None},
        "held",
        [],
        (),
        None,
    ),
    ("icd-10-cm: non-billable E11 holds", VIDEO, {"encounter__diagnoses": ["E11", "I10"]}, "held", [], (), None),
    ("rpm 2026: setup + 99454 + 99457", RPM, {}, "coded", ["99453", "99454", "99457"], (), "11"),
    (
        "rpm 2026: 10 reading days -> 99445",
        RPM,
        {"encounter__remote_monitoring__reading_days": 10},
        "coded",
        ["99453", "99445", "99457"],
        (),
        "11",
    ),
    (
        "rpm 2026: 12 min -> 99470",
        RPM,
        {"encounter__remote_monitoring__management_minutes": 12, "encounter__remote_monitoring__first_episode": False},
        "coded",
        ["99454", "99470"],
        (),
        "11",
    ),
    (
        "rpm: 45 min -> 99457 + 99458",
        RPM,
        {"encounter__remote_monitoring__management_minutes": 45, "encounter__remote_monitoring__first_episode": False},
        "coded",
        ["99454", "99457", "99458"],
        (),
        "11",
    ),
]


@pytest.mark.parametrize(
    ("rule", "base", "changes", "status", "codes", "mods", "pos"), CASES, ids=[c[0] for c in CASES]
)
def test_rule(rule: str, base: str, changes: dict, status: str, codes: list, mods: tuple, pos: str | None) -> None:
    result = coded(base, **changes)
    assert result.status == status, result.holds
    assert [line.code for line in result.lines] == codes
    assert result.place_of_service == pos
    if result.lines:
        assert result.lines[0].modifiers == mods
        assert all(line.rule and line.source and line.explanation for line in result.lines)
    else:
        assert result.holds


def test_rpm_2025_has_no_2026_codes() -> None:
    result = coded(
        RPM,
        encounter__date_of_service="2025-03-31",
        encounter__remote_monitoring__period_start="2025-03-02",
        encounter__remote_monitoring__period_end="2025-03-31",
        encounter__remote_monitoring__reading_days=10,
    )
    assert [line.code for line in result.lines] == ["99457"]


def test_explanation_names_the_facts() -> None:
    assert coded(VIDEO).lines[0].explanation.startswith("25 min documented >= 20 min threshold for 99213")
