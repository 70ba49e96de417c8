"""The verification policy, loaded from rules/verification_policy.yaml."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from shared.rules import Sourced, in_force, load_rule_file

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


class ValidityWindow(Sourced):
    plan_type: str
    validity_days: int = Field(ge=0)


class VerificationPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    windows: list[ValidityWindow]

    def validity_days(self, plan_type: str, on: date) -> int:
        matching = [window for window in in_force(self.windows, on) if window.plan_type == plan_type]
        return matching[0].validity_days if matching else 0


def load_policy(path: Path = RULES_DIR / "verification_policy.yaml") -> VerificationPolicy:
    return load_rule_file(path, VerificationPolicy)
