"""Values the contract allows but no real visit has, refused at the edge. Pure; today is given.

Dates: a visit (date of service, start, end, monitoring period, the event's time) no later than
`days_ahead` after today (time zones) and no older than `years_back` years; a birth date from
`earliest_birth_date` and not after that latest day. Text: no control characters anywhere, and
only what the 837 can carry (accented Latin letters are transliterated, with a warning).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.ingest.domain.intake import Problem
from shared.contracts.encounter import EncounterCompleted
from shared.phi.fields import PLAIN
from shared.x12.text import has_control_character, transliterated

TRANSLITERATION_WARNING = "non-ASCII letters will be transliterated to ASCII in the claim (837)"


@dataclass(frozen=True)
class DateWindow:
    years_back: int
    days_ahead: int
    earliest_birth_date: date

    def earliest(self, today: date) -> date:
        return years_before(today, self.years_back)

    def latest(self, today: date) -> date:
        return today + timedelta(days=self.days_ahead)


def years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February in a year that has none
        return today.replace(year=today.year - years, day=28)


def date_problems(event: EncounterCompleted, window: DateWindow, today: date) -> list[Problem]:
    earliest, latest = window.earliest(today), window.latest(today)
    problems = [
        Problem(None, field, f"outside the accepted window {earliest} to {latest}")
        for field, day in visit_dates(event)
        if not earliest <= day <= latest
    ]
    return problems + [
        Problem(None, field, f"must be from {window.earliest_birth_date} to {latest}")
        for field, day in birth_dates(event)
        if not window.earliest_birth_date <= day <= latest
    ]


def visit_dates(event: EncounterCompleted) -> Iterator[tuple[str, date]]:
    visit = event.encounter
    yield "occurred_at", event.occurred_at.date()
    yield "encounter.date_of_service", visit.date_of_service
    if visit.start:
        yield "encounter.start", visit.start.date()
    if visit.end:
        yield "encounter.end", visit.end.date()
    if visit.remote_monitoring:
        yield "encounter.remote_monitoring.period_start", visit.remote_monitoring.period_start
        yield "encounter.remote_monitoring.period_end", visit.remote_monitoring.period_end


def birth_dates(event: EncounterCompleted) -> Iterator[tuple[str, date]]:
    yield "patient.birth_date", event.patient.birth_date
    subscriber = event.coverage.subscriber
    if subscriber and subscriber.birth_date:
        yield "coverage.subscriber.birth_date", subscriber.birth_date


def text_findings(event: EncounterCompleted) -> tuple[list[Problem], list[Problem]]:
    """(problems, warnings) of every text field of the event."""
    problems, warnings = [], []
    for field, text in text_fields(event.model_dump(exclude_none=True, context=PLAIN)):
        if has_control_character(text):
            problems.append(Problem(None, field, "contains a control character"))
        elif transliterated(text) is None:
            problems.append(Problem(None, field, "contains characters a claim (X12 837) cannot carry"))
        elif not text.isascii():
            warnings.append(Problem(None, field, TRANSLITERATION_WARNING))
    return problems, warnings


def text_fields(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(dotted path, text) of every string in a dumped model (a few levels deep, never hostile)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for name, child in value.items():
            yield from text_fields(child, f"{path}.{name}" if path else str(name))
    elif isinstance(value, list | tuple):
        for index, child in enumerate(value):
            yield from text_fields(child, f"{path}.{index}")
