"""Journal lines from 835 claim payments always balance, and map to the right accounts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.remittance.domain.era import Adjustment, ClaimPayment
from services.remittance.domain.posting import RULES_FILE, claim_status, journal, load_posting_rules

RULES = load_posting_rules()


def payment(status: str, charge: int, paid: int, *adjustments: tuple[str, str, int]) -> ClaimPayment:
    return ClaimPayment(
        "TB1",
        status,
        charge,
        paid,
        sum(a for g, _, a in adjustments if g == "PR"),
        "PCN1",
        adjustments=tuple(Adjustment(g, r, a) for g, r, a in adjustments),
    )


def balance(claim: ClaimPayment) -> tuple[int, int]:
    lines = journal(claim, RULES)
    return sum(line.debit_cents for line in lines), sum(line.credit_cents for line in lines)


def test_paid_claim_posts_cash_contractual_and_patient_share() -> None:
    claim = payment("1", 15000, 7000, ("CO", "45", 6000), ("PR", "2", 2000))
    accounts = {line.account: (line.debit_cents, line.credit_cents) for line in journal(claim, RULES)}
    assert accounts == {
        "insurance_ar": (0, 15000),
        "cash": (7000, 0),
        "contractual_adjustment": (6000, 0),
        "patient_ar": (2000, 0),
    }
    assert claim_status(claim, RULES) == "paid"


def test_denied_claim_goes_to_denial_write_off() -> None:
    claim = payment("4", 15000, 0, ("CO", "50", 15000))
    assert claim_status(claim, RULES) == "denied"
    assert {line.account for line in journal(claim, RULES)} == {"insurance_ar", "denial_writeoff"}


def test_reduced_payment_is_partially_paid() -> None:
    assert claim_status(payment("1", 15000, 5000, ("CO", "45", 6000), ("OA", "23", 4000)), RULES) == "partially_paid"


def test_reversal_reverses_every_side() -> None:
    claim = payment("22", -15000, -7000, ("CO", "45", -8000))
    accounts = {line.account: (line.debit_cents, line.credit_cents) for line in journal(claim, RULES)}
    assert claim_status(claim, RULES) == "reversed"
    assert accounts == {"insurance_ar": (15000, 0), "cash": (0, 7000), "contractual_adjustment": (0, 8000)}


@given(
    st.integers(0, 10**7),
    st.lists(st.tuples(st.sampled_from(["CO", "PR", "OA", "PI"]), st.integers(-(10**6), 10**6)), max_size=6),
)
def test_journal_balances_whenever_the_claim_balances(paid: int, cas: list[tuple[str, int]]) -> None:
    charge = paid + sum(amount for _, amount in cas)
    debits, credits = balance(payment("1", charge, paid, *((g, "45", a) for g, a in cas)))
    assert debits == credits


def test_a_posting_rule_file_with_an_unknown_account_is_refused_naming_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from shared.rules import RuleFileError

    bad = tmp_path / "posting.yaml"
    bad.write_text((RULES_FILE.read_text()).replace("PR: patient_ar", "PR: petty_cash"))
    with pytest.raises(RuleFileError, match="account_by_group.PR"):
        load_posting_rules(bad)
