"""What `make demo` prints about remittance: money per posting status and the follow-up worklists."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from deploy.ops.demo import dollars, follow_up_table, money_table
from deploy.ops.tracking import Outcome


def posting(status: str, paid: int, charge: int = 15000, patient: int = 2500) -> dict[str, Any]:
    return {"claim_status": status, "paid_cents": paid, "charge_cents": charge, "patient_responsibility_cents": patient}


def rows(table: Any) -> dict[str, list[str]]:
    """The table's body rows as printed, keyed by their first cell."""
    out = io.StringIO()
    Console(file=out, width=160).print(table)
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in out.getvalue().splitlines() if "│" in line]
    return {row[0]: row[1:] for row in cells}


FOUND = {
    "a": Outcome("posted", payments=[posting("paid", 9000), posting("reversed", -9000, -15000, -2500),
                                     posting("paid", 9900)]),  # fmt: skip
    "b": Outcome("posted", payments=[posting("paid", 5000)]),
    "c": Outcome("held_coding", "em_level_unsupported"),
}


def test_a_reprocessed_claim_is_counted_once_with_its_net_change() -> None:
    assert rows(follow_up_table(FOUND))["payer reprocessed (reversed, paid again): net change"] == ["1", "$9.00"]


def test_postings_are_summed_per_status_with_negative_reversals() -> None:
    printed = rows(money_table(FOUND))
    assert printed["paid"] == ["3", "$450.00", "$239.00", "$75.00"]
    assert printed["reversed"] == ["1", "-$150.00", "-$90.00", "-$25.00"]


def test_dollars_put_the_sign_before_the_symbol() -> None:
    assert (dollars(-77000), dollars(123456), dollars(0)) == ("-$770.00", "$1,234.56", "$0.00")
