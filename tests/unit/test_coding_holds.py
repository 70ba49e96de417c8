"""Holds end to end in memory: a held encounter is stored, listed, resolved with explicit codes
(checked by the engine's own edits) into exactly one `claim-coded`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from services.coding.adapters.icd10 import is_billable
from services.coding.adapters.memory import InMemoryCodingStore
from services.coding.bootstrap import bootstrap
from services.coding.domain.resolution import ManualLine, Resolution, resolve
from shared.contracts.events import ClaimCoded, CoverageVerified, Verification
from shared.messaging import RecordingPublisher
from tests.publishers import BrokerDown, DiesOnce
from tests.unit.coding_cases import RPM, RULES, VIDEO, encounter

AT = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def verified(changes: dict[str, Any], outcome: str = "covered", method: str = "structural") -> CoverageVerified:
    subject = encounter(VIDEO, changes)
    verification = Verification(
        verification_id="v-1", outcome=outcome, method=method, verified_at=AT, reused=False, plan_year=2026
    )
    return CoverageVerified.caused_by(str(subject.event_id), subject.key, encounter=subject, verification=verification)


def desk_with(*events: CoverageVerified) -> tuple[Any, RecordingPublisher]:
    store, publisher = InMemoryCodingStore(), RecordingPublisher()
    coding = bootstrap(store, publisher, rules=RULES)
    asyncio.run(coding.code(list(events)))
    return coding, publisher


def resolution(*lines: ManualLine, place: str = "10", diagnoses: tuple[str, ...] | None = None) -> Resolution:
    return Resolution("coder.kim", "documented 25 min on re-read of the note", place, lines, diagnoses)


TIME_HELD = {"encounter.time_documented": False}
LINE_99213 = ManualLine("99213", ("95",), 1, (1, 2))


def test_a_held_encounter_is_listed_with_its_reasons_and_nothing_is_published() -> None:
    desk, publisher = desk_with(verified(TIME_HELD))
    holds = asyncio.run(desk.list_holds())
    assert [h.holds[0].reason for h in holds] == ["em_level_unsupported"]
    assert holds[0].encounter_id == "AV-2026-000101" and holds[0].modality == "audio_video"
    assert asyncio.run(desk.list_holds("diagnosis_not_billable")) == []
    assert publisher.sent == []


def test_resolving_a_hold_emits_one_claim_coded_and_a_retry_emits_nothing_more() -> None:
    event = verified(TIME_HELD)
    desk, publisher = desk_with(event)
    first = asyncio.run(desk.resolve(event.correlation_id, resolution(LINE_99213), AT))
    again = asyncio.run(desk.resolve(event.correlation_id, resolution(LINE_99213), AT))
    assert (first.status, again.status) == ("resolved", "already_resolved")
    sent = [ClaimCoded.model_validate_json(m.value) for m in publisher.on("claim-coded")]
    assert len(sent) == 1  # the retry finds the event published already
    line = sent[0].lines[0]
    assert (line.code, line.rule, line.source) == ("99213", "operator-resolution", "operator coder.kim")
    assert sent[0].causation_id == event.event_id and sent[0].place_of_service == "10"
    assert asyncio.run(desk.list_holds()) == []


def test_a_resolution_names_every_problem_and_codes_nothing() -> None:
    event = verified(TIME_HELD)
    desk, publisher = desk_with(event)
    bad = resolution(
        ManualLine("98005", ("93",), 2, (1, 3)),
        ManualLine("Q3014", (), 1, (1,)),
        ManualLine("12345", (), 1, (1,)),
        place="02",
    )
    outcome = asyncio.run(desk.resolve(event.correlation_id, bad, AT))
    assert outcome.status == "invalid"
    said = " | ".join(outcome.problems)
    for expected in (
        "does not pay CPT telemedicine code 98005",
        "modifier 93 is for audio-only",
        "pointer 3 is outside diagnoses 1-2",
        "billed once (units 1), not 2",
        "12345 is not a code this engine knows",
        "Q3014 only on a claim billed by the facility",
        "place of service 02 does not fit",
    ):
        assert expected in said
    assert publisher.sent == []


def test_coded_self_pay_and_unknown_records_are_not_resolvable() -> None:
    coded, self_pay = verified({}), verified({}, outcome="self_pay")
    desk, _ = desk_with(coded)
    assert asyncio.run(desk.resolve(coded.correlation_id, resolution(LINE_99213), AT)).status == "not_held"
    assert asyncio.run(desk.resolve("nobody:none", resolution(LINE_99213), AT)).status == "not_found"
    desk, _ = desk_with(self_pay)
    assert asyncio.run(desk.resolve(self_pay.correlation_id, resolution(LINE_99213), AT)).status == "not_held"


def test_coverage_holds_belong_to_eligibility_not_to_coders() -> None:
    event = verified({}, outcome="needs_manual")
    desk, _ = desk_with(event)
    outcome = asyncio.run(desk.resolve(event.correlation_id, resolution(LINE_99213), AT))
    assert outcome.status == "not_held" and "not resolvable by coding" in outcome.problems[0]


def test_replacement_diagnoses_are_checked_against_the_code_set() -> None:
    subject = encounter(VIDEO, TIME_HELD)
    result = resolve(subject, RULES, is_billable, resolution(LINE_99213, diagnoses=("E11", "I10")))
    assert result == ["ICD-10-CM E11 is unknown or not a billable (leaf) code"]
    fixed = resolve(subject, RULES, is_billable, resolution(LINE_99213, diagnoses=("E11.65", "I10")))
    assert not isinstance(fixed, list) and fixed.diagnoses == ("E1165", "I10")


def test_combination_edits_apply_to_manual_lines_too() -> None:
    subject = encounter(VIDEO, TIME_HELD)
    lines = (LINE_99213, ManualLine("G2212", ("95",), 1, (1,)), ManualLine("99458", (), 1, (1,)))
    result = resolve(subject, RULES, is_billable, resolution(*lines))
    assert isinstance(result, list)
    assert "99458 needs 99457 on the same claim" in result
    assert any("G2212 needs its highest-level visit" in problem for problem in result)


def test_a_later_verification_codes_an_encounter_held_only_for_its_coverage() -> None:
    waiting, covered = verified({}, outcome="needs_manual"), verified({}, method="phone")
    store, publisher = InMemoryCodingStore(), RecordingPublisher()
    code = bootstrap(store, publisher, rules=RULES).code
    asyncio.run(code([waiting]))
    asyncio.run(code([covered]))
    asyncio.run(code([covered]))  # a redelivery re-publishes the same claim-coded
    sent = [ClaimCoded.model_validate_json(m.value) for m in publisher.on("claim-coded")]
    assert len({e.event_id for e in sent}) == 1 and sent[0].causation_id == covered.event_id
    recoded = asyncio.run(store.records([covered.correlation_id]))[covered.correlation_id]
    assert (recoded.status, recoded.event_id) == ("coded", covered.event_id)
    assert recoded.recoding == f"{covered.correlation_id}|{covered.event_id}"
    assert asyncio.run(store.held(None, 100)) == []  # off the coders' worklist


def test_a_recoding_interrupted_before_its_announcement_is_finished_by_the_redelivery() -> None:
    waiting, covered = verified({}, outcome="needs_manual"), verified({}, method="phone")
    store, dying, publisher = InMemoryCodingStore(), DiesOnce(), RecordingPublisher()
    asyncio.run(bootstrap(store, dying, rules=RULES).code([waiting]))
    with pytest.raises(BrokerDown):
        asyncio.run(bootstrap(store, dying, rules=RULES).code([covered]))
    assert asyncio.run(store.records([covered.correlation_id]))[covered.correlation_id].status == "held"
    asyncio.run(bootstrap(store, publisher, rules=RULES).code([covered]))  # the redelivery
    asyncio.run(bootstrap(store, publisher, rules=RULES).code([covered]))  # and another: nothing more
    assert [ClaimCoded.model_validate_json(m.value).causation_id for m in publisher.on("claim-coded")] == [
        covered.event_id
    ]
    assert asyncio.run(store.records([covered.correlation_id]))[covered.correlation_id].status == "coded"


def test_a_later_verification_does_not_recode_a_coded_or_otherwise_held_encounter() -> None:
    store, publisher = InMemoryCodingStore(), RecordingPublisher()
    code = bootstrap(store, publisher, rules=RULES).code
    asyncio.run(code([verified(TIME_HELD, outcome="needs_manual")]))  # held for coverage only
    asyncio.run(code([verified(TIME_HELD)]))  # now held for its E/M level: stays held, once
    asyncio.run(code([verified(TIME_HELD, method="phone")]))
    assert publisher.on("claim-coded") == []
    key = verified({}).correlation_id
    assert [h.reason for h in asyncio.run(store.records([key]))[key].holds] == ["em_level_unsupported"]
    assert [h.reason for held in asyncio.run(store.held(None, 100)) for h in held.holds] == ["em_level_unsupported"]


def test_remote_monitoring_codes_that_exclude_each_other_are_refused_from_the_rule_data() -> None:
    subject = encounter(RPM)
    lines = (ManualLine("99445", (), 1, (1,)), ManualLine("99454", (), 1, (1,)), ManualLine("99457", (), 1, (1,)))
    result = resolve(subject, RULES, is_billable, Resolution("coder", "drill", "11", lines))
    assert isinstance(result, list) and "99445 and 99454 cannot be billed together" in result


def test_gq_is_refused_on_g2010_and_taken_on_a_telehealth_code_sent_asynchronously_from_alaska() -> None:
    """GQ: "via asynchronous telecommunications system", for telehealth services in the Alaska/Hawaii
    demonstration (CMS MLN901705); G2010 is a communication technology-based service, not telehealth."""
    alaska = {
        "encounter.modality": "store_and_forward",
        "encounter.patient_location": {"setting": "home", "state": "AK"},
    }
    sent = encounter(VIDEO, alaska)
    on_g2010 = resolve(sent, RULES, is_billable, resolution(ManualLine("G2010", ("GQ",), 1, (1,)), place="11"))
    assert isinstance(on_g2010, list) and any("GQ only on a telehealth service" in p for p in on_g2010)
    on_visit = resolve(sent, RULES, is_billable, resolution(ManualLine("99213", ("GQ",), 1, (1,)), place="02"))
    refused = on_visit if isinstance(on_visit, list) else []
    assert not [problem for problem in refused if "GQ" in problem], refused  # its place of service is another matter
