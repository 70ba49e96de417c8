"""A payer takes a payment back (CLP02 = 22) and pays again: the reversal posts its own balanced
journal with every side reversed, the claims lifecycle marks the claim reversed, and the same
835 again posts nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

from deploy.clearinghouse.adjudicate import Adjustment, BilledClaim, BilledLine, ClaimDecision, LineDecision
from deploy.clearinghouse.x12_out import Payee, Payer, render_835
from services.claims.domain.claim import Address, Envelope
from services.remittance.adapters.memory import InMemoryRemittanceStore
from services.remittance.bootstrap import bootstrap
from shared.contracts.events import PaymentPosted
from shared.messaging import RecordingPublisher
from tests.conftest import X12_SAMPLES, needs_x12_corpus
from tests.unit.test_remittance_posting import submitted

PCN, DAY = "TBREVERSAL000001", date(2026, 3, 2)
PAYER = Payer(
    "MEDICARE", "MCRTX", "991234567", Address("1 PAYER PLAZA", "HARTFORD", "CT", "06101"), "EDI", "8005550199"
)
PAYEE = Payee("LONE STAR TELEHEALTH PA", "1234567893")


def decision(status: str, sign: int, paid: int, pcn: str = PCN) -> ClaimDecision:
    claim = BilledClaim(pcn, "MCRTX", "MEDICARE", "MB", sign * 15000, (), "DOE", "JANE", "1EG4TE5MK73")
    line = BilledLine("99213", ("95",), sign * 15000, Decimal(1), DAY)
    adjustments = (Adjustment("CO", "45", sign * (15000 - paid - 2000)), Adjustment("PR", "2", sign * 2000))
    return ClaimDecision(
        claim, status, "PAYER-ICN-1", "MB", (LineDecision(line, sign * (paid + 2000), sign * paid, adjustments),)
    )


def era(trace: str, *decisions: ClaimDecision) -> str:
    return render_835(
        list(decisions), PAYER, PAYEE, trace, DAY, Envelope("SIMCLEARING", "LONESTARTH", 5, 5, 1, "2026-03-20T10:00:00")
    )


def test_a_reversal_and_its_correction_post_and_reverse_every_side() -> None:
    store, publisher = InMemoryRemittanceStore(), RecordingPublisher()
    posting = bootstrap(store, publisher, clock=lambda: datetime(2026, 3, 20, tzinfo=UTC))
    asyncio.run(posting.record_submissions([submitted(PCN, 15000)]))
    assert asyncio.run(posting.post_file("paid.835", era("T1", decision("1", 1, 9000)))) == "posted"
    takeback = era("T2", decision("22", -1, 9000), decision("1", 1, 9500))
    assert asyncio.run(posting.post_file("reversal.835", takeback)) == "posted"
    assert asyncio.run(posting.post_file("reversal-again.835", takeback)) == "duplicate"

    paid, reversed_, corrected = [PaymentPosted.model_validate_json(m.value) for m in publisher.sent]
    assert [p.claim_status for p in (paid, reversed_, corrected)] == ["paid", "reversed", "paid"]
    assert reversed_.paid_cents == -9000 and corrected.paid_cents == 9500
    sides = {line.account: line.debit_cents - line.credit_cents for line in paid.journal}
    back = {line.account: line.debit_cents - line.credit_cents for line in reversed_.journal}
    assert back == {account: -cents for account, cents in sides.items()}
    for event in (paid, reversed_, corrected):
        assert sum(x.debit_cents for x in event.journal) == sum(x.credit_cents for x in event.journal)


def test_the_claims_lifecycle_marks_a_reversed_payment() -> None:
    from tests.unit.claims_cases import ClaimsWorld, coded
    from tests.unit.test_claims_lifecycle import posted

    world = ClaimsWorld()
    world.submit(coded())
    asyncio.run(world.claims.lifecycle.record_payments([posted(world)]))
    asyncio.run(world.claims.lifecycle.record_payments([posted(world, status="reversed")]))
    assert world.record("acme-video:E1").status == "reversed"
    asyncio.run(world.claims.lifecycle.record_payments([posted(world, status="paid")]))  # re-adjudicated
    assert world.record("acme-video:E1").status == "paid"


def test_a_reversal_under_another_clp01_is_matched_by_the_payers_claim_number() -> None:
    store, publisher = InMemoryRemittanceStore(), RecordingPublisher()
    posting = bootstrap(store, publisher, clock=lambda: datetime(2026, 3, 20, tzinfo=UTC))
    asyncio.run(posting.record_submissions([submitted(PCN, 15000)]))
    asyncio.run(posting.post_file("paid.835", era("T1", decision("1", 1, 9000))))
    asyncio.run(
        posting.post_file(
            "reversal.835", era("T2", decision("22", -1, 9000, pcn="PAYERMANGLED1"), decision("1", 1, 9500))
        )
    )
    assert [PaymentPosted.model_validate_json(m.value).claim_status for m in publisher.sent] == [
        "paid",
        "reversed",
        "paid",
    ]
    assert store.unmatched == {}


@needs_x12_corpus
def test_a_crossover_to_another_payer_is_recorded() -> None:
    from services.remittance.domain.era import parse_835

    sample = X12_SAMPLES / "linuxforhealth" / "835_005010X221A1" / "cob-contractural-adjustment.835"
    clp = "CLP*0001000055*2*541.00*34.00**12*50650619501~"
    forwarded = sample.read_text().replace(clp, clp.replace("*2*", "*19*") + "NM1*TT*2*STATE MEDICAID*****PI*77027~")
    [claim] = [c for r in parse_835(forwarded) for c in r.claims]
    assert (claim.crossover_payer, claim.status_code) == ("STATE MEDICAID", "19")  # NM1*TT: forwarded to
