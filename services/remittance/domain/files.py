"""What became of one 835 file: the outcome it is archived and listed under."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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


@dataclass(frozen=True)
class EraFile:
    """An 835 file as last tried, by the digest of its bytes: the files worklist lists those that did
    not post, with every problem found."""

    digest: str
    file_name: str
    outcome: FileOutcome
    problems: tuple[str, ...]
    recorded_at: datetime

    @property
    def posted(self) -> bool:
        return self.outcome == FileOutcome.POSTED
