"""Rules are data with a source and dates: every rule file names its source and when it takes
effect, and nothing in force lapses unnoticed. Thirty days before any `to` date passes, a rule must
have a successor in force the day after (same code, service or key), or say `successor: none` with
why; otherwise this test fails, as the payer fee test does for the simulated payer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RULE_FILES = sorted([*REPO.glob("services/*/rules/**/*.yaml"), *REPO.glob("deploy/clearinghouse/*.json")], key=str)
WARNING = timedelta(days=30)
IDENTITY = ("code", "service", "modality", "plan_type", "name", "key", "id")


def loaded(path: Path) -> Any:
    return json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(path.read_text())


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def dated_lists(node: Any) -> Iterator[list[dict[str, Any]]]:
    """Every list of mappings that carry their own `effective` dates, anywhere in a rule file."""
    if isinstance(node, dict):
        for value in node.values():
            yield from dated_lists(value)
    elif isinstance(node, list):
        entries = [item for item in node if isinstance(item, dict)]
        if any("effective" in item or "to" in item for item in entries):
            yield entries
        for item in node:
            yield from dated_lists(item)


def span(entry: dict[str, Any]) -> tuple[date | None, date | None]:
    window = entry.get("effective", entry)
    return as_date(window.get("from")), as_date(window.get("to"))


def identity(entry: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(entry.get(name) for name in IDENTITY if name in entry)


def lapsing_without_successor(entries: list[dict[str, Any]], today: date) -> list[str]:
    found = []
    for entry in entries:
        start, end = span(entry)
        if end is None or not today <= end + timedelta(days=1) <= today + WARNING or "successor" in entry:
            continue
        day_after = end + timedelta(days=1)
        successors = [
            other
            for other in entries
            if other is not entry
            and identity(other) == identity(entry)
            and (span(other)[0] or date.min) <= day_after <= (span(other)[1] or date.max)
        ]
        if not successors:
            found.append(f"{identity(entry) or entry} ends {end} with nothing in force after it")
    return found


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_a_rule_file_names_its_source_and_when_it_takes_effect(path: Path) -> None:
    data = loaded(path)
    assert str(data.get("source", "")).strip(), f"{path.name} has no source"
    effective = data.get("effective") or {}
    assert as_date(effective.get("from")) is not None, f"{path.name} has no effective.from"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_nothing_in_force_lapses_within_30_days_without_a_successor(path: Path) -> None:
    data, today = loaded(path), date.today()
    file_end = as_date((data.get("effective") or {}).get("to"))
    assert file_end is None or file_end >= today + WARNING, f"{path.name} is in force only until {file_end}"
    lapsing = [problem for entries in dated_lists(data) for problem in lapsing_without_successor(entries, today)]
    assert lapsing == [], f"{path.name}: " + "; ".join(lapsing)


def test_the_check_finds_a_rule_about_to_lapse_and_accepts_its_successor() -> None:
    today = date(2026, 12, 2)
    ending = {"code": "G2025", "effective": {"from": "2020-03-01", "to": "2026-12-31"}}
    assert lapsing_without_successor([ending], today) == ["('G2025',) ends 2026-12-31 with nothing in force after it"]
    after = {"code": "G2025", "effective": {"from": "2027-01-01", "to": "2027-12-31"}}
    assert lapsing_without_successor([ending, after], today) == []
    assert lapsing_without_successor([ending | {"successor": "none: deleted by CPT 2027"}], today) == []
    assert (
        lapsing_without_successor([{"code": "X", "effective": {"from": "2020-01-01", "to": "2025-12-31"}}], today) == []
    )
