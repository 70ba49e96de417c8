"""The scrubber, edit by edit: for each edit one claim that fails it and one that passes it,
through the claims use case (so a failing claim lands on the worklist and never goes out)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.claims.domain.assemble import assemble
from services.claims.domain.scrubber import ClaimContext, npi_valid, scrub
from services.coding.domain.rules import load_rules
from tests.unit.claims_cases import RULES, ClaimsWorld, coded, line

AUDIO = "02-commercial-audio-only-home.json"
CLINIC = "04-medicare-video-rural-clinic-new.json"
LATE = datetime(2027, 3, 10, tzinfo=UTC)  # 373 days after the 2026-03-02 visit


def findings(event: Any, now: datetime | None = None, before: list[Any] | None = None) -> list[str]:
    world = ClaimsWorld(now=now) if now else ClaimsWorld()
    if before:
        world.submit(*before)
    world.submit(event)
    return [finding.edit for finding in world.record(event.correlation_id).findings]


CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    # (edit, failing claim, passing claim) as keyword arguments of `coded` (+ now / before)
    ("CLM-CHARGE", {"lines": [line("99999")]}, {"lines": [line("99214")]}),
    ("CLM-NPI", {"billing_provider__npi": "1234567890"}, {"billing_provider__npi": "1234567893"}),
    ("CLM-NPI", {"rendering_provider__npi": "1987654321"}, {"rendering_provider__npi": "1987654328"}),
    ("CLM-TAX-ID", {"billing_provider__tax_id": "071234567"}, {"billing_provider__tax_id": "741234567"}),
    ("CLM-TAX-ID", {"billing_provider__tax_id": "111111111"}, {"billing_provider__tax_id": "121234567"}),
    ("CLM-ICD10", {"diagnoses": ("E11", "I10")}, {"diagnoses": ("E1165", "I10")}),
    ("CLM-POINTERS", {"lines": [line(pointers=(1, 3))]}, {"lines": [line(pointers=(2, 1))]}),
    ("CLM-POINTERS", {"lines": [line(pointers=(1, 1))]}, {"lines": [line(pointers=(1,))]}),
    ("CLM-MOD-95", {"lines": [line("99454")]}, {"lines": [line("99454", modifiers=())]}),
    (
        "CLM-MOD-95",
        {"base": AUDIO, "coverage__plan_type": "commercial"},
        {"base": AUDIO, "lines": [line(modifiers=("93",))]},
    ),
    ("CLM-MOD-93", {"lines": [line(modifiers=("93",))]}, {"base": AUDIO, "lines": [line(modifiers=("93",))]}),
    ("CLM-POS", {"pos": "02"}, {"pos": "10"}),
    (
        "CLM-POS",
        {"base": CLINIC, "pos": "10", "lines": [line("99204")]},
        {"base": CLINIC, "pos": "02", "lines": [line("99204")]},
    ),
    (
        "CLM-PAYER-TELEMEDICINE-CODES",
        {"lines": [line("98005")]},
        {"lines": [line("98005")], "coverage__plan_type": "commercial"},
    ),
    ("CLM-TIMELY-FILING", {"now": LATE}, {"now": datetime(2027, 3, 2, tzinfo=UTC)}),
    (
        "CLM-DEMOGRAPHICS",
        {"billing_provider__address__postal_code": "78701"},
        {"billing_provider__address__postal_code": "787011234"},
    ),
    ("CLM-DEMOGRAPHICS", {"patient__birth_date": "2026-04-01"}, {"patient__birth_date": "2026-03-02"}),
]


@pytest.mark.parametrize(("edit", "failing", "passing"), CASES, ids=[f"{c[0]}-{n}" for n, c in enumerate(CASES)])
def test_each_edit_fails_one_claim_and_passes_another(
    edit: str, failing: dict[str, Any], passing: dict[str, Any]
) -> None:
    assert edit in run(failing)
    assert edit not in run(passing)


def run(kwargs: dict[str, Any]) -> list[str]:
    kwargs = dict(kwargs)
    now = kwargs.pop("now", None)
    return findings(coded(**kwargs), now)


def test_every_edit_in_the_rule_file_has_a_failing_and_a_passing_case() -> None:
    special = {"CLM-DUPLICATE", "CLM-DX-COUNT"}  # tested below: they need earlier claims / a bad record
    assert {edit.id for edit in RULES.edits.edits} - special <= {case[0] for case in CASES}


def test_more_than_twelve_diagnoses_fail_and_twelve_pass() -> None:
    # The claim-coded contract already stops a 13th diagnosis; the edit guards stored or corrected claims.
    claim = assemble(coded(), RULES.charges)
    context = ClaimContext("audio_video", "home", date(2026, 3, 10), RULES.is_billable)
    assert "CLM-DX-COUNT" in [f.edit for f in scrub(replace(claim, diagnoses=("I10",) * 13), context, RULES.edits)]
    assert "CLM-DX-COUNT" not in [f.edit for f in scrub(replace(claim, diagnoses=("I10",) * 12), context, RULES.edits)]


def test_a_duplicate_service_of_another_encounter_fails_and_a_different_day_passes() -> None:
    first = coded("E1")
    assert findings(coded("E2"), before=[first]) == ["CLM-DUPLICATE"]
    assert findings(coded("E3", lines=[line(day="2026-03-03")]), before=[first]) == []
    world = ClaimsWorld()
    world.submit(coded("E4"), coded("E5"))  # in one batch too
    assert (world.record("acme-video:E4").status, world.record("acme-video:E5").status) == (
        "submitted",
        "scrub_rejected",
    )


def test_a_failing_claim_is_on_the_worklist_with_every_finding_and_fix_and_never_sent() -> None:
    world = ClaimsWorld()
    sent = world.submit(coded(diagnoses=("E11", "I10"), lines=[line("98005", pointers=(1, 3))]))
    assert sent == [] and world.exchange.outbound == {}
    [listed] = world.run(world.claims.worklist())
    # a finding names the diagnosis: sealed at rest, in the worklist and in the claim alike
    assert "E11 is not" not in str(world.store.worklist_entries) and "E11 is not" not in str(world.stored(listed.key))
    assert {f.edit for f in listed.findings} == {"CLM-ICD10", "CLM-POINTERS", "CLM-PAYER-TELEMEDICINE-CODES"}
    assert all(f.message and f.fix for f in listed.findings)
    assert "E11 is not a billable ICD-10-CM code" in " ".join(listed.problems)
    assert listed.problems == world.record(listed.key).problems and listed.status == "scrub_rejected"


def test_npi_check_digits() -> None:
    assert npi_valid("1234567893") and npi_valid("1245319599")
    assert not npi_valid("1234567890") and not npi_valid("123456789") and not npi_valid("12345678AB")


def test_modifier_95_is_refused_on_every_code_the_coding_rules_know_as_not_telehealth() -> None:
    """The scrubber's list and the coding rules name the same brief-service and RPM codes (CLM-MOD-95)."""
    coding = load_rules()
    not_telehealth = {c.code for c in coding.brief.codes} | {c.code for c in coding.rpm_table.codes}
    assert not_telehealth <= set(RULES.edits.edit("CLM-MOD-95").params["asynchronous_codes"])
