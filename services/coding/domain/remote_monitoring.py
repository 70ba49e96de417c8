"""Remote physiologic monitoring lines by reading days, management or interpretation minutes and
episode, each dated as the rule data says."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from shared.contracts.encounter import RemoteMonitoring
from shared.rules import Sourced, in_force

RpmKind = Literal["setup", "supply", "management", "management_additional", "interpretation"]


class RpmCode(Sourced):
    code: str
    kind: RpmKind
    min_days: int | None = None
    max_days: int | None = None
    min_minutes: int | None = None
    requires: str | None = None  # an add-on: billable only with this code
    excludes: list[str] = Field(default_factory=list)  # never on the same claim as these codes


class RpmDate(Sourced):
    """Which day a kind of line is dated: the period's last reading, or the end of the period."""

    kinds: list[RpmKind] = Field(min_length=1)
    dated_by: Literal["last_reading_day", "period_end"]


class RpmTable(Sourced):
    codes: list[RpmCode] = Field(min_length=1)
    dates_of_service: list[RpmDate] = Field(min_length=1)

    def live(self, kind: str, on: date) -> list[RpmCode]:
        return [code for code in in_force(self.codes, on) if code.kind == kind]

    def dated(self, kind: str, on: date) -> RpmDate | None:
        return next((row for row in in_force(self.dates_of_service, on) if kind in row.kinds), None)


def setup_code(table: RpmTable, period: RemoteMonitoring) -> RpmCode | None:
    if not period.first_episode:
        return None
    return next((c for c in table.live("setup", period.period_end) if period.reading_days >= (c.min_days or 0)), None)


def supply_code(table: RpmTable, period: RemoteMonitoring) -> RpmCode | None:
    days = period.reading_days
    fits = [c for c in table.live("supply", period.period_end) if (c.min_days or 0) <= days <= (c.max_days or 31)]
    return fits[0] if fits else None


def management_codes(table: RpmTable, period: RemoteMonitoring) -> list[tuple[RpmCode, int]]:
    """The first management code the minutes reach (largest threshold first), plus add-on units."""
    minutes = period.management_minutes or 0
    if not period.interactive_communication:
        return []
    first = sorted(table.live("management", period.period_end), key=lambda c: -(c.min_minutes or 0))
    chosen = next((c for c in first if minutes >= (c.min_minutes or 0)), None)
    if chosen is None:
        return []
    addons = [c for c in table.live("management_additional", period.period_end) if c.requires == chosen.code]
    extra = [(c, (minutes - (chosen.min_minutes or 0)) // (c.min_minutes or 1)) for c in addons]
    return [(chosen, 1)] + [(code, units) for code, units in extra if units > 0]


def interpretation_code(table: RpmTable, period: RemoteMonitoring) -> RpmCode | None:
    minutes = period.interpretation_minutes or 0
    return next((c for c in table.live("interpretation", period.period_end) if minutes >= (c.min_minutes or 0)), None)


def date_of_service(table: RpmTable, code: RpmCode, period: RemoteMonitoring) -> tuple[date, str]:
    """The line's date, and how it was chosen (said on the line)."""
    row = table.dated(code.kind, period.period_end)
    if row is None or row.dated_by == "period_end":
        return period.period_end, "date of service = end of the period"
    if period.last_reading_date is not None:
        return period.last_reading_date, "date of service = last reading day"
    return period.period_end, "date of service = end of the period (the last reading day was not sent)"
