"""Eligibility handler with in-memory adapters: reuse, plan-year change, holds, redelivery."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from services.eligibility.adapters.memory import InMemoryEligibilityRepository
from services.eligibility.bootstrap import bootstrap
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import CoverageVerified
from shared.messaging import RecordingPublisher
from tests.conftest import example

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def encounter(encounter_id: str = "E1", day: str = "2026-03-02", **coverage: object) -> EncounterCompleted:
    data = example("01-medicare-video-home-established.json")
    data["encounter"].update(encounter_id=encounter_id, date_of_service=day)
    data["coverage"].update(coverage)
    return EncounterCompleted.model_validate(data)


def run(encounters: list[EncounterCompleted], repo: InMemoryEligibilityRepository | None = None):  # type: ignore[no-untyped-def]
    repo = repo or InMemoryEligibilityRepository()
    publisher = RecordingPublisher()
    asyncio.run(bootstrap(repo, publisher, clock=lambda: NOW)(encounters))
    return repo, [CoverageVerified.model_validate_json(m.value) for m in publisher.sent]


def test_covered_encounter_is_forwarded_with_its_correlation_id() -> None:
    _, sent = run([encounter()])
    assert [(e.correlation_id, e.verification.outcome, e.verification.reused) for e in sent] == [
        ("acme-video:E1", "covered", False)
    ]


def test_second_encounter_of_the_same_coverage_reuses_the_verification() -> None:
    repo, _ = run([encounter("E1")])
    _, sent = run([encounter("E2", "2026-03-20")], repo)
    assert sent[0].verification.reused is True
    assert sum(map(len, repo.verifications.values())) == 1


def test_a_new_plan_year_forces_a_new_verification() -> None:
    repo, _ = run([encounter("E1", "2026-12-30")])
    _, sent = run([encounter("E2", "2027-01-02")], repo)
    assert sent[0].verification.reused is False
    assert sum(map(len, repo.verifications.values())) == 2


def test_verification_older_than_the_window_is_not_reused() -> None:
    repo, _ = run([encounter("E1", "2026-03-02")])
    _, sent = run([encounter("E2", "2026-05-20")], repo)
    assert sent[0].verification.reused is False


def test_missing_member_id_waits_for_a_person_and_publishes_nothing() -> None:
    repo, sent = run([encounter(member_id=None)])
    assert sent == []
    assert repo.encounters.docs["acme-video:E1"]["status"] == "waiting_manual"


def test_self_pay_skips_the_inquiry() -> None:
    _, sent = run([encounter(plan_type="self_pay", payer_id=None, member_id=None)])
    assert sent[0].verification.outcome == "self_pay"


def test_redelivery_repeats_the_same_event_and_no_effect() -> None:
    repo, first = run([encounter()])
    _, second = run([encounter(), encounter()], repo)
    assert [e.event_id for e in second] == [first[0].event_id]  # consumers are idempotent by key
    assert sum(map(len, repo.verifications.values())) == 1
