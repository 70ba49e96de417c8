"""A claim's life after the scrubber: 999 and 277CA acknowledgements (the simulator's and the
shared imsweb samples), posted payments, replacement and void claims — every step in history."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from pymongo.errors import ConnectionFailure

from deploy.clearinghouse.adjudicate import payer_claim_number
from deploy.clearinghouse.simulator import acknowledge
from deploy.clearinghouse.x12_out import ClaimAcknowledgement, Payer, parse_837_claims, render_277ca, render_999
from services.claims.domain.acks import AckParseError, claim_outcome, describe_999, parse_277ca, parse_999
from services.claims.domain.claim import Address, Envelope
from services.claims.domain.lifecycle import ClaimStatus
from shared.contracts.events import Adjustment, JournalLine, PaymentPosted
from tests.conftest import X12_SAMPLES, needs_x12_corpus
from tests.unit.claims_cases import RULES, ClaimsWorld, coded, line

CASH, AR = "cash", "insurance_ar"
IMSWEB = X12_SAMPLES / "imsweb"
ENVELOPE = Envelope("SIMCLEARING", "LONESTARTH", 900, 900, 1, "2026-03-11T08:00:00")
PAYER = Payer(
    "MEDICARE", "MCRTX", "991234567", Address("1 PAYER PLAZA", "HARTFORD", "CT", "06101"), "EDI", "8005550199"
)


def only_837(world: ClaimsWorld) -> str:
    return list(world.exchange.outbound.values())[-1]


def ack_277(world: ClaimsWorld, reject: bool = False) -> str:
    claims = parse_837_claims(only_837(world))
    acks = [ClaimAcknowledgement(c, False, "A7:164:IL") if reject else acknowledge(c) for c in claims]
    return render_277ca(acks, "TB000000001", PAYER, ENVELOPE)


def read(world: ClaimsWorld, name: str, text: str) -> str:
    return asyncio.run(world.claims.lifecycle.read_ack(name, text))


def posted(world: ClaimsWorld, status: str = "paid", key: str = "acme-video:E1") -> PaymentPosted:
    claim_id = world.record(key).claim_id
    journal = [
        JournalLine(account=CASH, debit_cents=9000, credit_cents=0, memo="payment"),
        JournalLine(account=AR, debit_cents=0, credit_cents=9000, memo="payment"),
    ]
    adjustments = [Adjustment(group_code="CO", reason_code="45", amount_cents=6000)]
    return PaymentPosted.caused_by(
        "x", key, claim_id=claim_id, patient_control_number=claim_id, payer_claim_number="PCN-PAYER-1",
        era_trace_number="TRACE1", claim_status=status, status_code="1", charge_cents=15000, paid_cents=9000,
        patient_responsibility_cents=0, adjustments=adjustments, journal=journal,
    )  # fmt: skip


def statuses(world: ClaimsWorld, key: str = "acme-video:E1") -> list[str]:
    return [step["status"] for step in world.run(world.claims.history(key)).claim.history]


@needs_x12_corpus
def test_the_shared_imsweb_999s_and_277cas_parse() -> None:
    [accepted] = parse_999((IMSWEB / "837_5010" / "x12_999_accepted.txt").read_text())
    [rejected] = parse_999((IMSWEB / "837_5010" / "x12_999_rejected.txt").read_text())
    assert (accepted.control_number, accepted.transactions[0].status) == ("17456", "A")
    assert (
        describe_999(rejected.transactions[0], RULES.acks)
        == "segment NM@17: Unrecognized segment ID; One or more segments in error"
    )
    [ok] = parse_277ca((IMSWEB / "277_5010" / "x12_277CA_accepted.txt").read_text()).claims
    [bad] = parse_277ca((IMSWEB / "277_5010" / "x12_277CA_rejected.txt").read_text()).claims  # "|" component
    assert claim_outcome(ok, RULES.acks) == (
        "accepted",
        "277CA A2:20 Acknowledgement/Acceptance into adjudication system: Accepted for processing",
    )
    assert (bad.patient_control_number, bad.payer_claim_number) == ("3920394930203", "1107000000001120")
    assert (
        claim_outcome(bad, RULES.acks)[0] == "rejected"
        and "National Provider Identifier" in claim_outcome(bad, RULES.acks)[1]
    )


@pytest.mark.parametrize("text", ["", "ISA*bad"])
def test_malformed_acknowledgements_are_parse_errors(text: str) -> None:
    with pytest.raises(AckParseError):
        parse_277ca(text)


@needs_x12_corpus
def test_a_public_277ca_without_its_status_category_is_a_parse_error() -> None:
    text = (IMSWEB / "277_5010" / "x12_277CA_accepted.txt").read_text().replace("STC*A2:20", "STC*:20")
    with pytest.raises(AckParseError):
        parse_277ca(text)


def test_accepted_by_999_and_277ca_then_paid_with_every_step_kept() -> None:
    world = ClaimsWorld()
    world.submit(coded())
    assert read(world, "a.999", render_999(only_837(world), ENVELOPE)) == "processed"
    assert read(world, "a.277", ack_277(world)) == "processed"
    record = world.record("acme-video:E1")
    pcn = record.patient_control_number or ""
    assert (record.status, record.payer_claim_number) == ("accepted", payer_claim_number(pcn))
    asyncio.run(world.claims.lifecycle.record_payments([posted(world)]))
    assert statuses(world) == ["created", "scrubbed", "submitted", "acknowledged", "accepted", "paid"]
    assert world.record("acme-video:E1").status == "paid"


def test_a_999_rejection_rejects_every_claim_of_the_interchange_with_the_reason() -> None:
    world = ClaimsWorld()
    world.submit(coded("E1"), coded("E2", lines=[line(day="2026-03-03")]))
    read(world, "r.999", render_999(only_837(world), ENVELOPE, reject=True))
    for key in ("acme-video:E1", "acme-video:E2"):
        record = world.record(key)
        assert record.status == "rejected"
        said = "999 rejected: segment NM1@9: Segment has data element errors; element 9: Invalid code value"
        assert record.history[-1]["note"] == said + "; One or more segments in error"


def test_a_277ca_rejection_rejects_the_claim_with_the_payers_reason() -> None:
    world = ClaimsWorld()
    world.submit(coded())
    read(world, "r.277", ack_277(world, reject=True))
    assert world.record("acme-video:E1").status == "rejected"
    assert "A7:164" in world.record("acme-video:E1").history[-1]["note"]
    [listed] = asyncio.run(world.claims.worklist(ClaimStatus.REJECTED))
    assert listed.key == "acme-video:E1" and "A7:164" in listed.problems[-1]
    done = asyncio.run(world.claims.correct("acme-video:E1", correction("replacement")))
    assert done.status == "not_correctable"  # a claim the payer refused has no payer claim number to replace


def test_a_late_acknowledgement_never_moves_a_paid_claim_back() -> None:
    world = ClaimsWorld()
    world.submit(coded())
    asyncio.run(world.claims.lifecycle.record_payments([posted(world)]))
    read(world, "late.277", ack_277(world))
    record = world.record("acme-video:E1")
    assert record.status == "paid" and record.history[-1] | {"at": ""} == {
        "status": "accepted",
        "at": "",
        "note": record.history[-1]["note"],
        "applied": False,
    }


@needs_x12_corpus
def test_unknown_and_unreadable_acknowledgements_are_kept_aside() -> None:
    world = ClaimsWorld()
    assert read(world, "x.999", (IMSWEB / "837_5010" / "x12_999_rejected.txt").read_text()) == "unmatched"
    assert read(world, "x.277", "ISA*garbage") == "unreadable"


def test_an_acknowledgement_that_breaks_is_set_aside_and_a_database_outage_is_not() -> None:
    world = ClaimsWorld()
    world.submit(coded())
    lifecycle = world.claims.lifecycle

    async def broken(text: str) -> int:
        raise KeyError("claim_ids")

    async def away(text: str) -> int:
        raise ConnectionFailure("no server")

    lifecycle.apply_277ca = broken  # type: ignore[method-assign]
    assert read(world, "a.277", ack_277(world)) == "failed"
    lifecycle.apply_277ca = away  # type: ignore[method-assign]
    with pytest.raises(ConnectionFailure):
        read(world, "a.277", ack_277(world))


def test_a_replacement_claim_goes_out_with_frequency_7_and_the_payers_claim_number() -> None:
    world = ClaimsWorld()
    world.submit(coded())
    refused = asyncio.run(world.claims.correct("acme-video:E1", correction("replacement")))
    assert refused.status == "not_correctable"  # the payer has not acknowledged it yet
    read(world, "a.277", ack_277(world))
    payer_number = world.record("acme-video:E1").payer_claim_number
    done = asyncio.run(
        world.claims.correct("acme-video:E1", correction("replacement", lines=[line("99214").model_dump(mode="json")]))
    )
    assert (done.status, done.record_id) == ("submitted", "acme-video:E1~7~1")
    x12 = only_837(world)
    assert f"REF*F8*{payer_number}~" in x12 and "CLM*" in x12 and ":B:7*" in x12 and "HC:99214:95" in x12
    original = world.record("acme-video:E1")
    assert (original.status, original.current, original.versions) == ("corrected", done.record_id, (done.record_id,))
    sent = world.publisher.on("claim-submitted")[-1]
    assert '"frequency_code":"7"' in sent.value and sent.key == "acme-video:E1"


def test_each_claim_version_keeps_its_source_event_apart_from_the_claim_record() -> None:
    """Every lifecycle move reads and rewrites the claim record: the event it came from is stored
    beside it, not in it, and a correction starts from the current version's own source."""
    world = ClaimsWorld()
    event = coded()
    world.submit(event)
    read(world, "a.277", ack_277(world))
    replacing = correction("replacement", lines=[line("99214").model_dump(mode="json")])
    world.run(world.claims.correct("acme-video:E1", replacing))

    assert "claim_coded" not in world.stored("acme-video:E1")
    assert world.run(world.store.source("acme-video:E1")) == event
    replacement = world.run(world.store.source("acme-video:E1~7~1"))
    assert [item.code for item in replacement.lines] == ["99214"]


def test_a_void_goes_out_with_frequency_8_and_marks_the_claim_voided() -> None:
    world = ClaimsWorld()
    world.submit(coded())
    asyncio.run(world.claims.lifecycle.record_payments([posted(world)]))
    done = asyncio.run(world.claims.correct("acme-video:E1", correction("void")))
    assert done.status == "submitted" and ":B:8*" in only_837(world) and "REF*F8*PCN-PAYER-1~" in only_837(world)
    assert world.record("acme-video:E1").status == "voided"
    assert asyncio.run(world.claims.correct("missing:x", correction("void"))).status == "not_found"


def test_a_corrections_reason_is_sealed_at_rest_and_read_back_clear() -> None:
    world = ClaimsWorld()
    world.submit(coded())
    asyncio.run(world.claims.lifecycle.record_payments([posted(world)]))
    asyncio.run(world.claims.correct("acme-video:E1", correction("void")))
    assert "wrong level billed" not in str(world.stored("acme-video:E1")["history"])  # a person's free text
    [*_, voided] = world.record("acme-video:E1").history
    assert voided["status"] == "voided" and voided["note"].endswith("by billing.lee: wrong level billed")


def correction(kind: str, **more: object):  # type: ignore[no-untyped-def]
    from services.claims.handlers.correct_claim import Correction

    return Correction(kind, "billing.lee", "wrong level billed", **more)  # type: ignore[arg-type]


def test_a_redelivered_claim_coded_makes_no_second_claim_or_submission() -> None:
    world = ClaimsWorld()
    first = world.submit(coded())
    again = world.submit(coded(), coded())  # announced already: nothing is pending, nothing re-sent
    assert len(first) == 1 and again == [] and len(world.exchange.outbound) == 1


def test_times_are_from_the_clock() -> None:
    world = ClaimsWorld(now=datetime(2026, 4, 1, 8, 30, tzinfo=UTC))
    world.submit(coded())
    assert world.record("acme-video:E1").history[0]["at"] == "2026-04-01T08:30:00+00:00"


def batch_rejected_277(world: ClaimsWorld, reference: str, listing_claims: bool) -> str:
    """The payer's front end refusing the whole batch at the receiver level (STC*A3:24), with or
    without the claims listed under it (both happen: X12 005010X214, 2200B loop)."""
    text = ack_277(world).replace("STC*A1:19", "STC*A3:24", 1).replace("TRN*2*TB000000001", f"TRN*2*{reference}", 1)
    return text if listing_claims else text[: text.index("HL*4*")] + "SE*1*0001~GE*1*1~IEA*1*000000001~"


@pytest.mark.parametrize("reference", ["000000001", "TB000000001"])
def test_a_batch_rejected_above_the_claim_level_rejects_every_claim_of_it_even_unlisted(reference: str) -> None:
    world = ClaimsWorld()
    world.submit(coded())
    assert read(world, "batch.277", batch_rejected_277(world, reference, listing_claims=False)) == "processed"
    record = world.record("acme-video:E1")
    assert (
        record.status == "rejected"
        and "A3:24" in record.history[-1]["note"]
        and "whole batch" in record.history[-1]["note"]
    )


def test_a_claim_listed_under_a_rejected_batch_is_rejected_with_the_batchs_reason() -> None:
    world = ClaimsWorld()
    world.submit(coded())
    read(world, "batch.277", batch_rejected_277(world, "000000001", listing_claims=True))
    record = world.record("acme-video:E1")
    assert record.status == "rejected" and "A3:24" in record.history[-1]["note"]
    assert "above the claim level" in record.history[-1]["note"]


def test_a_truncated_277_is_refused_naming_where_it_stops() -> None:
    world = ClaimsWorld()
    world.submit(coded())
    truncated = ack_277(world).split("SE*")[0]
    with pytest.raises(AckParseError, match="truncated: 1 ST but 0 SE"):
        parse_277ca(truncated)
