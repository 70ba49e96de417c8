"""Eligibility use cases over in-memory adapters and the simulator's payer answers: reuse per
coverage, plan years, outcomes, payer outages and re-drive, phone verifications, the trail."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from deploy.clearinghouse.eligibility import Roster, answer_270
from services.eligibility.adapters.memory import CallableGateway, InMemoryEligibilityRepository
from services.eligibility.bootstrap import Eligibility, bootstrap
from services.eligibility.domain.records import EncounterRecord
from services.eligibility.entrypoints.api import create_app
from services.eligibility.handlers.ports import Asking
from services.eligibility.handlers.record_phone_verification import PhoneCall
from shared.access import presented_key
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import CoverageVerified
from shared.messaging import RecordingPublisher
from shared.phi.fields import reveal
from shared.settings import get_settings
from tests.conftest import example

ROSTER = Roster.load()
AUTH = {"Authorization": f"Bearer {presented_key(get_settings())}"}
ASKING = Asking("LONESTARTH", "SIMCLEARING", "T", attempts=3, backoff_seconds=0.2, concurrency=4, pause_seconds=5)


@dataclass
class World:
    """One eligibility service with a controllable clock, payer and sleep."""

    now: datetime = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    repo: InMemoryEligibilityRepository = field(default_factory=InMemoryEligibilityRepository)
    publisher: RecordingPublisher = field(default_factory=RecordingPublisher)
    slept: list[float] = field(default_factory=list)
    answer: Any = None

    def __post_init__(self) -> None:
        self.gateway = CallableGateway(self.answer or (lambda x270: answer_270(x270, ROSTER, 7)))

        async def sleep(seconds: float) -> None:
            self.slept.append(seconds)

        self.service: Eligibility = bootstrap(self.repo, self.publisher, self.gateway, ASKING, lambda: self.now, sleep)

    def verify(self, *encounters: EncounterCompleted) -> list[CoverageVerified]:
        before = len(self.publisher.sent)
        asyncio.run(self.service.verify(list(encounters)))
        return [CoverageVerified.model_validate_json(m.value) for m in self.publisher.sent[before:]]

    def redrive(self) -> list[CoverageVerified]:
        before = len(self.publisher.sent)
        asyncio.run(self.service.redrive())
        return [CoverageVerified.model_validate_json(m.value) for m in self.publisher.sent[before:]]

    def record(self, encounter_id: str) -> EncounterRecord:
        key = f"acme-video:{encounter_id}"
        return asyncio.run(self.repo.records([key]))[key]

    def status(self, encounter_id: str) -> str:
        return str(self.record(encounter_id).status)


def encounter(
    encounter_id: str = "E1", day: str = "2026-03-02", base: str = "01", **coverage: object
) -> EncounterCompleted:
    name = {"01": "01-medicare-video-home-established.json", "02": "02-commercial-audio-only-home.json"}[base]
    data = example(name)
    data["encounter"].update(encounter_id=encounter_id, date_of_service=day)
    data["coverage"].update(coverage)
    return EncounterCompleted.model_validate(data)


def call(**answers: object) -> PhoneCall:
    fields: dict[str, Any] = {
        "verified_by": "ops.maria",
        "called_at": datetime(2026, 3, 3, 10, 5, tzinfo=UTC),
        "payer_representative": "Dana at provider services",
        "call_reference": "REF-2026-0303-7781",
        "covered": True,
        "telehealth_covered": True,
        "audio_only_covered": True,
        "copay_cents": 2000,
        "coinsurance_percent": None,
        "deductible_remaining_cents": 0,
    }
    return PhoneCall(**(fields | answers))


def test_a_covered_encounter_carries_the_payers_benefits_and_evidence() -> None:
    world = World()
    [sent] = world.verify(encounter(base="02"))
    found = sent.verification
    assert (sent.correlation_id, found.outcome, found.method, found.reused) == (
        "acme-video:E1",
        "covered",
        "x12_270_271",
        False,
    )
    assert found.patient_responsibility_cents == 2500 and found.benefits.out_of_network_copay_cents == 5000
    assert found.evidence.trace_number and found.evidence.interchange_control_number
    assert world.gateway.asked == 1


def test_a_second_encounter_of_the_same_coverage_reuses_the_verification_and_says_so() -> None:
    world = World()
    world.verify(encounter("E1"))
    [sent] = world.verify(encounter("E2", "2026-03-20"))
    assert (
        sent.verification.reused is True and "reused x12_270_271 verification of 2026-03-03" in sent.verification.reason
    )
    assert world.gateway.asked == 1


def test_encounters_of_one_coverage_in_one_batch_are_asked_about_once() -> None:
    world = World()
    sent = world.verify(encounter("E1"), encounter("E2"), encounter("E3"))
    assert len(sent) == 3 and world.gateway.asked == 1


def test_a_new_plan_year_or_an_expired_window_asks_again() -> None:
    world = World(now=datetime(2026, 12, 30, tzinfo=UTC))
    world.verify(encounter("E1", "2026-12-30"))
    world.now = datetime(2027, 1, 2, tzinfo=UTC)
    assert world.verify(encounter("E2", "2027-01-02"))[0].verification.reused is False
    world.now += timedelta(days=45)
    assert world.verify(encounter("E3", "2027-02-16"))[0].verification.reused is False
    assert world.gateway.asked == 3


def test_self_pay_skips_the_inquiry_and_missing_ids_wait_for_a_person() -> None:
    world = World()
    self_pay, missing = world.verify(
        encounter("E1", plan_type="self_pay", payer_id=None, member_id=None), encounter("E2", member_id=None)
    )
    assert self_pay.verification.outcome == "self_pay"
    assert missing.verification.outcome == "needs_manual" and "member_id" in missing.verification.reason
    assert world.status("E2") == "waiting_manual" and world.gateway.asked == 0


def test_a_redelivery_asks_nobody_and_re_sends_nothing_already_published() -> None:
    world = World()
    first = world.verify(encounter())
    again = world.verify(encounter(), encounter())
    assert len(first) == 1 and again == [] and world.gateway.asked == 1


def outcome_of(member: str, base: str = "01", day: str = "2026-03-02", **visit: Any) -> tuple[str, str]:
    subject = encounter(base=base, day=day, member_id=member)
    if visit:
        subject = subject.model_copy(update={"encounter": subject.encounter.model_copy(update=visit)})
    found = World().verify(subject)[0].verification
    return found.outcome, found.reason or ""


def test_payer_answers_become_outcomes_with_reasons() -> None:
    assert outcome_of("INACTIVE001")[0] == "not_covered" and "inactive" in outcome_of("INACTIVE001")[1]
    assert outcome_of("NOBODY999") == (
        "not_covered",
        "payer: AAA 75 Subscriber/Insured Not Found (Please Correct and Resubmit)",
    )
    assert outcome_of("NOAUDIO001", base="02") == ("not_covered", "audio-only telehealth is not a benefit of this plan")
    assert outcome_of("NOAUDIO001")[0] == "covered"  # the same member's video visit
    assert outcome_of("CLINIC0001") == ("not_covered", "telehealth at POS 10 is not a benefit of this plan")
    assert outcome_of("TERMED0001", day="2026-03-02")[0] == "not_covered"
    assert outcome_of("TERMED0001", day="2026-02-10")[0] == "covered"


def test_a_dependent_is_asked_about_under_the_subscriber_and_answered_for() -> None:
    parent = {"first_name": "PAT", "last_name": "PARENT", "birth_date": "1975-05-05", "sex": "F"}
    world = World()
    [sent] = world.verify(encounter(base="02", subscriber_relationship="child", subscriber=parent))
    assert sent.verification.outcome == "covered"
    coverage = asyncio.run(world.repo.coverage("87726|W123456789|2026"))
    assert coverage is not None
    x270 = coverage.history[0].inquiry_x12 or ""
    assert "HL*4*3*23*0" in x270 and "NM1*03*1*DOE*JANE" in x270 and "NM1*IL*1*PARENT*PAT" in x270


def test_an_outage_waits_with_bounded_backoff_then_the_redrive_completes_the_encounter() -> None:
    world = World()
    world.gateway.down.add("*")
    [waiting] = world.verify(encounter("E1"), encounter("E2", member_id="M0002"))[:1]
    assert (
        waiting.verification.outcome == "needs_manual"
        and "payer unreachable after 3 attempt(s)" in waiting.verification.reason
    )
    # three attempts with doubling backoff, then the payer is paused: E2 is not asked at all
    assert world.slept == [0.2, 0.4] and world.gateway.asked == 3
    assert world.status("E1") == world.status("E2") == "waiting_payer"
    assert world.redrive() == []  # not due yet
    world.now += timedelta(seconds=10)
    assert world.redrive() == [] and world.status("E1") == "waiting_payer"  # still down
    world.gateway.down.clear()
    world.now += timedelta(minutes=1)
    done = world.redrive()
    assert sorted(e.verification.outcome for e in done) == ["covered", "covered"]
    assert {e.correlation_id for e in done} == {"acme-video:E1", "acme-video:E2"}
    assert world.status("E1") == "verified" and world.repo.waiting_docs == {}
    assert world.redrive() == []


def test_a_paused_payer_is_not_asked_again_until_the_pause_ends() -> None:
    world = World()
    world.gateway.down.add("MCRTX")
    world.verify(encounter("E1"))
    asked = world.gateway.asked
    world.verify(encounter("E2", member_id="M0003"))
    assert world.gateway.asked == asked and world.status("E2") == "waiting_payer"


def test_a_busy_payer_aaa_42_waits_for_the_redrive() -> None:
    world = World()
    [sent] = world.verify(encounter(payer_id="BUSYPAY"))
    assert sent.verification.outcome == "needs_manual" and world.status("E1") == "waiting_payer"
    assert "Unable to Respond at Current Time" in sent.verification.reason


def test_an_unreadable_271_waits_for_a_person_naming_the_problem() -> None:
    world = World(answer=lambda x270: "ISA*garbage")
    [sent] = world.verify(encounter())
    assert sent.verification.outcome == "needs_manual" and "unreadable 271" in sent.verification.reason
    assert world.status("E1") == "waiting_manual"


def test_a_phone_verification_resolves_a_waiting_encounter_and_is_reused_later() -> None:
    world = World()
    world.gateway.down.add("*")
    world.verify(encounter("E1"))
    result = asyncio.run(world.service.record_phone("acme-video:E1", call()))
    assert result.status == "resolved"
    [resolved] = [CoverageVerified.model_validate_json(m.value) for m in world.publisher.sent[-1:]]
    assert (resolved.verification.method, resolved.verification.outcome) == ("phone", "covered")
    assert resolved.verification.evidence.call_reference == "REF-2026-0303-7781"
    assert world.repo.waiting_docs == {} and world.status("E1") == "verified"
    [later] = world.verify(encounter("E2", "2026-03-10"))
    assert later.verification.reused and later.verification.method == "phone"


def test_a_phone_verification_of_a_verified_encounter_is_kept_as_evidence_only() -> None:
    world = World()
    world.verify(encounter())
    sent = len(world.publisher.sent)
    result = asyncio.run(world.service.record_phone("acme-video:E1", call(covered=False)))
    assert result.status == "recorded" and len(world.publisher.sent) == sent
    assert asyncio.run(world.service.record_phone("nobody:x", call())).status == "not_found"


def test_the_trail_holds_the_inquiry_the_response_and_the_call_for_an_appeal() -> None:
    world = resolved_by_the_payer_then_phoned()
    trail = asyncio.run(world.service.trail("acme-video:E1"))
    assert trail is not None and trail.coverage_key == "MCRTX|1EG4TE5MK73|2026"
    assert [step.outcome for step in trail.steps] == ["needs_manual", "covered", "covered"]
    [exchange] = trail.payer_exchanges
    assert (exchange.inquiry_x12 or "").startswith("ISA") and "ST*271" in (exchange.response_x12 or "")
    assert [c.verification.evidence.call_reference for c in trail.phone_calls if c.verification.evidence] == [
        "REF-2026-0303-7781"
    ]
    at_rest = str([world.repo.encounter_store.docs, world.repo.resolution_store.docs, world.repo.coverage_docs.docs])
    assert "REF-2026-0303-7781" not in at_rest and "ST*271" not in at_rest and "1EG4TE5MK73" not in at_rest


def test_the_trail_api_shows_what_is_stored_opened_for_its_reader() -> None:
    world = resolved_by_the_payer_then_phoned()
    with TestClient(create_app(lambda: world.service)) as api:
        shown = api.get("/v1/encounters/acme-video:E1/verification-trail", headers=AUTH).json()
    doc = world.repo.encounter_store.docs["acme-video:E1"]
    [coverage] = world.repo.coverage_docs.docs.values()
    assert shown == {
        "key": "acme-video:E1",
        "status": "verified",
        "coverage_key": reveal({"coverage_key": doc["coverage_key"]})["coverage_key"],
        "current": reveal(doc["verification"]),
        "steps": reveal([*doc["history"], doc["verification"], *doc["evidence"]]),
        "payer_exchanges": reveal(coverage["history"][:1]),
        "phone_calls": reveal(coverage["history"][1:]),
    }
    assert shown["phone_calls"][0]["evidence"]["call_reference"] == "REF-2026-0303-7781"


def resolved_by_the_payer_then_phoned() -> World:
    world = World()
    world.gateway.down.add("*")
    world.verify(encounter())
    world.gateway.down.clear()
    world.now += timedelta(minutes=1)
    world.redrive()
    asyncio.run(world.service.record_phone("acme-video:E1", call()))
    return world


class Crash(Exception):
    """The process died here."""


class CrashOnce:
    """A step of a store that dies the first time it is called, then works."""

    def __init__(self, step: Callable[..., Awaitable[Any]]) -> None:
        self.step, self.crashed = step, False

    async def __call__(self, *args: Any) -> Any:
        if not self.crashed:
            self.crashed = True
            raise Crash()
        return await self.step(*args)


def waiting_for_the_payer() -> World:
    world = World()
    world.gateway.down.add("*")
    world.verify(encounter("E1"))
    return world


def test_a_resolution_that_died_between_its_claim_and_its_change_is_completed_by_the_next_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = waiting_for_the_payer()
    waiting = world.record("E1").verification
    monkeypatch.setattr(world.repo.encounter_docs, "update", CrashOnce(world.repo.encounter_docs.update))
    with pytest.raises(Crash):
        asyncio.run(world.service.record_phone("acme-video:E1", call()))  # the phone call claimed, then died
    assert world.status("E1") == "waiting_payer"
    world.gateway.down.clear()
    world.now += timedelta(minutes=1)
    assert world.redrive() == []  # the payer's answer lost to the stored call, whose change it applied
    record = world.record("E1")
    assert (record.status, record.verification.method) == ("verified", "phone")
    assert record.resolution == f"acme-video:E1|{waiting.verification_id}"
    [resolved] = world.redrive()  # still on the waiting list: the call's event goes out, once
    assert resolved.verification.method == "phone" and world.repo.waiting_docs == {}
    assert world.redrive() == []


def test_a_resolution_published_but_never_marked_is_sent_again_once(monkeypatch: pytest.MonkeyPatch) -> None:
    world = waiting_for_the_payer()
    store = world.repo.resolution_store
    monkeypatch.setattr(store, "mark_published", CrashOnce(store.mark_published))
    sent = len(world.publisher.sent)
    with pytest.raises(Crash):
        asyncio.run(world.service.record_phone("acme-video:E1", call()))
    assert len(world.publisher.sent) == sent + 1 and world.status("E1") == "verified"
    world.now += timedelta(minutes=1)
    [again] = world.redrive()
    assert again.verification.method == "phone" and world.repo.waiting_docs == {}
    assert world.redrive() == [] and len(world.publisher.sent) == sent + 2


def test_a_record_resolved_before_resolutions_had_markers_still_sends_its_stored_event() -> None:
    world = waiting_for_the_payer()
    [first] = world.publisher.sent
    doc = world.repo.encounter_store.docs["acme-video:E1"]
    doc |= {"status": "verified", "resolution_outbox": [first.model_dump()]}  # as the old resolution left it
    world.now += timedelta(minutes=1)
    assert world.redrive() == [CoverageVerified.model_validate_json(first.value)]
    assert world.repo.waiting_docs == {} and world.redrive() == []
