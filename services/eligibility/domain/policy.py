"""Eligibility rules as data: verification reuse windows, what a 270 asks, 271 code lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.rules import Effective, Sourced, in_force, load_rule_file

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


class ValidityWindow(Sourced):
    plan_type: str
    validity_days: int = Field(ge=0)


class VerificationPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    effective: Effective
    windows: list[ValidityWindow]

    def validity_days(self, plan_type: str, on: date) -> int:
        matching = [window for window in in_force(self.windows, on) if window.plan_type == plan_type]
        return matching[0].validity_days if matching else 0


class RejectReason(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    meaning: str
    outcome: Literal["not_covered", "retry", "needs_manual"]


class X12Codes(Sourced):
    reject_reasons: list[RejectReason]
    follow_up_actions: dict[str, str]
    active_codes: list[str]
    inactive_codes: list[str]

    def reason(self, code: str) -> RejectReason:
        known = next((r for r in self.reject_reasons if r.code == code), None)
        return known or RejectReason(code=code, meaning=f"unknown reject reason {code}", outcome="needs_manual")


class PlacesOfService(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    home: str
    elsewhere: str


class InquiryRules(Sourced):
    service_types: dict[str, list[str]]
    telehealth_service_types: list[str]
    telehealth_modalities: list[str]
    telehealth_place_of_service: PlacesOfService
    audio_only_modifier: str


@dataclass(frozen=True)
class EligibilityRules:
    reuse: VerificationPolicy
    codes: X12Codes
    inquiry: InquiryRules


def load_policy(path: Path = RULES_DIR / "verification_policy.yaml") -> VerificationPolicy:
    return load_rule_file(path, VerificationPolicy)


def load_eligibility_rules(rules_dir: Path = RULES_DIR) -> EligibilityRules:
    return EligibilityRules(
        reuse=load_policy(rules_dir / "verification_policy.yaml"),
        codes=load_rule_file(rules_dir / "x12_codes.yaml", X12Codes),
        inquiry=load_rule_file(rules_dir / "inquiry.yaml", InquiryRules),
    )
