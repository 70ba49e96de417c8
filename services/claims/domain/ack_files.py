"""What became of one 999 or 277CA file: the outcome it is archived under."""

from __future__ import annotations

from enum import StrEnum


class AckFileOutcome(StrEnum):
    PROCESSED = "processed"
    UNMATCHED = "unmatched"  # read, but it answers for no claim this practice sent
    UNREADABLE = "unreadable"  # not a readable acknowledgement: set aside with the reason
    FAILED = "failed"  # an unexpected error; the files behind it went on
