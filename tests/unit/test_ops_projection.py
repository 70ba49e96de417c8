"""The ops read model: trails built from every topic's facts, the same whatever the order and however
often an event is read; money from the posted journals; A/R aging; KPIs on a hand-checked scenario."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.ops.domain.facts import Keyed
from services.ops.domain.kpis import kpis
from services.ops.domain.money import aging, bucket_of, money_by, money_of
from services.ops.domain.summary import Summary, summarize
from services.ops.domain.trail import Coded, DeadLettered, Posted, Received, Submitted, Verified, project

T0 = datetime(2026, 10, 1, 15, 0, tzinfo=UTC)  # every visit ends at T0 + its day


def visit(key: str, day: int) -> list[Keyed]:
    end = T0 + timedelta(days=day)
    return [
        (key, f"{key}-r", Received(end + timedelta(minutes=1), end, "MEDICARE-TX", f"P-{key}")),
        (key, f"{key}-v", Verified(end + timedelta(minutes=2), "covered", None)),
        (key, f"{key}-c", Coded(end + timedelta(minutes=3), ("99213",))),
    ]


def submission(key: str, day: int, cents: int, hours: int = 2, frequency: str = "1") -> Keyed:
    at = T0 + timedelta(days=day, hours=hours)
    return key, f"{key}-s{frequency}", Submitted(at, f"CLM-{key}", frequency, "MEDICARE-TX", "Medicare", cents)


def posting(key: str, day: int, status: str, accounts: dict[str, int], denials: tuple[str, ...] = ()) -> Keyed:
    at = T0 + timedelta(days=day)
    fact = Posted(at, f"TRN:{key}:{status}", status, tuple(sorted(accounts.items())), denials, False)
    return key, f"{key}-p-{status}", fact


# A paid $100 with $15 contractual and $5 patient share; B denied for coding; C stopped by the
# scrubber (coded, never submitted); D submitted and still waiting for the payer.
SCENARIO: list[Keyed] = [
    *visit("A", 0),
    submission("A", 0, 10000, hours=2),
    posting("A", 14, "paid", {"insurance_ar": -10000, "cash": 8000, "contractual_adjustment": 1500, "patient_ar": 500}),
    *visit("B", 1),
    submission("B", 1, 20000, hours=4),
    posting("B", 20, "denied", {"insurance_ar": -20000, "denial_writeoff": 20000}, ("coding",)),
    *visit("C", 2),
    *visit("D", 3),
    submission("D", 3, 5000, hours=6),
]
PERIOD = (T0, T0 + timedelta(days=30))


def summaries(keyed: list[Keyed]) -> list[Summary]:
    return [summarize(trail) for trail in project({}, keyed).values()]


def test_reading_every_event_twice_changes_nothing() -> None:
    once = project({}, SCENARIO)
    assert project(once, SCENARIO) == once
    assert project({}, SCENARIO + SCENARIO) == once


@pytest.mark.parametrize("seed", range(5))
def test_any_order_ends_in_the_same_state(seed: int) -> None:
    shuffled = SCENARIO[:]
    random.Random(seed).shuffle(shuffled)
    assert project({}, shuffled) == project({}, SCENARIO)


def test_a_payment_read_before_its_submission_still_ends_paid() -> None:
    trails = project({}, [SCENARIO[4], SCENARIO[3], *SCENARIO[:3]])
    assert (trails["A"].stage, trails["A"].state, trails["A"].waiting_for) == ("adjudicated", "paid", "")


def test_each_encounter_shows_where_it_is_and_what_it_waits_for() -> None:
    trails = project({}, SCENARIO + [("E", "E-r", Received(T0, T0, "AETNA", "P-E"))])
    assert {key: (t.state, t.waiting_for) for key, t in trails.items()} == {
        "A": ("paid", ""),
        "B": ("denied", "denial follow-up"),
        "C": ("coded", "claim submission (claims)"),
        "D": ("submitted", "the payer's remittance"),
        "E": ("received", "coverage verification (eligibility)"),
    }


def test_a_dead_letter_shows_until_the_encounter_gets_through() -> None:
    letter = ("C", "claim-coded:0:7", DeadLettered(T0 + timedelta(days=3), "claim-coded", "claims", "bad record"))
    assert project({}, [*SCENARIO, letter])["C"].state == "dead_lettered"
    late_payment = posting("C", 9, "paid", {"insurance_ar": -100, "cash": 100})
    assert project({}, [*SCENARIO, letter, submission("C", 3, 100), late_payment])["C"].state == "paid"


def test_money_comes_from_the_journals_and_what_is_left_is_outstanding() -> None:
    trails = project({}, SCENARIO)
    a, b, d = money_of(trails["A"]), money_of(trails["B"]), money_of(trails["D"])
    assert (a.billed, a.paid, a.allowed, a.contractual, a.patient_responsibility, a.outstanding) == (
        10000, 8000, 8500, 1500, 500, 0
    )  # fmt: skip
    assert (b.written_off, b.outstanding) == (20000, 0)
    assert (d.billed, d.paid, d.outstanding) == (5000, 0, 5000)


def test_aging_puts_the_outstanding_claims_in_buckets_by_payer() -> None:
    as_of = T0 + timedelta(days=48)  # D's visit ended on day 3, 45 days earlier
    assert aging(summaries(SCENARIO), as_of) == {
        "MEDICARE-TX": {"0-30": 0, "31-60": 5000, "61-90": 0, "91-120": 0, ">120": 0}
    }
    assert [bucket_of(days) for days in (0, 30, 31, 60, 61, 90, 91, 120, 121, 400)] == [
        "0-30", "0-30", "31-60", "31-60", "61-90", "61-90", "91-120", "91-120", ">120", ">120"
    ]  # fmt: skip


def test_kpis_on_a_hand_checked_scenario() -> None:
    figures = kpis(summaries(SCENARIO), *PERIOD)
    assert figures.encounters == 4
    assert figures.clean_claim_rate == 0.75  # A, B, D of the four coded went out
    assert figures.first_pass_acceptance_rate == 0.5  # A of the two adjudicated (B denied)
    assert figures.denial_rate_by_category == {"coding": 0.5}
    assert figures.net_collection_rate == round(8000 / ((10000 - 1500) + 20000), 4)
    assert figures.days_in_ar == round(5000 / (35000 / 30), 1)  # D's $50 over $350 billed in 30 days
    assert figures.hours_to_submitted == (4.0, 6.0)  # 2, 4 and 6 hours: median 4, p95 the largest
    assert figures.hours_to_paid == (14 * 24 + (19 * 24 - 14 * 24) / 2, 19 * 24)  # A after 14 days, B after 19


def test_kpis_of_an_empty_period_are_unknown_not_zero() -> None:
    figures = kpis(summaries(SCENARIO), T0 - timedelta(days=60), T0 - timedelta(days=30))
    assert figures.encounters == 0
    assert figures.clean_claim_rate is None and figures.net_collection_rate is None and figures.days_in_ar is None


def test_money_by_payer_and_month_adds_up_the_submitted_claims() -> None:
    later = [*visit("F", 31), submission("F", 31, 7000)]  # November's visit
    assert money_by(summaries(SCENARIO + later)) == {
        ("MEDICARE-TX", "2026-10"): {
            "billed": 35000, "allowed": 8500, "paid": 8000, "patient_responsibility": 500, "contractual": 1500,
            "written_off": 20000, "other_adjustments": 0, "outstanding": 5000,
        },
        ("MEDICARE-TX", "2026-11"): {
            "billed": 7000, "allowed": 0, "paid": 0, "patient_responsibility": 0, "contractual": 0,
            "written_off": 0, "other_adjustments": 0, "outstanding": 7000,
        },
    }  # fmt: skip


def test_a_summary_names_the_steps_reached_and_the_last_dead_letter() -> None:
    letter = ("C", "claim-coded:0:7", DeadLettered(T0 + timedelta(days=3), "claim-coded", "claims", "bad record"))
    found = {s.key: s for s in summaries([*SCENARIO, letter])}
    assert list(found["A"].reached) == ["received", "verified", "coded", "submitted", "adjudicated"]
    assert (found["A"].first_posting_status, found["A"].submissions, found["A"].coverage) == ("paid", 1, "covered")
    assert found["B"].denial_categories == ("coding",)
    assert found["C"].letter is not None and (found["C"].letter.service, found["C"].state) == (
        "claims",
        "dead_lettered",
    )


def test_every_state_a_trail_can_be_in_is_listed() -> None:
    from typing import get_args

    from services.ops.domain.trail import STAGES, STATES, Trail
    from shared.contracts.events import CoverageOutcome, PaymentPosted

    claim_statuses = get_args(PaymentPosted.model_fields["claim_status"].annotation)
    outcomes = {"not_covered", "self_pay"} & set(get_args(CoverageOutcome))
    assert {*STAGES[:-1], *outcomes, "dead_lettered", *claim_statuses} == set(STATES)
    assert Trail("nobody").state in STATES
