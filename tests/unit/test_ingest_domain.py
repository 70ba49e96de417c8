"""The pure ingest rules case by case: payload digests, nesting depth, the date window, text."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from services.ingest.domain.body import nesting_depth
from services.ingest.domain.idempotency import payload_digest
from services.ingest.domain.plausibility import DateWindow, date_problems, text_findings, years_before
from shared.contracts.encounter import EncounterCompleted
from shared.x12.text import has_control_character, transliterated
from tests.conftest import example

VIDEO = example("01-medicare-video-home-established.json")


def event(data: dict) -> EncounterCompleted:  # type: ignore[type-arg]
    return EncounterCompleted.model_validate(data)


def test_the_digest_ignores_the_sending_but_not_the_visit() -> None:
    resent = copy.deepcopy(VIDEO) | {
        "event_id": "5b7d1c4e-8f0a-4d3b-9e2a-000000000001",
        "occurred_at": "2026-03-05T00:00Z",
    }
    other = copy.deepcopy(VIDEO)
    other["encounter"]["total_minutes"] = 40
    assert payload_digest(event(resent)) == payload_digest(event(VIDEO))
    assert payload_digest(event(other)) != payload_digest(event(VIDEO))


def test_the_digest_reads_the_meaning_not_the_spelling() -> None:
    spelled = copy.deepcopy(VIDEO)
    spelled["encounter"]["start"] = "2026-03-02T15:10:00+00:00"  # the example says ...Z
    spelled["coverage"]["subscriber_relationship"] = "self"  # the default, written out
    spelled["patient"]["ignored_by_the_contract"] = "anything"
    assert payload_digest(event(spelled)) == payload_digest(event(VIDEO))


@pytest.mark.parametrize(("value", "depth"), [(1, 0), ([], 1), ({"a": [1, {"b": 2}]}, 3), ([[[[]]], {}], 4)])
def test_nesting_depth(value: object, depth: int) -> None:
    assert nesting_depth(value) == depth


def test_years_before_a_leap_day() -> None:
    assert years_before(date(2028, 2, 29), 3) == date(2025, 2, 28)
    assert years_before(date(2026, 3, 10), 3) == date(2023, 3, 10)


WINDOW = DateWindow(years_back=3, days_ahead=1, earliest_birth_date=date(1900, 1, 1))


@pytest.mark.parametrize(
    ("day", "refused"),
    [("2026-03-11", False), ("2026-03-12", True), ("2023-03-10", False), ("2023-03-09", True)],
)
def test_the_date_of_service_window_is_inclusive(day: str, refused: bool) -> None:
    data = copy.deepcopy(VIDEO)
    data["encounter"] = {k: v for k, v in data["encounter"].items() if k not in ("start", "end")}
    data["encounter"]["date_of_service"] = day
    data["occurred_at"] = "2026-03-10T00:00:00Z"
    problems = date_problems(event(data), WINDOW, date(2026, 3, 10))
    assert [p.location for p in problems] == (["encounter.date_of_service"] if refused else [])


@pytest.mark.parametrize(("born", "refused"), [("1900-01-01", False), ("1899-12-31", True), ("2026-03-12", True)])
def test_birth_dates_from_1900_and_not_in_the_future(born: str, refused: bool) -> None:
    data = copy.deepcopy(VIDEO)
    data["patient"]["birth_date"] = born
    problems = date_problems(event(data), WINDOW, date(2026, 3, 10))
    assert [p.location for p in problems] == (["patient.birth_date"] if refused else [])


@pytest.mark.parametrize(
    ("text", "ascii"),
    [
        ("Muñoz", "Munoz"),
        ("Groß", "Gross"),
        ("Øster-Łódź", "Oster-Lodz"),
        ("Ægir Þórsson", "AEgir THorsson"),
        ("ﬁne №5", "fine No5"),
        ("Ana 😀", None),
        ("東京", None),
        ("Ωmega", None),
        ("zero\u200bwidth", None),
    ],
)
def test_transliteration_for_x12(text: str, ascii: str | None) -> None:
    assert transliterated(text) == ascii


def test_control_characters_and_lone_surrogates_are_control() -> None:
    assert all(has_control_character(t) for t in ("a\u0000b", "tab\there", "\x7f", "\x85", "\ud800"))
    assert not has_control_character("Zoë O'Neil-Smith, Jr.")


def test_text_findings_name_each_field_and_never_the_value() -> None:
    data = copy.deepcopy(VIDEO)
    data["patient"]["first_name"] = "Zoë"
    data["patient"]["address"]["line1"] = "1 Main\nSt"
    data["rendering_provider"]["last_name"] = "李"
    problems, warnings = text_findings(event(data))
    assert [(p.location, p.message) for p in problems] == [
        ("patient.address.line1", "contains a control character"),
        ("rendering_provider.last_name", "contains characters a claim (X12 837) cannot carry"),
    ]
    assert [w.location for w in warnings] == ["patient.first_name"]
    assert not any("Zo" in p.message or "Main" in p.message for p in problems + warnings)
