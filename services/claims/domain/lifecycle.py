"""Claim statuses and which changes the lifecycle accepts. Pure.

created → scrubbed | scrub_rejected → submitted → accepted | rejected → paid | partially_paid |
denied → reversed; any billed claim → corrected (a replacement went out) | voided. A late message
never moves a claim back (a 277CA arriving after the 835 leaves it paid) but is kept in history.
"""

from __future__ import annotations

from enum import StrEnum


class ClaimStatus(StrEnum):
    CREATED = "created"
    SCRUB_REJECTED = "scrub_rejected"
    SCRUBBED = "scrubbed"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    DENIED = "denied"
    REVERSED = "reversed"
    CORRECTED = "corrected"
    VOIDED = "voided"


S = ClaimStatus
RANK: dict[str, int] = {
    S.CREATED: 0,
    S.SCRUB_REJECTED: 1,
    S.SCRUBBED: 1,
    S.SUBMITTED: 2,
    S.ACCEPTED: 3,
    S.REJECTED: 3,
    S.PAID: 4,
    S.PARTIALLY_PAID: 4,
    S.DENIED: 4,
    S.REVERSED: 5,
    S.CORRECTED: 6,
    S.VOIDED: 6,
}
CORRECTABLE = {S.ACCEPTED, S.PAID, S.PARTIALLY_PAID, S.DENIED, S.REVERSED, S.REJECTED}
ADJUDICATED = {S.PAID, S.PARTIALLY_PAID, S.DENIED}
WORKLIST = (S.SCRUB_REJECTED, S.REJECTED)  # the statuses a person works from the claims worklist


def moves_to(current: str, proposed: str) -> bool:
    if current in (S.CORRECTED, S.VOIDED):
        return False
    # A payer that reverses a payment usually re-adjudicates the claim in the same 835.
    return RANK[proposed] >= RANK[current] or (current == S.REVERSED and proposed in ADJUDICATED)
