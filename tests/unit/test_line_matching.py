"""Paid lines matched to billed lines when payers drop modifiers, split lines or move dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.remittance.domain.era import LinePayment
from services.remittance.domain.matching import match_lines
from shared.contracts.events import SubmittedLine

BILLED = [
    SubmittedLine(
        line_number=1, code="99213", modifiers=["95"], units=1, charge_cents=15000, date_of_service=date(2026, 3, 2)
    ),
    SubmittedLine(
        line_number=2, code="94010", modifiers=[], units=1, charge_cents=6000, date_of_service=date(2026, 3, 2)
    ),
]


def paid(code: str, modifiers: tuple[str, ...] = (), day: date = date(2026, 3, 2), cents: int = 5000) -> LinePayment:
    return LinePayment(code, modifiers, cents, cents, Decimal(1), service_date=day)


def test_exact_dropped_modifier_split_other_date_and_unknown_lines() -> None:
    matches = match_lines(
        BILLED,
        [
            paid("99213", ("95",)),
            paid("94010"),
            paid("94010", cents=100),
            paid("99213", (), date(2026, 3, 3)),
            paid("99999"),
        ],
    )
    assert [(m.billed_line, m.how) for m in matches] == [
        (1, "exact"),
        (2, "exact"),
        (2, "split"),
        (1, "split"),
        (None, "unmatched"),
    ]


def test_a_payer_that_drops_the_telehealth_modifier_still_matches() -> None:
    [match] = match_lines(BILLED, [paid("99213")])
    assert (match.billed_line, match.how) == (1, "modifiers_dropped")
