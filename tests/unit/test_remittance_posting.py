"""Posting an 835 with in-memory adapters: matched, parked and re-matched, duplicate, unbalanced, unreadable;
a file that breaks posting is set aside on the files worklist and never stops the files behind it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pymongo.errors import ConnectionFailure

from services.remittance.adapters.memory import InMemoryRemittanceStore
from services.remittance.bootstrap import bootstrap
from shared.contracts.events import ClaimSubmitted, PaymentPosted, SubmittedLine
from shared.messaging import RecordingPublisher

# A balanced 835 of this file's own: two claims paid 450.00 (a PR-1 deductible of 300.00 and a CO-45
# reduction) and 495.00 (CO-45), one check of 945.00. Tests change one segment of it at a time.
ERA = "~".join(
    [
        "ISA*00*          *00*          *ZZ*SIMCLEARING    *ZZ*LONESTARTH     *260309*1200*^*00501*000000001*0*T*:",
        "GS*HP*SIMCLEARING*LONESTARTH*20260309*1200*1*X*005010X221A1",
        "ST*835*0001",
        "BPR*I*945.00*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20260309",
        "TRN*1*7170066655*1512345678",
        "DTM*405*20260309",
        "N1*PR*ACME HEALTH",
        "N3*1 PAYER PLAZA",
        "N4*HARTFORD*CT*06101",
        "PER*BL*EDI*TE*8005550199",
        "N1*PE*LONE STAR TELEHEALTH PA*XX*1234567893",
        "LX*1",
        "CLP*5554555444*1*800.00*450.00*300.00*12*94060555410000",
        "NM1*QC*1*DOE*JANE****MI*123456789",
        "SVC*HC:99213*800.00*450.00**1",
        "DTM*472*20260302",
        "CAS*PR*1*300.00",
        "CAS*CO*45*50.00",
        "CLP*8765432112*1*1200.00*495.00*0*12*94060555410001",
        "NM1*QC*1*ROE*RICHARD****MI*987654321",
        "SVC*HC:99213*1200.00*495.00**1",
        "DTM*472*20260302",
        "CAS*CO*45*705.00",
        "SE*23*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
) + "~"
PCNS = {"5554555444": 80000, "8765432112": 120000}  # CLP01 and CLP03 above


def submitted(pcn: str, charge: int) -> ClaimSubmitted:
    line = SubmittedLine(
        line_number=1, code="99213", modifiers=[], units=1, charge_cents=charge, date_of_service=date(2026, 3, 2)
    )
    return ClaimSubmitted.caused_by(
        "cause",
        f"acme:{pcn}",
        claim_id=pcn,
        patient_control_number=pcn,
        payer_id="P",
        payer_name="PAYER",
        plan_type="commercial",
        interchange_control_number="000000001",
        group_control_number="1",
        transaction_set_control_number="0001",
        file_name="TB000000001.837",
        total_charge_cents=charge,
        lines=[line],
    )


def posting() -> tuple:  # type: ignore[type-arg]
    store, publisher = InMemoryRemittanceStore(), RecordingPublisher()
    return bootstrap(store, publisher, clock=lambda: datetime(2026, 3, 9, tzinfo=UTC)), store, publisher


def test_matched_claims_post_balanced_payments_and_a_second_copy_posts_nothing() -> None:
    handler, _, publisher = posting()
    asyncio.run(handler.record_submissions([submitted(pcn, charge) for pcn, charge in PCNS.items()]))
    assert asyncio.run(handler.post_file("a.835", ERA)) == "posted"
    assert asyncio.run(handler.post_file("a-again.835", ERA)) == "duplicate"
    payments = [PaymentPosted.model_validate_json(m.value) for m in publisher.sent]
    assert sorted((p.patient_control_number, p.paid_cents) for p in payments) == [
        ("5554555444", 45000),
        ("8765432112", 49500),
    ]


def test_a_remittance_that_beats_its_claim_is_parked_then_posted() -> None:
    handler, store, publisher = posting()
    assert asyncio.run(handler.post_file("a.835", ERA)) == "posted"
    assert publisher.sent == [] and len(store.unmatched) == 2
    asyncio.run(handler.record_submissions([submitted(pcn, charge) for pcn, charge in PCNS.items()]))
    assert asyncio.run(handler.rematch_parked()) == 2
    assert len(publisher.sent) == 2 and store.unmatched == {}


def test_an_unbalanced_file_posts_nothing_and_says_by_how_much() -> None:
    handler, store, publisher = posting()
    asyncio.run(handler.record_submissions([submitted(pcn, charge) for pcn, charge in PCNS.items()]))
    assert asyncio.run(handler.post_file("b.835", ERA.replace("BPR*I*945.00*", "BPR*I*944.00*"))) == "unbalanced"
    assert publisher.sent == []
    [era] = store.eras.values()
    assert era["outcome"] == "unbalanced" and era["problems"] == [
        "7170066655: BPR02 94400 != ΣCLP04 94500 − ΣPLB 0 (difference -100 cents)"
    ]


def test_an_unreadable_file_is_recorded_not_crashed_on() -> None:
    handler, store, publisher = posting()
    assert asyncio.run(handler.post_file("c.835", "this is not X12")) == "unreadable"
    assert publisher.sent == [] and [e["outcome"] for e in store.eras.values()] == ["unreadable"]


class FolderInMemory:
    """The inbound folder: files by name, oldest name first, archived by outcome."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files: dict[str, str] = dict(files)
        self.archived: dict[str, str] = {}

    def waiting(self) -> list[Path]:
        return [Path(name) for name in sorted(self.files)]

    async def read(self, path: Path) -> str:
        return self.files[path.name]

    def archive_file(self, path: Path, outcome: str, reasons: Sequence[str] = ()) -> None:
        self.archived[path.name] = outcome
        del self.files[path.name]


BROKEN = ERA.replace("TRN*1*7170066655*", "TRN*1*BROKEN0001*")


def breaking_on(handler, trace: str, error: Exception):  # type: ignore[no-untyped-def]
    original = handler.post

    async def post(this_trace: str, claims: list) -> None:  # type: ignore[type-arg]
        if this_trace == trace:
            raise error
        await original(this_trace, claims)

    return post


def test_an_unknown_adjustment_group_is_unreadable_posts_nothing_and_is_on_the_files_worklist() -> None:
    handler, store, publisher = posting()
    asyncio.run(handler.record_submissions([submitted(pcn, charge) for pcn, charge in PCNS.items()]))
    outcome, [problem] = asyncio.run(
        handler.post_file_explained("x.835", ERA.replace("CAS*PR*1*300.00", "CAS*XX*1*300.00"))
    )
    assert outcome == "unreadable" and "CAS01 'XX'" in problem and publisher.sent == []
    [listed] = asyncio.run(store.file_worklist(10))
    assert (listed.file_name, listed.outcome, listed.problems) == ("x.835", "unreadable", (problem,))


def test_a_file_that_breaks_posting_is_set_aside_and_the_file_behind_it_still_posts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler, store, publisher = posting()
    asyncio.run(handler.record_submissions([submitted(pcn, charge) for pcn, charge in PCNS.items()]))
    original = handler.post
    monkeypatch.setattr(handler, "post", breaking_on(handler, "BROKEN0001", RuntimeError("no ledger account")))
    folder = FolderInMemory({"a.835": BROKEN, "b.835": ERA})

    asyncio.run(handler.post_inbox(folder))
    assert folder.archived == {"a.835": "failed", "b.835": "posted"} and len(publisher.sent) == 2
    [listed] = asyncio.run(store.file_worklist(10))
    assert (listed.file_name, listed.problems) == ("a.835", ("RuntimeError: no ledger account",))

    monkeypatch.setattr(handler, "post", original)  # fixed: the same file dropped again posts and leaves the list
    assert asyncio.run(handler.post_file("a.835", BROKEN)) == "posted"
    assert asyncio.run(store.file_worklist(10)) == []


def test_a_database_outage_leaves_the_file_in_the_folder_for_the_next_round(monkeypatch: pytest.MonkeyPatch) -> None:
    handler, store, publisher = posting()
    monkeypatch.setattr(handler, "post", breaking_on(handler, "7170066655", ConnectionFailure("no server")))
    folder = FolderInMemory({"b.835": ERA})
    with pytest.raises(ConnectionFailure):
        asyncio.run(handler.post_inbox(folder))
    assert folder.archived == {} and list(folder.files) == ["b.835"] and store.eras == {}
