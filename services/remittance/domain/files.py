"""What became of one 835 file: the outcome it is archived and listed under."""

from __future__ import annotations

from enum import StrEnum


class FileOutcome(StrEnum):
    POSTED = "posted"
    DUPLICATE = "duplicate"  # the same bytes were posted before: nothing posts twice
    UNREADABLE = "unreadable"  # not a readable 835: nothing posted, kept on the files worklist
    UNBALANCED = "unbalanced"  # read, but its amounts do not add up: nothing posted
    FAILED = "failed"  # an unexpected error; the files behind it went on

    @property
    def needs_a_person(self) -> bool:
        return self in (FileOutcome.UNREADABLE, FileOutcome.UNBALANCED, FileOutcome.FAILED)
