"""Denials on a posted claim: which amounts were denied, in which category, and what to do. Pure."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from services.remittance.domain.era import Adjustment, ClaimPayment
from services.remittance.domain.posting import DENIED_STATUS
from shared.contracts.events import Denial
from shared.rules import Sourced


class Category(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    carcs: list[str] = Field(default_factory=list)
    rarcs: list[str] = Field(default_factory=list)
    action: str


class NotDenial(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    group: str
    carcs: list[str]


class DenialRules(Sourced):
    not_denials: list[NotDenial]
    categories: list[Category]
    fallback: Category

    def is_denial(self, adjustment: Adjustment) -> bool:
        ordinary = any(adjustment.group == n.group and adjustment.reason in n.carcs for n in self.not_denials)
        return not ordinary and adjustment.amount_cents > 0


class AdjustmentCodes(Sourced):
    carc: dict[str, str]
    rarc: dict[str, str]


def denials(claim: ClaimPayment, codes: AdjustmentCodes, rules: DenialRules) -> list[Denial]:
    """Every adjustment on a denied claim or a denied line other than the patient's ordinary share
    and the contractual discount."""
    claim_denied = claim.status_code in DENIED_STATUS or (claim.paid_cents == 0 and claim.charge_cents > 0)
    found = [
        denial(a, None, claim.remarks, codes, rules) for a in claim.adjustments if claim_denied and rules.is_denial(a)
    ]
    for line in claim.lines:
        line_denied = claim_denied or (line.paid_cents == 0 and line.charge_cents > 0)
        remarks = tuple(claim.remarks) + tuple(line.remark_codes)
        found += [
            denial(a, line.code, remarks, codes, rules) for a in line.adjustments if line_denied and rules.is_denial(a)
        ]
    return found


def denial(
    adjustment: Adjustment, line_code: str | None, remarks: tuple[str, ...], codes: AdjustmentCodes, rules: DenialRules
) -> Denial:
    category = categorise(adjustment.reason, remarks, rules)
    return Denial(
        group_code=adjustment.group,
        reason_code=adjustment.reason,
        reason=codes.carc.get(adjustment.reason, f"CARC {adjustment.reason}"),
        remarks=[f"{code}: {codes.rarc.get(code, 'see the RARC list')}" for code in remarks],
        amount_cents=adjustment.amount_cents,
        line_code=line_code,
        category=category.name,  # type: ignore[arg-type]
        recommended_action=category.action,
    )


def categorise(carc: str, remarks: tuple[str, ...], rules: DenialRules) -> Category:
    by_remark = next((c for c in rules.categories if set(c.rarcs) & set(remarks)), None)
    return by_remark or next((c for c in rules.categories if carc in c.carcs), rules.fallback)
