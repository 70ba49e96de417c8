"""Matching the payer's service lines to the lines we billed. Payers drop modifiers, split one
billed line into several paid lines, or pay under another date; the claim still posts, and what
could not be matched is said. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.remittance.domain.era import LinePayment
from shared.contracts.events import SubmittedLine


@dataclass(frozen=True)
class LineMatch:
    billed_line: int | None  # 1-based line number of the claim we sent; None when unmatched
    code: str
    paid_cents: int
    how: str  # exact | modifiers_dropped | split | code_only | unmatched


def match_lines(billed: Sequence[SubmittedLine], paid: list[LinePayment]) -> list[LineMatch]:
    """`billed`: the `claim-submitted` lines."""
    used: dict[int, int] = {}
    found = []
    for line in paid:
        number, how = best_match(billed, line)
        if number is not None:
            used[number] = used.get(number, 0) + 1
            how = "split" if used[number] > 1 else how
        found.append(LineMatch(number, line.code, line.paid_cents, how if number is not None else "unmatched"))
    return found


def best_match(billed: Sequence[SubmittedLine], line: LinePayment) -> tuple[int | None, str]:
    day = line.service_date
    same_code = [b for b in billed if b.code == line.code]
    same_day = [b for b in same_code if day is None or b.date_of_service == day]
    exact = [b for b in same_day if tuple(b.modifiers) == line.modifiers]
    for candidates, how in ((exact, "exact"), (same_day, "modifiers_dropped"), (same_code, "code_only")):
        if candidates:
            return candidates[0].line_number, how
    return None, "unmatched"
