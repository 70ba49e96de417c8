"""Remote physiologic monitoring lines by reading days, management minutes and episode."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from shared.contracts.encounter import RemoteMonitoring
from shared.rules import Sourced, in_force


class RpmCode(Sourced):
    code: str
    kind: Literal["setup", "supply", "management", "management_additional"]
    min_days: int | None = None
    max_days: int | None = None
    min_minutes: int | None = None
    requires: str | None = None  # an add-on: billable only with this code
    excludes: str | None = None  # never on the same claim as this code


class RpmTable(Sourced):
    codes: list[RpmCode] = Field(min_length=1)

    def live(self, kind: str, on: date) -> list[RpmCode]:
        return [code for code in in_force(self.codes, on) if code.kind == kind]


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
