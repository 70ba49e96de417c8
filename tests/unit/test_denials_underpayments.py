"""Denials categorised with their next action, and lines allowed below the fee schedule or contract
flagged with expected vs allowed — on 835s built line by line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.remittance.bootstrap import load_remittance_rules
from services.remittance.domain.denials import denials
from services.remittance.domain.era import Adjustment, ClaimPayment, LinePayment
from services.remittance.domain.underpayment import FeeSchedules, Gpci, MedicarePfs, Rvus, pfs_amount, underpaid_lines
from shared.rules import Effective

RULES = load_remittance_rules()
DAY = date(2026, 3, 2)


def line(
    code: str, charge: int, paid: int, *adjustments: tuple[str, str, int], remarks: tuple[str, ...] = ()
) -> LinePayment:
    adj = tuple(Adjustment(group, reason, cents) for group, reason, cents in adjustments)
    return LinePayment(code, (), charge, paid, Decimal(1), adj, remarks, "HC", DAY)


def claim(*lines: LinePayment, status: str = "1", remarks: tuple[str, ...] = ()) -> ClaimPayment:
    charge, paid = sum(x.charge_cents for x in lines), sum(x.paid_cents for x in lines)
    patient = sum(a.amount_cents for x in lines for a in x.adjustments if a.group == "PR")
    return ClaimPayment("PCN1", status, charge, paid, patient, "PAYERCLAIM1", (), lines, remarks)


CATEGORY_CASES = [
    ("27", (), "eligibility"),
    ("31", (), "eligibility"),
    ("50", ("N115",), "medical_necessity"),
    ("16", ("M51",), "coding"),
    ("16", (), "missing_information"),
    ("5", (), "telehealth_pos_modifier"),
    ("4", ("N822",), "telehealth_pos_modifier"),
    ("4", (), "coding"),
    ("29", (), "timely_filing"),
    ("18", (), "duplicate"),
    ("96", ("N130",), "non_covered"),
    ("B7", (), "other"),
]


@pytest.mark.parametrize(("carc", "remarks", "category"), CATEGORY_CASES)
def test_a_denied_claim_is_categorised_with_a_next_action(carc: str, remarks: tuple[str, ...], category: str) -> None:
    found = denials(
        claim(line("99213", 15000, 0, ("CO", carc, 15000), remarks=remarks), status="4"),
        RULES.codes,
        RULES.denials,
    )
    assert [(d.reason_code, d.category, d.amount_cents, d.line_code) for d in found] == [
        (carc, category, 15000, "99213")
    ]
    assert found[0].recommended_action and found[0].reason
    assert [r.split(":")[0] for r in found[0].remarks] == list(remarks)


def test_an_eligibility_denial_points_at_the_verification_evidence() -> None:
    [found] = denials(
        claim(line("99213", 15000, 0, ("PR", "27", 0), ("CO", "27", 15000)), status="4"),
        RULES.codes,
        RULES.denials,
    )
    assert (
        found.reason == "Expenses incurred after coverage terminated"
        and "verification evidence" in found.recommended_action
    )


def test_a_paid_claim_with_contractual_and_patient_share_has_no_denial_and_a_denied_line_has_one() -> None:
    paid = claim(line("99213", 15000, 9000, ("CO", "45", 4000), ("PR", "2", 2000)))
    assert denials(paid, RULES.codes, RULES.denials) == []
    mixed = claim(line("99213", 15000, 9000, ("CO", "45", 6000)), line("94010", 6000, 0, ("CO", "97", 6000)))
    assert [(d.line_code, d.category) for d in denials(mixed, RULES.codes, RULES.denials)] == [("94010", "coding")]


def commercial(code: str, charge: int, allowed: int, *extra: tuple[str, str, int]) -> ClaimPayment:
    return claim(line(code, charge, allowed - 3000, ("CO", "45", charge - allowed), ("PR", "3", 3000), *extra))


def test_a_line_allowed_below_the_contract_is_flagged_with_expected_and_allowed() -> None:
    rate = RULES.fees.contract("87726", "commercial", DAY).rates_cents["99213"]  # type: ignore[union-attr]
    low = commercial("99213", 20000, rate - 1000)
    [flag] = underpaid_lines(low, "87726", "commercial", "10", DAY, RULES.fees)
    assert (flag.code, flag.expected_allowed_cents, flag.allowed_cents, flag.shortfall_cents) == (
        "99213",
        rate,
        rate - 1000,
        1000,
    )
    assert flag.basis.startswith("contract commercial-standard")


def test_within_tolerance_and_non_contract_reductions_are_not_underpayments() -> None:
    rate = RULES.fees.contract("87726", "commercial", DAY).rates_cents["99213"]  # type: ignore[union-attr]
    assert underpaid_lines(commercial("99213", 20000, rate - 100), "87726", "commercial", "10", DAY, RULES.fees) == []
    sequestered = commercial("99213", 20000, rate, ("CO", "253", 200))  # lowers payment, not the allowed amount
    assert underpaid_lines(sequestered, "87726", "commercial", "10", DAY, RULES.fees) == []
    assert underpaid_lines(commercial("99999", 20000, 100), "87726", "commercial", "10", DAY, RULES.fees) == []


def test_the_pfs_formula_uses_gpcis_the_conversion_factor_and_the_facility_rate_for_pos_02() -> None:
    pfs = MedicarePfs(
        source="test", effective=Effective(**{"from": DAY}), conversion_factor=Decimal("33.4009"), locality="TEST",
        gpci=Gpci(work=Decimal("1.000"), pe=Decimal("0.900"), mp=Decimal("0.500")),
        rvus={"99213": Rvus(work=Decimal("1.30"), pe_nonfacility=Decimal("1.20"), pe_facility=Decimal("0.55"),
                            mp=Decimal("0.10"))},
    )  # fmt: skip
    # (1.30*1.000 + 1.20*0.900 + 0.10*0.500) * 33.4009 = 2.43 * 33.4009 = 81.164187 -> 81.16
    assert pfs_amount(pfs, "99213", facility=False) == 8116
    # (1.30 + 0.55*0.900 + 0.05) * 33.4009 = 1.845 * 33.4009 = 61.6246605 -> 61.62
    assert pfs_amount(pfs, "99213", facility=True) == 6162
    schedules = FeeSchedules.model_validate(
        RULES.fees.model_dump(by_alias=True) | {"medicare_pfs": [pfs.model_dump(by_alias=True)]}
    )
    low = claim(line("99213", 15000, 5000, ("CO", "45", 15000 - 7000), ("PR", "2", 2000)))
    [flag] = underpaid_lines(low, "MCRTX", "medicare", "10", DAY, schedules)
    assert (flag.expected_allowed_cents, flag.allowed_cents) == (8116, 7000) and flag.basis.startswith(
        "Medicare PFS TEST non-facility"
    )


def test_the_shipped_cy2025_pfs_prices_an_austin_telehealth_visit_by_place_of_service() -> None:
    pfs = RULES.fees.pfs(date(2025, 6, 2))
    assert pfs is not None and RULES.fees.pfs(date(2026, 6, 2)) is None  # 2026 RVU/GPCI files not loaded yet
    # (1.30 + 1.35 x 1.046 + 0.10 x 0.914) x 32.3465 = 90.68 at home (POS 10, non-facility)
    assert pfs_amount(pfs, "99213", facility=False) == 9068
    # (1.30 + 0.57 x 1.046 + 0.10 x 0.914) x 32.3465 = 64.29 elsewhere (POS 02, facility)
    assert pfs_amount(pfs, "99213", facility=True) == 6429


def test_a_coverage_terminated_denial_billed_to_the_patient_is_still_a_denial() -> None:
    [found] = denials(claim(line("99213", 15000, 0, ("PR", "27", 15000)), status="4"), RULES.codes, RULES.denials)
    assert (found.group_code, found.category) == ("PR", "eligibility")
