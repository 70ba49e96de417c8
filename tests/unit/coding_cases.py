"""Shared helpers for the coding tests: encounters built from the shared examples plus changes."""

from __future__ import annotations

import copy
from typing import Any

from services.coding.adapters.icd10 import is_billable
from services.coding.domain.engine import code_encounter
from services.coding.domain.model import CodingResult
from services.coding.domain.rules import RULES_DIR, CodingRules, load_rules
from shared.contracts.encounter import EncounterCompleted
from tests.conftest import example

RULES = load_rules()
PRACTICE_RULES = load_rules(policy_dir=RULES_DIR / "payer_examples")
ACME = {"coverage.plan_type": "commercial", "coverage.payer_id": "ACMEH"}
VIDEO, AUDIO, RPM, CLINIC = (
    "01-medicare-video-home-established.json",
    "02-commercial-audio-only-home.json",
    "03-medicare-remote-monitoring.json",
    "04-medicare-video-rural-clinic-new.json",
)
BASES: dict[str, dict[str, Any]] = {}


def base(name: str) -> dict[str, Any]:
    if name not in BASES:
        BASES[name] = example(name)
    return copy.deepcopy(BASES[name])


def changed(name: str, changes: dict[str, Any]) -> dict[str, Any]:
    """`changes` maps dotted paths to new values; None removes the key."""
    data = base(name)
    for dotted, value in changes.items():
        *path, last = dotted.split(".")
        target = data
        for part in path:
            target = target.setdefault(part, {})
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return data


def encounter(name: str, changes: dict[str, Any] | None = None) -> EncounterCompleted:
    return EncounterCompleted.model_validate(changed(name, changes or {}))


def code(name: str, changes: dict[str, Any] | None = None, rules: CodingRules = RULES) -> CodingResult:
    return code_encounter(encounter(name, changes), rules, is_billable)


def shown(result: CodingResult) -> list[str]:
    return [line.code if line.units == 1 else f"{line.code}x{line.units}" for line in result.lines]
