"""Coding rules as data: the E/M level table and payer policies, validated when loaded."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.coding.domain.remote_monitoring import RpmTable
from shared.rules import Effective, RuleFileError, Sourced, load_rule_file

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
MdmLevel = Literal["straightforward", "low", "moderate", "high"]


class EmLevel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[0-9]{5}$")
    patient: Literal["new", "established"]
    min_minutes: int = Field(ge=1)
    mdm: MdmLevel


class EmTable(Sourced):
    levels: list[EmLevel] = Field(min_length=1)

    def for_patient(self, new_patient: bool) -> list[EmLevel]:
        kind = "new" if new_patient else "established"
        return sorted((lvl for lvl in self.levels if lvl.patient == kind), key=lambda lvl: lvl.min_minutes)


class PlaceOfService(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    home: str = Field(pattern=r"^[0-9]{2}$")
    elsewhere: str = Field(pattern=r"^[0-9]{2}$")


class PayerPolicy(Sourced):
    payer: str = Field(min_length=1)
    plan_types: list[str] = Field(default_factory=list)
    payer_ids: list[str] = Field(default_factory=list)
    video_modifier: str | None = Field(description="'95', or null for payers that do not want it")
    audio_only_modifier: str
    rural_clinic_audio_only_modifier: str
    place_of_service: PlaceOfService
    audio_only_requires_home: bool
    audio_only_requires_reason: bool
    non_telehealth_place_of_service: str = Field(pattern=r"^[0-9]{2}$")


class CodingRules(BaseModel):
    model_config = ConfigDict(frozen=True)

    em_table: EmTable
    rpm_table: RpmTable
    policies: list[PayerPolicy]

    def policy_for(self, payer_id: str | None, plan_type: str, on: date) -> PayerPolicy | None:
        live = [p for p in self.policies if p.effective.covers(on)]
        by_id = [p for p in live if payer_id and payer_id in p.payer_ids]
        by_plan = [p for p in live if plan_type in p.plan_types]
        return (by_id or by_plan or [None])[0]


def load_rules(rules_dir: Path = RULES_DIR, policy_dir: Path | None = None) -> CodingRules:
    em_table = load_rule_file(rules_dir / "em_office.yaml", EmTable)
    rpm_table = load_rule_file(rules_dir / "remote_monitoring.yaml", RpmTable)
    policy_files = sorted((policy_dir or rules_dir / "payers").glob("*.yaml"))
    if not policy_files:
        raise RuleFileError(f"no payer policy files in {policy_dir or rules_dir / 'payers'}")
    policies = [load_rule_file(path, PayerPolicy) for path in policy_files]
    return CodingRules(
        em_table=em_table, rpm_table=rpm_table, policies=sorted(policies, key=lambda p: -len(p.payer_ids))
    )


__all__ = ["CodingRules", "EmLevel", "EmTable", "Effective", "PayerPolicy", "load_rules"]
