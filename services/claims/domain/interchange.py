"""An 837P interchange as the claims service keeps it, and the steps of a claim's history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NotRequired, TypedDict


class Step(TypedDict):
    """One step of a claim's (or an interchange's) history."""

    status: str
    at: str  # ISO 8601, UTC
    note: str
    applied: NotRequired[bool]  # False: kept in history, but it did not move the claim (a late message)


@dataclass(frozen=True)
class Interchange:
    """One 837P file: its control number (ISA13), the claims in it, whether it reached the
    clearinghouse's folder, and the 999 acknowledgements noted on it. `x12` is the file itself when
    it was read to be dropped again, None otherwise."""

    control_number: int
    file_name: str
    claim_ids: tuple[str, ...]
    dropped: bool = False
    acknowledgements: tuple[Step, ...] = ()
    x12: str | None = None
