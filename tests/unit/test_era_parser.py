"""parse_835 / balance against the public linuxforhealth 835 samples, synthetic edge cases and fuzzing."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.remittance.domain.era import (
    Adjustment,
    EraParseError,
    ProviderAdjustment,
    balance,
    line_problems,
    parse_835,
    svc_component_separator,
    total_adjustments_cents,
)
from shared.x12.segments import Separators as Seps
from shared.x12.segments import X12SyntaxError, join_segments, tokenize
from tests.conftest import X12_SAMPLES, corpus_files, needs_x12_corpus

SAMPLES = X12_SAMPLES / "linuxforhealth" / "835_005010X221A1"
SAMPLE_FILES = corpus_files(SAMPLES, "*.835")


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="ascii")


def only(name: str):  # noqa: ANN201 - a Remittance
    remittances = parse_835(sample(name))
    assert len(remittances) == 1
    return remittances[0]


# --- every sample ------------------------------------------------------------------------------

# Hand-computed from the files: (trace, BPR02 cents, Σ CLP04 cents, Σ PLB cents, claim count)
EXPECTED = {
    "cob-contractural-adjustment.835": ("0063158ABC", 3400, 3400, 0, 1),
    "managed-care.835": ("7170066655", 94500, 94500, 0, 2),
    "medicare-part-a.835": ("12345", 15000000, 14999873, -127, 2),
    "secondary-payment.835": ("0012524965", 122200, 122200, 0, 2),
    "tertiary-payment.835": ("0012524879", 18750, 18750, 0, 1),
}


@needs_x12_corpus
def test_all_835_samples_are_covered() -> None:
    assert {p.name for p in SAMPLE_FILES} == set(EXPECTED)


@needs_x12_corpus
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_every_sample_parses_and_balances(path: Path) -> None:
    trace, payment, paid, plb, claim_count = EXPECTED[path.name]
    [rem] = parse_835(path.read_text(encoding="ascii"))
    assert rem.trace_number == trace
    assert rem.payment_cents == payment
    assert sum(c.paid_cents for c in rem.claims) == paid
    assert sum(a.amount_cents for a in rem.provider_adjustments) == plb
    assert len(rem.claims) == claim_count
    assert balance(rem) == []  # all five samples balance at payment and claim level


@needs_x12_corpus
def test_managed_care_claims_and_adjustments() -> None:
    rem = only("managed-care.835")
    assert (rem.payer_name, rem.payer_id, rem.payee_name, rem.payee_id) == (
        "RUSHMORE LIFE", "1935665544", "ACME MEDICAL CENTER", "5544667733")  # fmt: skip
    assert rem.payment_date is None  # BPR16 is 20002316, not a date (sample quirk)
    assert rem.production_date == date(2002, 3, 14)
    first, second = rem.claims
    assert (first.patient_control_number, first.status_code, first.charge_cents, first.paid_cents) == (
        "5554555444", "1", 80000, 45000)  # fmt: skip
    assert (first.patient_responsibility_cents, first.payer_claim_number) == (30000, "94060555410000")
    assert first.adjustments == (Adjustment("CO", "A2", 5000),)
    assert first.lines[0].adjustments == (Adjustment("PR", "1", 30000),)
    assert (first.lines[0].code, first.lines[0].charge_cents, first.lines[0].paid_cents) == (
        "99211",
        80000,
        50000,
    )
    assert first.lines[0].service_date == date(2002, 3, 1)
    assert total_adjustments_cents(second) == 5500 + 60000 + 5000


@needs_x12_corpus
def test_medicare_part_a_plb_and_remarks() -> None:
    rem = only("medicare-part-a.835")
    assert rem.provider_adjustments == (ProviderAdjustment("6543210903", "CV", "CP", -127),)
    # 150000.00 = 138018.40 + 11980.33 − (−1.27)
    assert rem.payment_cents == 13801840 + 1198033 + 127
    assert rem.payer_id == "999"  # no N104 on N1*PR; REF*2U carries it
    assert rem.claims[1].remarks == ("MA02",)
    assert rem.payment_date == date(2002, 9, 13)


@needs_x12_corpus
def test_secondary_payment_svc_uses_its_own_component_separator() -> None:
    rem = only("secondary-payment.835")
    lines = rem.claims[1].lines
    assert [(line.qualifier, line.code, line.modifiers) for line in lines] == [
        ("HC", "12345", ("26",)), ("HC", "66543", ("26",))]  # fmt: skip
    assert lines[1].adjustments == (
        Adjustment("PR", "1", 15000),
        Adjustment("PR", "2", 7000),
        Adjustment("CO", "42", 8500),
    )
    assert rem.claims[0].lines == () and rem.claims[0].adjustments == (Adjustment("OA", "23", 941164),)
    assert line_problems(rem) == []


@needs_x12_corpus
def test_cob_sample_negative_adjustment_and_misplaced_check_date() -> None:
    rem = only("cob-contractural-adjustment.835")
    assert rem.claims[0].lines[0].adjustments == (Adjustment("OA", "23", 51600), Adjustment("OA", "94", -900))
    assert rem.claims[0].lines[0].units == Decimal("1.00")
    assert rem.payment_date is None  # the date sits in BPR15, BPR16 is empty (sample quirk)


@needs_x12_corpus
def test_tertiary_sample_svc_has_no_procedure_code_and_its_line_does_not_balance() -> None:
    # SVC*HC*24599.00*1766.50*187.50**1 : the code was written as its own element, so every
    # amount shifts one place. The claim still balances; the line does not, by exactly:
    # SVC03 176650 − (SVC02 2459900 − CAS 157900) = −2125350 cents.
    rem = only("tertiary-payment.835")
    line = rem.claims[0].lines[0]
    assert (line.qualifier, line.code, line.charge_cents, line.paid_cents) == ("HC", "", 2459900, 176650)
    assert balance(rem) == []
    [problem] = line_problems(rem)
    assert problem.endswith("(difference -2125350 cents)")


# --- synthetic cases ---------------------------------------------------------------------------

ISA = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*PROVIDER       *260301*1200*^*00501*000000001*0*P*:~"


def era(*transactions: str) -> str:
    return (
        ISA + "GS*HP*PAYER*PROVIDER*20260301*1200*1*X*005010X221A1~" + "".join(transactions) + "GE*1*1~IEA*1*000000001~"
    )


def transaction(number: str, body: str) -> str:
    return f"ST*835*{number}~{body}SE*99*{number}~"


HEADER = "BPR*I*{amount}*C*CHK************20260305~TRN*1*{trace}*1999999999~N1*PR*ACME HEALTH*XV*ACME01~"


def test_several_transactions_give_several_remittances() -> None:
    first = HEADER.format(amount="100", trace="T1") + "CLP*A1*1*150*100**12*PCN1~CAS*CO*45*50~"
    second = HEADER.format(amount="0", trace="T2") + "CLP*A2*4*80*0**12*PCN2~CAS*CO*50*80~"
    rems = parse_835(era(transaction("0001", first), transaction("0002", second)))
    assert [(r.trace_number, r.payment_cents, r.payer_id) for r in rems] == [
        ("T1", 10000, "ACME01"),
        ("T2", 0, "ACME01"),
    ]
    assert rems[0].payment_date == date(2026, 3, 5)
    assert [balance(r) for r in rems] == [[], []]


def test_cas_with_six_triplets_and_line_remarks() -> None:
    cas = "CAS*CO*45*1*1*253*2**A1*3**B1*4**B2*5**B3*6~"
    body = HEADER.format(amount="79", trace="T3") + "CLP*A1*1*100*79**MB*X~SVC*HC:99213:95:GT*100*79**1~" + cas
    [rem] = parse_835(era(transaction("0001", body + "LQ*HE*M51~LQ*HE*N130~")))
    line = rem.claims[0].lines[0]
    assert [a.reason for a in line.adjustments] == ["45", "253", "A1", "B1", "B2", "B3"]
    assert sum(a.amount_cents for a in line.adjustments) == 2100
    assert line.adjustments[0].quantity == "1" and line.modifiers == ("95", "GT")
    assert line.remark_codes == ("M51", "N130")
    assert balance(rem) == []


def test_unbalanced_remittance_reports_exact_differences() -> None:
    body = (
        HEADER.format(amount="100.01", trace="T4")
        + "CLP*A1*1*150*100**12*X~CAS*CO*45*49.99~PLB*123*20261231*WO:1*-0.5~"
    )
    [rem] = parse_835(era(transaction("0001", body)))
    problems = balance(rem)
    assert len(problems) == 2
    assert problems[0].endswith("(difference -49 cents)")  # 10001 vs 10000 − (−50)
    assert problems[1].endswith("(difference -1 cents)")  # 15000 − 4999 = 10001 vs 10000


@pytest.mark.parametrize(
    "text,tag,index",
    [
        ("", "", 0),
        ("   \r\n", "", 0),
        ("GS*HP*X~", "GS", 0),
        ("ISA*00*   *00", "ISA", 0),
        (era(transaction("1", HEADER.format(amount="1.2.3", trace="T"))), "BPR", 3),
        (era(transaction("1", HEADER.format(amount="1.005", trace="T"))), "BPR", 3),
        (era(transaction("1", HEADER.format(amount="NaN", trace="T"))), "BPR", 3),
        (era(transaction("1", HEADER.format(amount="1e3", trace="T"))), "BPR", 3),
        (era(transaction("1", "BPR*I*1*C*CHK~TRN*1~")), "TRN", 4),
        (era(transaction("1", HEADER.format(amount="1", trace="T") + "CAS*CO*45*1~")), "CAS", 6),
        (era(transaction("1", HEADER.format(amount="1", trace="T") + "SVC*HC:1*1*1~")), "SVC", 6),
        (era(transaction("1", HEADER.format(amount="1", trace="T") + "CLP**1*1*1~")), "CLP", 6),
        (era(transaction("1", "N1*PR*X~")), "SE", 4),
        (era("ST*837*0001~"), "ST", 2),
        (
            ISA + "GS*HP*A*B*20260301*1200*1*X*005010X221A1~ST*835*1~" + HEADER.format(amount="1", trace="T"),
            "SE",
            6,
        ),
        (ISA + "CLP*A*1*1*1~", "CLP", 1),
        (era(transaction("1", "ST*835*2~")), "ST", 3),
    ],
)
def test_malformed_input_raises_era_parse_error(text: str, tag: str, index: int) -> None:
    with pytest.raises(EraParseError) as raised:
        parse_835(text)
    assert (raised.value.segment_tag, raised.value.segment_index) == (tag, index)


@pytest.mark.parametrize(
    "svc01,declared,expected",
    [
        ("HC>12345>26", ":", ">"),
        ("HC:99213", ":", ":"),
        ("HC", ":", ":"),
        ("99213", ":", ":"),
        ("HC 1", ":", ":"),
    ],
)
def test_svc_component_separator_detection(svc01: str, declared: str, expected: str) -> None:
    assert svc_component_separator(svc01, declared) == expected


# --- fuzzing -----------------------------------------------------------------------------------

SAMPLE_BYTES = [p.read_bytes() for p in SAMPLE_FILES]
X12_PIECES = [
    b"*",
    b"~",
    b":",
    b">",
    b"^",
    b"-",
    b".",
    b"\r\n",
    b"ST*835*1~",
    b"SE*1*1~",
    b"CLP*",
    b"SVC*",
    b"CAS*",
    b"PLB*",
]
payload = st.one_of(st.binary(max_size=3), st.sampled_from(X12_PIECES))
mutation = st.tuples(st.sampled_from(["delete", "insert", "replace"]), st.integers(0, 10_000), payload)


def mutate(data: bytes, edits: list[tuple[str, int, bytes]]) -> bytes:
    for op, at, payload in edits:
        at %= len(data) + 1
        if op == "delete":
            data = data[:at] + data[at + 1 + len(payload) :]
        elif op == "insert":
            data = data[:at] + payload + data[at:]
        else:
            data = data[:at] + payload + data[at + len(payload) :]
    return data


@needs_x12_corpus
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(SAMPLE_BYTES))), st.lists(mutation, min_size=1, max_size=6))
def test_mutated_samples_only_ever_raise_era_parse_error(which: int, edits: list[tuple[str, int, bytes]]) -> None:
    text = mutate(SAMPLE_BYTES[which], edits).decode("latin-1")
    try:
        remittances = parse_835(text)
    except EraParseError:
        return
    assert all(isinstance(balance(r), list) for r in remittances)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ISA*:~^0123456789.-CLPSVCASEBTRN \n", max_size=300))
def test_arbitrary_text_only_ever_raises_era_parse_error(text: str) -> None:
    with contextlib.suppress(EraParseError):
        parse_835(text)


# --- shared/x12 tokenizer (the reader under parse_835; kept here to stay within this change's files) --

# The corpora this reader was written against; `extended/` (what trading partners really send, with
# BOMs and trailing blanks) has its own tests with the leniencies it needs.
CORPORA = SAMPLES.parents[1]
ALL_SAMPLES = sorted(
    p
    for p in corpus_files(CORPORA, "**/*")
    if p.is_file() and p.name not in ("README.md", "LICENSE") and "extended" not in p.relative_to(CORPORA).parts
)
ISA_SAMPLES = [p for p in ALL_SAMPLES if p.read_bytes().lstrip().startswith(b"ISA")]


@needs_x12_corpus
def test_sample_inventory() -> None:
    assert len(ALL_SAMPLES) == 76 and len(ISA_SAMPLES) == 75
    assert [p.name for p in ALL_SAMPLES if p not in ISA_SAMPLES] == ["x12_no_isa_line.txt"]


@needs_x12_corpus
@pytest.mark.parametrize("path", ISA_SAMPLES, ids=lambda p: p.name)
def test_every_isa_sample_tokenizes(path: Path) -> None:
    text = path.read_text(encoding="latin-1")
    segments, seps = tokenize(text)
    assert segments[0].tag == "ISA" and len(segments[0].elements) == 16
    assert segments[0].elements[15] == seps.component
    assert [s.position for s in segments] == list(range(len(segments)))
    assert len(segments) == len([raw for raw in text.split(seps.segment) if raw.strip()])
    if not path.name.endswith(".835.997"):  # those pyx12 outputs stop after AK1 (see pyx12_errors)
        assert segments[-1].tag == "IEA"
    if path.name != "x12_bad_first_line.txt":  # its ISA02 is one space short
        assert (text[103], text[104], text[105]) == (seps.element, seps.component, seps.segment)


@needs_x12_corpus
@pytest.mark.parametrize(
    "name,expected",
    [
        ("x12_valid_different_separators.txt", Seps("~", "^", "_", None)),
        ("x12_277CA_rejected.txt", Seps("*", "|", "~", "^")),
        ("x271.txt", Seps("*", ">", "~", None)),
        ("x12_bad_first_line.txt", Seps("*", ":", "~", None)),
        ("managed-care.835", Seps("*", ":", "~", "^")),
    ],
)
def test_separators_are_detected(name: str, expected: Seps) -> None:
    [path] = [p for p in ISA_SAMPLES if p.name == name]
    assert tokenize(path.read_text(encoding="latin-1"))[1] == expected


@needs_x12_corpus
def test_different_separators_sample_equals_the_default_one() -> None:
    folder = SAMPLES.parents[1] / "imsweb" / "837_5010"
    plain, _ = tokenize((folder / "x12_valid.txt").read_text())
    odd, seps = tokenize((folder / "x12_valid_different_separators.txt").read_text())
    as_default = [tuple(e.replace(seps.component, ":") for e in s.elements) for s in odd[1:]]
    assert as_default == [s.elements for s in plain[1:]]


@needs_x12_corpus
def test_crlf_and_leading_whitespace_are_tolerated() -> None:
    text = sample("managed-care.835")
    noisy = "\r\n  \t" + text.replace("~", "~\r\n")
    assert tokenize(noisy) == tokenize(text)


@needs_x12_corpus
def test_bad_segment_identifiers_are_left_to_the_transaction_parser() -> None:
    path = SAMPLES.parents[1] / "imsweb" / "837_5010" / "x12_bad_segment_identifier.txt"
    tags = [s.tag for s in tokenize(path.read_text())[0]]
    assert {"", "Nd4", "NM31"} <= set(tags)


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "empty input"),
        ("GS*HC*X~", "does not start with ISA"),
        ("ISA", "truncated ISA"),
        (ISA[:60], "truncated ISA"),
        (ISA[:104], "truncated ISA"),
        (ISA.replace("*:~", "*A~"), "unusable ISA separators"),
        (ISA.replace("*:~", "*::"), "unusable ISA separators"),
    ],
)
def test_tokenizer_errors_are_x12_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(X12SyntaxError, match=message) as raised:
        tokenize(text)
    assert raised.value.segment_index == 0


def test_join_segments_round_trips_and_trims_trailing_empties() -> None:
    rows = [["ISA", *ISA[4:-1].split("*")], ["GS", "HP", "A", "", ""], ["SE", "2", "0001"]]
    text = join_segments(rows)
    assert text.endswith("GS*HP*A~SE*2*0001~")
    segments, seps = tokenize(text)
    assert [[s.tag, *s.elements] for s in segments] == [rows[0], ["GS", "HP", "A"], rows[2]]
    assert join_segments([["NM1", "QC", "1"]], Seps("|", "^", "\n", None)) == "NM1|QC|1\n"


@needs_x12_corpus
def test_an_adjustment_group_outside_the_x12_code_list_is_named_with_its_segment() -> None:
    text = (SAMPLES / "managed-care.835").read_text(encoding="ascii").replace("CAS*PR*1*300.00", "CAS*XX*1*300.00")
    with pytest.raises(EraParseError) as raised:
        parse_835(text)
    assert raised.value.segment_tag == "CAS"
    assert "CAS01 'XX' is not a claim adjustment group code (CO, PR, OA, PI, CR)" in str(raised.value)
