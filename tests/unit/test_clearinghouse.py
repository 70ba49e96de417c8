"""Clearinghouse simulator: 837P -> parse -> adjudicate -> 999 / 835 -> parse_835, checked end to end.

The claim factory and the pyx12 error collector live in test_x837_pyx12.py (pytest puts this folder on
sys.path, tests/ has no packages).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from test_x837_pyx12 import SUBMITTER, envelope, make_claim, make_claims, pyx12_errors

from deploy.clearinghouse.adjudicate import (
    PAYER_FEES_PATH,
    Adjustment,
    BilledClaim,
    BilledLine,
    adjudicate,
    adjudicate_claim,
    denial_bucket,
    fee_rules_from_dict,
    reprocessed,
    schedule_for,
)
from deploy.clearinghouse.x12_out import (
    Claim837ParseError,
    Payee,
    Payer,
    cas_segments,
    parse_837_claims,
    remittance_batches,
    render_835,
    render_999,
)
from deploy.ops.synthetic import recent_start
from services.claims.bootstrap import CHARGE_MASTER
from services.claims.domain.assemble import ChargeMaster
from services.claims.domain.claim import Address, Claim, Envelope
from services.claims.domain.x837 import render_837p
from services.coding.domain.rules import load_rules
from services.remittance.bootstrap import RULES_DIR as REMITTANCE_RULES
from services.remittance.domain.era import balance, line_problems, parse_835, total_adjustments_cents
from services.remittance.domain.underpayment import FeeSchedules
from shared.rules import load_rule_file
from shared.x12.segments import tokenize
from tests.conftest import X12_SAMPLES, needs_x12_corpus

RAW_FEES = json.loads(PAYER_FEES_PATH.read_text(encoding="utf-8"))
RULES = fee_rules_from_dict(RAW_FEES)
SAMPLE_837 = X12_SAMPLES / "linuxforhealth" / "837_005010X222A2" / "demo.example1.837"
BRIEF_CODES = (
    "99202 99203 99204 99205 99212 99213 99214 99215 G2212 99417 "
    + " ".join(str(c) for c in range(98000, 98017))
    + " G2252 99421 99422 99423 G2010 99453 99454 99445 99457 99458 99470 Q3014 94010 94760"
).split()


def payer_for(payer_id: str) -> Payer:
    address = Address("1 Payer Plaza", "Hartford", "CT", "06101")
    return Payer(f"Payer {payer_id}", payer_id, "99-1234567", address, "EDI Support", "800-555-0199")


def reply_envelope(n: int) -> Envelope:
    return Envelope("CLEARHOUSE", "TELEBILL", 5000 + n, 6000 + n, 7000 + n, "2026-03-09T08:15:00")


def billed(pcn: str, filing: str, lines: list[tuple[str, int, int]], payer_id: str = "P1") -> BilledClaim:
    billed_lines = tuple(
        BilledLine(code, (), charge, Decimal(units), date(2026, 2, 2)) for code, charge, units in lines
    )
    total = sum(line.charge_cents for line in billed_lines)
    return BilledClaim(pcn, payer_id, "PAYER", filing, total, billed_lines, "DOE", "JANE", "M1")


def undenied_pcn(prefix: str) -> str:
    return next(f"{prefix}{i}" for i in range(1000) if denial_bucket(f"{prefix}{i}", RULES) is None)


def extra_claims() -> list[Claim]:
    """Payer-specific schedule, a code that is not on any schedule, two units of 99458, a PR-27 denial."""
    acme = replace(make_claim(3), payer_id="TBSIM-ACME", patient_control_number="ACME-3")
    unlisted = make_claim(4)
    unlisted = replace(unlisted, patient_control_number="UNLISTED-4",
                       lines=(replace(unlisted.lines[0], code="97110"), *unlisted.lines[1:]))  # fmt: skip
    rpm = make_claim(9)
    rpm = replace(rpm, patient_control_number="RPM-9", lines=(replace(rpm.lines[0], code="99458", units=2),))
    lapsed_pcn = next(f"LAPSED-{i}" for i in range(100_000) if _carc(f"LAPSED-{i}") == "27")
    return [acme, unlisted, rpm, replace(make_claim(11), patient_control_number=lapsed_pcn)]


def _carc(pcn: str) -> str:
    bucket = denial_bucket(pcn, RULES)
    return bucket.carc if bucket else ""


# --- the fee data --------------------------------------------------------------------------------


def test_fee_data_has_source_effective_range_and_every_brief_code() -> None:
    assert RAW_FEES["source"] and RULES.effective_from <= RULES.effective_to


def test_fee_data_covers_the_visits_the_demo_and_e2e_tests_date_relative_to_today() -> None:
    """Fails before the calendar outruns the simulated payer, instead of every e2e claim being refused."""
    earliest, latest = recent_start(), date.today() + timedelta(days=30)
    assert RULES.effective_from <= earliest and latest <= RULES.effective_to, (
        f"widen 'effective' in {PAYER_FEES_PATH.name} to cover {earliest}..{latest}"
    )
    assert set(BRIEF_CODES) <= set(RAW_FEES["base_fees_cents"])
    assert len(BRIEF_CODES) == 41
    for schedule in RULES.by_plan_type.values():
        assert set(BRIEF_CODES) <= set(schedule.fees_cents)


def test_every_code_the_coding_rules_bill_today_has_a_simulated_fee_a_charge_and_a_contract_rate() -> None:
    """A code the engine emits but the simulated payer does not price comes back CO-96 in every demo."""
    coding, today = load_rules(), date.today()
    live = {code for code in coding.known if coding.kinds_in_force(code, today)}
    charges = {row.code for row in load_rule_file(CHARGE_MASTER, ChargeMaster).charges}
    schedules = load_rule_file(REMITTANCE_RULES / "fee_schedules.yaml", FeeSchedules)
    contracts = [c for c in schedules.contracts if c.plan_types]
    assert live - set(RAW_FEES["base_fees_cents"]) == set()
    assert live - charges == set()
    addons = {addon.code for addon in coding.em_addons.addons}
    for contract in contracts:
        policy = coding.policy_for(None, contract.plan_types[0], today)
        billed = live - (addons - set(policy.em_addons_paid)) if policy else live
        assert billed - set(contract.rates_cents) == set(), contract.name


def test_denials_are_a_small_deterministic_fraction() -> None:
    buckets = [denial_bucket(f"TB{i:06d}", RULES) for i in range(5000)]
    denied = [b for b in buckets if b is not None]
    assert 0.02 < len(denied) / len(buckets) < 0.06  # data says 40 of 1000 slots
    assert {b.carc for b in denied} == {"27", "50", "16"}
    assert buckets == [denial_bucket(f"TB{i:06d}", RULES) for i in range(5000)]


# --- adjudication values -------------------------------------------------------------------------


def test_medicare_pays_80_percent_of_allowed_with_co45_and_pr2() -> None:
    [line] = adjudicate_claim(billed(undenied_pcn("MCR"), "MB", [("99213", 12500, 1)]), RULES).lines
    assert line.allowed_cents == 9100
    assert line.adjustments == (Adjustment("CO", "45", 3400), Adjustment("PR", "2", 1820))
    assert line.paid_cents == 7280


def test_commercial_copay_is_taken_once_per_claim_and_charge_below_fee_is_allowed_in_full() -> None:
    decision = adjudicate_claim(billed(undenied_pcn("COM"), "CI", [("99214", 12550, 1), ("99213", 5000, 1)]), RULES)
    first, second = decision.lines
    assert (first.allowed_cents, first.adjustments, first.paid_cents) == (
        12550,
        (Adjustment("PR", "3", 3000),),
        9550,
    )
    assert (second.allowed_cents, second.adjustments, second.paid_cents) == (5000, (), 5000)
    assert decision.patient_responsibility_cents == 3000 and decision.claim_filing_code == "12"


def test_medicaid_is_70_percent_of_base_and_units_multiply_the_fee() -> None:
    decision = adjudicate_claim(billed(undenied_pcn("MCD"), "MC", [("99213", 20000, 1), ("99458", 20000, 2)]), RULES)
    assert [line.allowed_cents for line in decision.lines] == [6370, 2 * 2660]
    assert decision.patient_responsibility_cents == 0 and decision.status_code == "1"


def test_payer_specific_schedule_wins_over_plan_type() -> None:
    claim = billed(undenied_pcn("ACME"), "CI", [("99214", 20000, 1)], payer_id="TBSIM-ACME")
    [line] = adjudicate_claim(claim, RULES).lines
    assert line.allowed_cents == 15500 and line.paid_cents == 13500


def test_code_not_on_schedule_is_denied_on_its_line_only() -> None:
    decision = adjudicate_claim(billed(undenied_pcn("UNL"), "MB", [("97110", 30000, 1), ("99212", 5600, 1)]), RULES)
    denied, paid = decision.lines
    assert (denied.paid_cents, denied.adjustments, denied.remark_codes) == (
        0,
        (Adjustment("CO", "96", 30000),),
        ("N130",),
    )
    assert paid.paid_cents == 4480 and decision.status_code == "1"


@pytest.mark.parametrize("carc,group,rarc", [("27", "PR", ()), ("50", "CO", ("N115",)), ("16", "CO", ("M51",))])
def test_hash_chosen_denials(carc: str, group: str, rarc: tuple[str, ...]) -> None:
    pcn = next(f"D{i}" for i in range(100_000) if (b := denial_bucket(f"D{i}", RULES)) and b.carc == carc)
    decision = adjudicate_claim(billed(pcn, "MB", [("99213", 12500, 1), ("99457", 6000, 1)]), RULES)
    assert decision.status_code == "4" and decision.paid_cents == 0
    assert [line.adjustments for line in decision.lines] == [
        (Adjustment(group, carc, 12500),),
        (Adjustment(group, carc, 6000),),
    ]
    assert all(line.remark_codes == rarc for line in decision.lines)
    assert decision.patient_responsibility_cents == (18500 if group == "PR" else 0)


def test_service_date_outside_effective_range_is_refused() -> None:
    claim = billed("LATE", "MB", [("99213", 12500, 1)])
    late = replace(claim, lines=(replace(claim.lines[0], service_date=RULES.effective_to + timedelta(days=1)),))
    with pytest.raises(ValueError, match="effective range"):
        adjudicate([late], RULES)


def test_cas_segments_group_by_code_and_split_after_six_triplets() -> None:
    adjustments = [Adjustment("CO", str(n), n) for n in range(1, 8)] + [Adjustment("PR", "1", 500)]
    rows = cas_segments(adjustments)
    assert [r[:2] for r in rows] == [["CAS", "CO"], ["CAS", "CO"], ["CAS", "PR"]]
    assert len(rows[0]) == 2 + 18 and rows[1][2:5] == ["7", "0.07", ""]


# --- 837 parsing -----------------------------------------------------------------------------------


@needs_x12_corpus
def test_parse_837_reads_a_public_sample() -> None:
    [claim] = parse_837_claims(SAMPLE_837.read_text(encoding="ascii"))
    assert (claim.patient_control_number, claim.total_charge_cents, claim.filing_indicator) == (
        "26463774",
        10000,
        "CI",
    )
    assert (claim.payer_id, claim.payer_name) == ("999996666", "KEY INSURANCE COMPANY")
    assert (claim.patient_last_name, claim.patient_first_name, claim.member_id) == (
        "SMITH",
        "TED",
        "JS00111223333",
    )
    assert [(x.code, x.charge_cents, x.units, x.service_date) for x in claim.lines] == [
        ("99213", 4000, Decimal("1.00"), date(2006, 10, 3)),
        ("87070", 1500, Decimal("1.00"), date(2006, 10, 3)),
        ("99214", 3500, Decimal("1.00"), date(2006, 10, 10)),
        ("86663", 1000, Decimal("1.00"), date(2006, 10, 10)),
    ]


def test_parse_837_refuses_inconsistent_claims() -> None:
    text = render_837p([make_claim(1)], envelope(1), SUBMITTER).replace("CLM*TB000001*250.55", "CLM*TB000001*250.56")
    with pytest.raises(Claim837ParseError, match="CLM02 25056"):
        parse_837_claims(text)
    with pytest.raises(Claim837ParseError):
        parse_837_claims("GS*HC*nothing~")


def test_parse_837_gives_back_what_was_rendered() -> None:
    claims = make_claims(0, 30)
    parsed = parse_837_claims(render_837p(claims, envelope(9), SUBMITTER))
    by_pcn = {p.patient_control_number: p for p in parsed}  # the 837 groups claims by billing provider
    assert sorted(by_pcn) == sorted(c.patient_control_number for c in claims) and len(parsed) == len(claims)
    for claim in claims:
        got = by_pcn[claim.patient_control_number]
        assert got.total_charge_cents == claim.total_charge_cents
        assert (got.payer_id, got.billing_provider_npi, got.member_id) == (
            claim.payer_id, claim.billing_provider.npi, claim.member_id)  # fmt: skip
        assert got.patient_last_name == claim.patient.last_name.upper()
        expected = [(x.code, x.modifiers, x.charge_cents, Decimal(x.units), x.date_of_service) for x in claim.lines]
        assert [(x.code, x.modifiers, x.charge_cents, x.units, x.service_date) for x in got.lines] == expected


# --- round trip ------------------------------------------------------------------------------------


def test_999_accepts_every_transaction_and_is_valid() -> None:
    text = render_837p(make_claims(0, 5), envelope(5), SUBMITTER)
    ack = render_999(text, reply_envelope(0))
    rows = [[s.tag, *s.elements] for s in tokenize(ack)[0]]
    assert rows[1][1] == "FA" and rows[1][-1] == "005010X231A1"
    assert ["AK1", "HC", "2005", "005010X222A1"] in rows
    assert ["AK2", "837", "3005", "005010X222A1"] in rows and ["IK5", "A"] in rows
    assert ["AK9", "A", "1", "1", "1"] in rows
    assert pyx12_errors(ack) == []


def test_round_trip_837_to_835() -> None:
    claims = make_claims(0, 40) + extra_claims()
    parsed = parse_837_claims(render_837p(claims, envelope(7), SUBMITTER))
    decisions = adjudicate(parsed, RULES)
    assert {d.status_code for d in decisions} == {"1", "4"}
    seen: list[str] = []
    for n, ((payer_id, npi), batch) in enumerate(remittance_batches(decisions).items()):
        payee = Payee(batch[0].claim.billing_provider_name, npi, "123456789")
        text = render_835(batch, payer_for(payer_id), payee, f"TRACE{n:04d}", date(2026, 3, 9), reply_envelope(n))
        assert pyx12_errors(text) == []
        [rem] = parse_835(text)
        assert (rem.trace_number, rem.payer_id, rem.payee_id, rem.payment_date) == (
            f"TRACE{n:04d}", payer_id, npi, date(2026, 3, 9))  # fmt: skip
        assert balance(rem) == [] and line_problems(rem) == []
        assert rem.payment_cents == sum(d.paid_cents for d in batch)
        for decision, payment in zip(batch, rem.claims, strict=True):
            assert payment.patient_control_number == decision.claim.patient_control_number
            assert payment.paid_cents + total_adjustments_cents(payment) == payment.charge_cents
            assert (payment.charge_cents, payment.paid_cents) == (decision.charge_cents, decision.paid_cents)
            assert payment.patient_responsibility_cents == decision.patient_responsibility_cents
            assert payment.status_code == decision.status_code
        seen += [c.patient_control_number for c in rem.claims]
    assert sorted(seen) == sorted(c.patient_control_number for c in claims)


def test_round_trip_exercises_denials_copays_and_coinsurance() -> None:
    claims = make_claims(0, 40) + extra_claims()
    decisions = adjudicate(parse_837_claims(render_837p(claims, envelope(8), SUBMITTER)), RULES)
    reasons = {(a.group, a.reason) for d in decisions for line in d.lines for a in line.adjustments}
    assert {("CO", "45"), ("PR", "2"), ("PR", "3"), ("CO", "96"), ("CO", "16"), ("PR", "27")} <= reasons
    by_pcn = {d.claim.patient_control_number: d for d in decisions}
    assert by_pcn["RPM-9"].lines[0].allowed_cents == min(by_pcn["RPM-9"].lines[0].line.charge_cents, 2 * 3800)
    assert by_pcn["ACME-3"].claim_filing_code == "HM"


def test_pyx12_does_flag_a_broken_835() -> None:
    decisions = adjudicate(parse_837_claims(render_837p(make_claims(0, 3), envelope(3), SUBMITTER)), RULES)
    text = render_835(decisions, payer_for("PAYER0"), Payee("CLINIC", "1234567893"), "T9", date(2026, 3, 9),
                      reply_envelope(9))  # fmt: skip
    assert pyx12_errors(text) == []
    without_contact = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("PER*BL"))
    assert any("Payer Technical Contact" in e for e in pyx12_errors(without_contact))
    assert any("CLP06" in e for e in pyx12_errors(text.replace("*MB*", "*CI*", 1)))


# --- reprocessing: the payer reverses a payment and pays again ------------------------------------

REPROCESSING = RAW_FEES["reprocessing"]


def reprocessing_claim(lines: list[tuple[str, int, int]], member: str = "REPROC0001") -> BilledClaim:
    return replace(billed(undenied_pcn("RP"), "CI", lines), member_id=member)


def cents_of(decision_line, group: str, reason: str) -> int:  # type: ignore[no-untyped-def]
    return sum(a.amount_cents for a in decision_line.adjustments if (a.group, a.reason) == (group, reason))


def test_a_reprocessed_claim_is_reversed_whole_then_paid_again_out_of_the_contractual_adjustment() -> None:
    [paid] = adjudicate([reprocessing_claim([("99213", 15000, 1), ("99214", 20000, 1)])], RULES)
    reversal, again = reprocessed([paid], RULES)

    assert (reversal.status_code, reversal.payer_claim_number) == ("22", paid.payer_claim_number)
    assert (reversal.charge_cents, reversal.paid_cents, reversal.adjustments_cents) == (
        -paid.charge_cents, -paid.paid_cents, -paid.adjustments_cents)  # fmt: skip
    assert again.status_code == "1" and again.payer_claim_number != paid.payer_claim_number
    group, reason, percent = REPROCESSING["group"], REPROCESSING["carc"], Decimal(REPROCESSING["repaid_percent"])
    for before, after in zip(paid.lines, again.lines, strict=True):
        wanted = int((before.paid_cents * percent / 100).quantize(Decimal(1), "ROUND_HALF_UP")) - before.paid_cents
        raised = min(wanted, cents_of(before, group, reason))
        assert raised > 0 and after.paid_cents - before.paid_cents == raised
        assert cents_of(after, group, reason) == cents_of(before, group, reason) - raised
        assert after.line.charge_cents - sum(a.amount_cents for a in after.adjustments) == after.paid_cents


def test_a_line_without_a_contractual_adjustment_is_paid_again_unchanged() -> None:
    fee = schedule_for(reprocessing_claim([("99213", 1, 1)]), RULES).fees_cents["99213"]
    [paid] = adjudicate([reprocessing_claim([("99213", fee, 1)])], RULES)  # charged at the fee: no CO-45
    _, again = reprocessed([paid], RULES)
    assert cents_of(paid.lines[0], "CO", "45") == 0 and again.lines == paid.lines


def test_only_paid_claims_of_reprocessing_members_are_reprocessed() -> None:
    other = adjudicate([reprocessing_claim([("99213", 15000, 1)], member="W123456789")], RULES)
    denied_pcn = next(f"RPD{i}" for i in range(1000) if denial_bucket(f"RPD{i}", RULES) is not None)
    denied = adjudicate([replace(reprocessing_claim([("99213", 15000, 1)]), patient_control_number=denied_pcn)], RULES)
    assert denied[0].status_code == "4"
    assert reprocessed(other, RULES) == [] and reprocessed(denied, RULES) == []


def test_a_reprocessing_rule_that_would_repay_less_is_refused_at_load() -> None:
    with pytest.raises(ValueError, match="negative check"):
        fee_rules_from_dict({**RAW_FEES, "reprocessing": {**REPROCESSING, "repaid_percent": 90}})


def test_the_reprocessing_835_is_valid_balances_and_reads_back_as_reversal_then_payment() -> None:
    [paid] = adjudicate([reprocessing_claim([("99213", 15000, 1), ("99214", 20000, 1)])], RULES)
    steps = reprocessed([paid], RULES)
    text = render_835(steps, payer_for("P1"), Payee("CLINIC", "1234567893"), "RP01", date(2026, 3, 20),
                      reply_envelope(20))  # fmt: skip
    assert pyx12_errors(text) == []
    [rem] = parse_835(text)
    assert balance(rem) == [] and line_problems(rem) == []
    assert [c.status_code for c in rem.claims] == ["22", "1"]
    assert rem.payment_cents == steps[1].paid_cents - paid.paid_cents > 0
