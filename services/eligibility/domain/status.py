"""Where an encounter stands in eligibility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal


class EncounterStatus(StrEnum):
    VERIFIED = "verified"  # coverage decided (covered, not covered or self-pay) and published
    WAITING_PAYER = "waiting_payer"  # the payer did not answer: asked again on a schedule
    WAITING_MANUAL = "waiting_manual"  # a person must verify (a phone call): listed on the worklist


WAITING = (EncounterStatus.WAITING_PAYER, EncounterStatus.WAITING_MANUAL)


def after_deciding(outcome: str) -> EncounterStatus:
    """A decision a person must make waits on the worklist; any other is verified."""
    return EncounterStatus.WAITING_MANUAL if outcome == "needs_manual" else EncounterStatus.VERIFIED


@dataclass(frozen=True)
class Waiting:
    """An encounter waiting for its payer's answer (asked again at `next_at`) or for a person's call."""

    key: str
    kind: Literal["payer", "manual"]
    payer_id: str | None
    since: datetime
    attempts: int
    rounds: int
    next_at: datetime
    reason: str | None = None
