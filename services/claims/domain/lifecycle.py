"""Claim statuses and which changes the lifecycle accepts. Pure.

created → scrubbed | scrub_rejected → submitted → accepted | rejected → paid | partially_paid |
denied → reversed; any billed claim → corrected (a replacement went out) | voided. A late message
never moves a claim back (a 277CA arriving after the 835 leaves it paid) but is kept in history.
"""

from __future__ import annotations

RANK = {
    "created": 0,
    "scrub_rejected": 1,
    "scrubbed": 1,
    "submitted": 2,
    "accepted": 3,
    "rejected": 3,
    "paid": 4,
    "partially_paid": 4,
    "denied": 4,
    "reversed": 5,
    "corrected": 6,
    "voided": 6,
}
CORRECTABLE = {"accepted", "paid", "partially_paid", "denied", "reversed", "rejected"}
ADJUDICATED = {"paid", "partially_paid", "denied"}


def moves_to(current: str, proposed: str) -> bool:
    if current in ("corrected", "voided"):
        return False
    # A payer that reverses a payment usually re-adjudicates the claim in the same 835.
    return RANK[proposed] >= RANK[current] or (current == "reversed" and proposed in ADJUDICATED)
