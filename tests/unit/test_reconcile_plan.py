"""`telebill reconcile`'s planning over fake answers: where each key stops, what is stranded
between which stages, what gets re-driven, and the exit code."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console

from deploy.ops.reconcile import (
    Verdict,
    classify,
    exit_code,
    follow,
    parse_age,
    redrive_plan,
    run,
    summary,
    unredrivable,
)
from shared.settings import Settings


def known(key: str, state: str, final: bool = False, **more: Any) -> dict[str, Any]:
    return {"key": key, "known": True, "state": state, "final": final} | more


def unknown(key: str) -> dict[str, Any]:
    return {"key": key, "known": False, "state": "unknown", "final": False}


ANSWERS = {
    "eligibility": {
        "k:never": unknown("k:never"),
        "k:self": known("k:self", "self_pay", True),
        "k:coded": known("k:coded", "verified"),
        "k:lost": known("k:lost", "verified"),
        "k:paid": known("k:paid", "verified"),
        "k:waiting": known("k:waiting", "verified"),
        "k:held": known("k:held", "verified"),
    },
    "coding": {
        "k:coded": known("k:coded", "coded"),
        "k:lost": known("k:lost", "coded"),
        "k:paid": known("k:paid", "coded"),
        "k:waiting": known("k:waiting", "coded"),
        "k:held": known("k:held", "held", True),
    },
    "claims": {
        "k:coded": unknown("k:coded"),
        "k:lost": known("k:lost", "accepted", pcn="TB1"),
        "k:paid": known("k:paid", "paid", pcn="TB2"),
        "k:waiting": known("k:waiting", "submitted", pcn="TB3"),
    },
    "remittance": {"k:lost": unknown("k:lost"), "k:waiting": known("k:waiting", "awaiting_payment")},
}
KEYS = list(ANSWERS["eligibility"])


def test_each_key_stops_where_its_answers_say() -> None:
    verdicts = {v.key: v for v in classify(KEYS, ANSWERS)}
    assert verdicts["k:never"] == Verdict("k:never", "stranded", "eligibility", after="ingest")
    assert verdicts["k:self"] == Verdict("k:self", "final", "eligibility", "self_pay")
    assert verdicts["k:held"] == Verdict("k:held", "final", "coding", "held")
    assert verdicts["k:coded"] == Verdict("k:coded", "stranded", "claims", after="coding")
    assert verdicts["k:lost"] == Verdict("k:lost", "stranded", "remittance", after="claims")
    assert verdicts["k:paid"].kind == "posted"
    assert verdicts["k:waiting"] == Verdict("k:waiting", "waiting_payer", "remittance", "awaiting_payment")


def test_counts_name_the_stage_and_state() -> None:
    assert summary(classify(KEYS, ANSWERS)) == {
        "STRANDED ingest → eligibility": 1,
        "STRANDED coding → claims": 1,
        "STRANDED claims → remittance": 1,
        "final at eligibility: self_pay": 1,
        "final at coding: held": 1,
        "posted": 1,
        "waiting for the payer": 1,
    }


def test_the_stage_before_the_gap_is_asked_to_redrive() -> None:
    verdicts = classify(KEYS, ANSWERS)
    assert redrive_plan(verdicts) == {"coding": ["k:coded"], "claims": ["k:lost"]}
    assert [v.key for v in unredrivable(verdicts)] == ["k:never"]


def test_exit_code() -> None:
    settled = [Verdict("a", "posted", "claims"), Verdict("b", "final", "coding", "held")]
    redrivable = [*settled, Verdict("c", "stranded", "claims", after="coding")]
    assert exit_code(settled, redriven=False) == 0
    assert exit_code(redrivable, redriven=False) == 1
    assert exit_code(redrivable, redriven=True) == 0
    assert exit_code([*redrivable, Verdict("d", "stranded", "eligibility", after="ingest")], redriven=True) == 1


def test_ages() -> None:
    assert parse_age("10m") == timedelta(minutes=10)
    assert parse_age("90s") == timedelta(seconds=90)
    assert parse_age("2h") == timedelta(hours=2)
    with pytest.raises(ValueError, match="not an age"):
        parse_age("ten minutes")


class FakeApis:
    """Answers as the stage APIs would, and records who was asked about what."""

    def __init__(self) -> None:
        self.asked: dict[str, tuple[list[str], dict[str, Any] | None]] = {}

    def ask(self, stage: str, keys: Sequence[str], extra: dict[str, Any] | None = None) -> dict[str, Any]:
        self.asked[stage] = (list(keys), extra)
        return {key: ANSWERS[stage].get(key, unknown(key)) for key in keys}


def test_each_stage_is_asked_only_about_keys_that_passed_the_one_before() -> None:
    apis = FakeApis()
    answers = follow(apis, KEYS)  # type: ignore[arg-type]
    assert apis.asked["coding"][0] == ["k:coded", "k:lost", "k:paid", "k:waiting", "k:held"]
    assert apis.asked["claims"][0] == ["k:coded", "k:lost", "k:paid", "k:waiting"]
    assert apis.asked["remittance"] == (["k:lost", "k:waiting"], {"pcns": {"k:lost": "TB1", "k:waiting": "TB3"}})
    assert classify(KEYS, answers) == classify(KEYS, ANSWERS)


def test_an_unreachable_stack_is_one_red_line_and_exit_1() -> None:
    console = Console(record=True, width=200)
    settings = Settings(ingest_host="127.0.0.1", ingest_port=1)
    assert run(settings, timedelta(minutes=10), False, 100, datetime.now(UTC), console) == 1
    text = console.export_text()
    assert "the stack did not answer" in text and "Traceback" not in text
