"""Underpayment detection: what each paid line should have been allowed, from the Medicare PFS
(RVUs × GPCI × conversion factor; facility rate for POS 02, non-facility otherwise) or the
practice's contract rates, compared with what the payer allowed. Pure; money in cents."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict, Field

from services.remittance.domain.era import ClaimPayment, LinePayment
from shared.contracts.events import UnderpaidLine
from shared.rules import Sourced


class Tolerance(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    percent: Decimal = Field(ge=0)
    min_cents: int = Field(ge=0)


class Rvus(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    work: Decimal
    pe_nonfacility: Decimal
    pe_facility: Decimal
    mp: Decimal


class Gpci(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    work: Decimal
    pe: Decimal
    mp: Decimal


class MedicarePfs(Sourced):
    conversion_factor: Decimal
    locality: str
    gpci: Gpci
    rvus: dict[str, Rvus]


class Contract(Sourced):
    name: str
    payer_ids: list[str] = Field(default_factory=list)
    plan_types: list[str] = Field(default_factory=list)
    rates_cents: dict[str, int]


class FeeSchedules(Sourced):
    tolerance: Tolerance
    allowed_reducing_carcs: list[str]
    facility_places_of_service: list[str]
    medicare_pfs: list[MedicarePfs] = Field(default_factory=list)
    contracts: list[Contract] = Field(default_factory=list)

    def pfs(self, on: date) -> MedicarePfs | None:
        return next((p for p in self.medicare_pfs if p.effective.covers(on)), None)

    def contract(self, payer_id: str, plan_type: str, on: date) -> Contract | None:
        live = [c for c in self.contracts if c.effective.covers(on)]
        return next((c for c in live if payer_id in c.payer_ids), None) or next(
            (c for c in live if plan_type in c.plan_types), None
        )


def cents(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def pfs_amount(pfs: MedicarePfs, code: str, facility: bool) -> int | None:
    rvu = pfs.rvus.get(code)
    if rvu is None:
        return None
    pe = rvu.pe_facility if facility else rvu.pe_nonfacility
    total = rvu.work * pfs.gpci.work + pe * pfs.gpci.pe + rvu.mp * pfs.gpci.mp
    return cents(total * pfs.conversion_factor)


def expected_allowed(
    line: LinePayment, payer_id: str, plan_type: str, place: str | None, on: date, schedules: FeeSchedules
) -> tuple[int, str] | None:
    units = max(line.units, Decimal(1))
    if plan_type == "medicare" and (pfs := schedules.pfs(on)) is not None:
        facility = place in schedules.facility_places_of_service
        amount = pfs_amount(pfs, line.code, facility)
        if amount is not None:
            rate = "facility" if facility else "non-facility"
            return cents(Decimal(amount) / 100 * units), f"Medicare PFS {pfs.locality} {rate} ({pfs.source})"
    contract = schedules.contract(payer_id, plan_type, on)
    if contract is None or line.code not in contract.rates_cents:
        return None
    return cents(
        Decimal(contract.rates_cents[line.code]) / 100 * units
    ), f"contract {contract.name} ({contract.source})"


def allowed(line: LinePayment, schedules: FeeSchedules) -> int:
    """What the payer allowed: the charge less the fee-schedule reductions (CARC 45, any group)."""
    reductions = sum(a.amount_cents for a in line.adjustments if a.reason in schedules.allowed_reducing_carcs)
    return line.charge_cents - reductions


def underpaid_lines(
    claim: ClaimPayment, payer_id: str, plan_type: str, place: str | None, on: date, schedules: FeeSchedules
) -> list[UnderpaidLine]:
    found = []
    for line in claim.lines:
        if line.paid_cents <= 0:
            continue  # a denied line is a denial, not an underpayment
        expected = expected_allowed(line, payer_id, plan_type, place, line.service_date or on, schedules)
        if expected is None:
            continue
        amount, basis = expected
        got = allowed(line, schedules)
        shortfall = amount - got
        limit = max(cents(Decimal(amount) / 100 * schedules.tolerance.percent / 100), schedules.tolerance.min_cents)
        if shortfall > limit:
            found.append(
                UnderpaidLine(
                    code=line.code,
                    expected_allowed_cents=amount,
                    allowed_cents=got,
                    shortfall_cents=shortfall,
                    basis=basis,
                )
            )
    return found
