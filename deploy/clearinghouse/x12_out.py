"""The simulated clearinghouse/payer's X12 side: read 837P claims, answer with a 999 and an 835.

Pure text in, text out; the shared tokenizer does the framing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from deploy.clearinghouse.adjudicate import (
    Adjustment,
    BilledClaim,
    BilledLine,
    ClaimDecision,
    LineDecision,
    payer_claim_number,
)
from services.claims.domain.claim import Address, Envelope
from shared.x12.segments import (
    DEFAULT_SEPARATORS,
    Segment,
    X12SyntaxError,
    clean_text,
    composite,
    format_amount,
    isa_segment,
    join_segments,
    parse_amount_cents,
    parse_decimal,
    tokenize,
)

REMITTANCE_GUIDE = "005010X221A1"
ACK_GUIDE = "005010X231A1"
MAX_CAS_TRIPLETS = 6
Row = list[str]


class Claim837ParseError(X12SyntaxError):
    """An 837 the simulator cannot read, naming the segment and its position."""


# --- 837P in ---------------------------------------------------------------------------------------


_UNDATED = date.min  # an SV1 whose DTP*472 has not been read yet


@dataclass(frozen=True)
class _OpenClaim:
    patient_control_number: str
    total_cents: int
    frequency_code: str


@dataclass
class _Reading:
    component: str
    billing_provider: tuple[str, str] = ("", "")  # NPI, name
    payer_id: str = ""
    payer_name: str = ""
    filing_indicator: str = ""
    subscriber: tuple[str, str, str] = ("", "", "")  # last, first, member id
    patient: tuple[str, str] | None = None
    claim: _OpenClaim | None = None
    lines: list[BilledLine] = field(default_factory=list)
    done: list[BilledClaim] = field(default_factory=list)


def parse_837_claims(text: str) -> list[BilledClaim]:
    try:
        segments, separators = tokenize(text)
    except X12SyntaxError as error:
        raise Claim837ParseError(error.message, error.segment_index, error.segment_tag) from error
    reading = _Reading(separators.component)
    for segment in segments:
        _read_guarded(reading, segment)
    _close_claim(reading)
    return reading.done


def _read_guarded(reading: _Reading, segment: Segment) -> None:
    try:
        _read(reading, segment)
    except Claim837ParseError:
        raise
    except (ValueError, ArithmeticError) as error:
        raise Claim837ParseError(str(error), segment.position, segment.tag) from error


def _read(reading: _Reading, segment: Segment) -> None:
    tag, qualifier = segment.tag, segment.element(1)
    if tag in ("HL", "SE"):
        _close_claim(reading)
        if tag == "HL" and segment.element(3) == "22":
            reading.patient = None
    elif tag == "SBR":
        reading.filing_indicator = segment.element(9)
    elif tag == "NM1" and qualifier in ("85", "IL", "QC", "PR"):
        _read_name(reading, segment)
    elif tag == "CLM":
        _start_claim(reading, segment)
    elif tag == "SV1":
        _read_line(reading, segment)
    elif tag == "DTP" and qualifier == "472" and reading.lines:
        reading.lines[-1] = _dated(reading.lines[-1], segment.element(3))


def _read_name(reading: _Reading, segment: Segment) -> None:
    last, first = segment.element(3), segment.element(4)
    if segment.element(1) == "85":
        reading.billing_provider = (segment.element(9), last)
    elif segment.element(1) == "IL":
        reading.subscriber = (last, first, segment.element(9))
    elif segment.element(1) == "QC":
        reading.patient = (last, first)
    else:
        reading.payer_name, reading.payer_id = last, segment.element(9)


def _start_claim(reading: _Reading, segment: Segment) -> None:
    _close_claim(reading)
    pcn = segment.element(1)
    if not pcn:
        raise ValueError("CLM01 is required")
    frequency = (segment.components(5, reading.component) + ("", "", ""))[2]
    reading.claim = _OpenClaim(pcn, parse_amount_cents(segment.element(2)), frequency or "1")


def _read_line(reading: _Reading, segment: Segment) -> None:
    if reading.claim is None:
        raise ValueError("SV1 outside a claim")
    qualifier, code, *modifiers = segment.components(1, reading.component) + ("",)
    if qualifier != "HC" or not code:
        raise ValueError(f"SV101 must be HC:code, got {segment.element(1)!r}")
    charge, units = parse_amount_cents(segment.element(2)), parse_decimal(segment.element(4) or "1")
    reading.lines.append(BilledLine(code, tuple(m for m in modifiers if m), charge, units, _UNDATED))


def _dated(line: BilledLine, value: str) -> BilledLine:
    day = datetime.strptime(value.split("-")[0], "%Y%m%d").date()
    return BilledLine(line.code, line.modifiers, line.charge_cents, line.units, day)


def _close_claim(reading: _Reading) -> None:
    if reading.claim is None:
        return
    claim, lines = reading.claim, tuple(reading.lines)
    reading.claim, reading.lines = None, []
    _check_claim(claim, lines)
    last, first = reading.patient or reading.subscriber[:2]
    reading.done.append(BilledClaim(
        claim.patient_control_number, reading.payer_id, reading.payer_name, reading.filing_indicator,
        claim.total_cents, lines, last, first, reading.subscriber[2], claim.frequency_code,
        *reading.billing_provider,
    ))  # fmt: skip


def _check_claim(claim: _OpenClaim, lines: tuple[BilledLine, ...]) -> None:
    pcn, total = claim.patient_control_number, claim.total_cents
    if not lines:
        raise ValueError(f"claim {pcn} has no service lines")
    if any(line.service_date == _UNDATED for line in lines):
        raise ValueError(f"claim {pcn} has a line without DTP*472")
    if total != sum(line.charge_cents for line in lines):
        raise ValueError(f"claim {pcn}: CLM02 {total} != sum of SV102 {sum(x.charge_cents for x in lines)}")


def remittance_batches(decisions: Sequence[ClaimDecision]) -> dict[tuple[str, str], list[ClaimDecision]]:
    """An 835 goes from one payer to one payee: decisions keyed by (payer id, billing provider NPI)."""
    batches: dict[tuple[str, str], list[ClaimDecision]] = {}
    for decision in decisions:
        key = (decision.claim.payer_id, decision.claim.billing_provider_npi)
        batches.setdefault(key, []).append(decision)
    return batches


# --- 999 out -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ReceivedGroup:
    functional_id: str
    control_number: str
    version: str
    transactions: tuple[tuple[str, str], ...]  # (ST01, ST02)


def render_999(received_text: str, envelope: Envelope, reject: bool = False) -> str:
    """Accept every functional group and transaction set of the received interchange, or (for
    tests and drills) reject them all with a segment error."""
    groups = _received_groups(received_text)
    transactions = [_ack_transaction(group, f"{n:04d}", reject) for n, group in enumerate(groups, start=1)]
    body = [row for rows in transactions for row in rows]
    return _interchange(body, "FA", ACK_GUIDE, envelope, transaction_count=len(transactions))


def _received_groups(text: str) -> list[_ReceivedGroup]:
    segments, _ = tokenize(text)
    groups: list[_ReceivedGroup] = []
    for segment in segments:
        if segment.tag == "GS":
            groups.append(_ReceivedGroup(segment.element(1), segment.element(6), segment.element(8), ()))
        elif segment.tag == "ST" and groups:
            last = groups[-1]
            transaction = (segment.element(1), segment.element(2))
            groups[-1] = _ReceivedGroup(last.functional_id, last.control_number, last.version,
                                        last.transactions + (transaction,))  # fmt: skip
    return groups


def _ack_transaction(group: _ReceivedGroup, st02: str, reject: bool = False) -> list[Row]:
    body: list[Row] = [["AK1", group.functional_id, group.control_number, group.version]]
    for set_id, control in group.transactions:
        body.append(["AK2", set_id, control, group.version])
        body += (
            [["IK3", "NM1", "9", "2010AA", "8"], ["IK4", "9", "", "7"], ["IK5", "R", "5"]] if reject else [["IK5", "A"]]
        )
    count = str(len(group.transactions))
    body.append(["AK9", "R", count, count, "0"] if reject else ["AK9", "A", count, count, count])
    return [["ST", "999", st02, ACK_GUIDE], *body, ["SE", str(len(body) + 2), st02]]


# --- 277CA out -----------------------------------------------------------------------------------------

CLAIM_ACK_GUIDE = "005010X214"


@dataclass(frozen=True)
class ClaimAcknowledgement:
    claim: BilledClaim
    accepted: bool
    status: str  # STC01 composite, e.g. "A2:20" or "A7:164:IL"


def render_277ca(acks: Sequence[ClaimAcknowledgement], interchange: str, payer: Payer, envelope: Envelope) -> str:
    """One 277CA for one received interchange: the batch totals, then each claim's status."""
    day = _ymd(datetime.fromisoformat(envelope.created_at_iso).date())
    accepted = [a for a in acks if a.accepted]
    first = acks[0].claim
    total = format_amount(sum(a.claim.total_charge_cents for a in acks))
    provider = _text(first.billing_provider_name or "PROVIDER")
    body: list[Row] = [
        ["BHT", "0085", "08", interchange, day, "1200", "TH"],
        ["HL", "1", "", "20", "1"], ["NM1", "PR", "2", _text(payer.name), "", "", "", "", "PI", payer.payer_id],
        ["TRN", "1", interchange], ["DTP", "050", "D8", day], ["DTP", "009", "D8", day],
        ["HL", "2", "1", "21", "1"], ["NM1", "41", "2", "SUBMITTER", "", "", "", "", "46", envelope.receiver_id],
        ["TRN", "2", interchange], ["STC", "A1:19", day, "WQ", total],
        ["QTY", "90", str(len(accepted))], ["QTY", "AA", str(len(acks) - len(accepted))],
        ["HL", "3", "2", "19", "1"],
        ["NM1", "85", "2", provider, "", "", "", "", "XX", first.billing_provider_npi],
    ]  # fmt: skip
    for n, ack in enumerate(acks, start=4):
        body += _claim_status(ack, n, day)
    st = ["ST", "277", "0001", CLAIM_ACK_GUIDE]
    return _interchange([st, *body, ["SE", str(len(body) + 2), "0001"]], "HN", CLAIM_ACK_GUIDE, envelope, 1)


def _claim_status(ack: ClaimAcknowledgement, number: int, day: str) -> list[Row]:
    claim = ack.claim
    last, first = _text(claim.patient_last_name), _text(claim.patient_first_name)
    rows: list[Row] = [
        ["HL", str(number), "3", "PT"],
        ["NM1", "QC", "1", last, first, "", "", "", "MI", claim.member_id],
        ["TRN", "2", claim.patient_control_number],
        ["STC", ack.status, day, "WQ" if ack.accepted else "U", format_amount(claim.total_charge_cents)],
    ]  # fmt: skip
    if ack.accepted:
        rows.append(["REF", "1K", payer_claim_number(claim.patient_control_number)])
    return rows


# --- 835 out -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payer:
    name: str
    payer_id: str  # REF*2U
    tax_id: str  # TRN03 is "1" + this 9-digit TIN
    address: Address
    contact_name: str
    contact_phone: str


@dataclass(frozen=True)
class Payee:
    name: str
    npi: str
    tax_id: str | None = None


def render_835(
    decisions: Sequence[ClaimDecision],
    payer: Payer,
    payee: Payee,
    trace_number: str,
    payment_date: date,
    envelope: Envelope,
) -> str:
    body = _remittance_header(decisions, payer, payee, trace_number, payment_date)
    body += [["LX", "1"]] if decisions else []
    for decision in decisions:
        body += _claim_payment(decision)
    st02 = f"{envelope.transaction_set_control_number:04d}"
    transaction = [["ST", "835", st02], *body, ["SE", str(len(body) + 2), st02]]
    return _interchange(transaction, "HP", REMITTANCE_GUIDE, envelope, transaction_count=1)


def _remittance_header(
    decisions: Sequence[ClaimDecision], payer: Payer, payee: Payee, trace_number: str, paid_on: date
) -> list[Row]:
    total = sum(d.paid_cents for d in decisions)
    rows = [_bpr(total, paid_on), ["TRN", "1", trace_number, "1" + _digits(payer.tax_id)],
            ["DTM", "405", _ymd(paid_on)]]  # fmt: skip
    rows += _payer_rows(payer)
    rows.append(["N1", "PE", _text(payee.name), "XX", payee.npi])
    return rows + ([["REF", "TJ", _digits(payee.tax_id)]] if payee.tax_id else [])


def _bpr(total_cents: int, paid_on: date) -> Row:
    # A zero-dollar remittance is "notification only" with no payment method.
    handling, method = ("I", "CHK") if total_cents else ("H", "NON")
    return ["BPR", handling, format_amount(total_cents), "C", method, *([""] * 11), _ymd(paid_on)]


def _payer_rows(payer: Payer) -> list[Row]:
    address = payer.address
    n3 = ["N3", _text(address.line1)] + ([_text(address.line2)] if address.line2 else [])
    return [
        ["N1", "PR", _text(payer.name)],
        n3,
        ["N4", _text(address.city), address.state.upper(), _digits(address.postal_code)],
        ["REF", "2U", payer.payer_id],
        ["PER", "BL", _text(payer.contact_name), "TE", _digits(payer.contact_phone)],
    ]


def _claim_payment(decision: ClaimDecision) -> list[Row]:
    claim = decision.claim
    responsibility = decision.patient_responsibility_cents
    clp = ["CLP", claim.patient_control_number, decision.status_code, format_amount(decision.charge_cents),
           format_amount(decision.paid_cents), format_amount(responsibility) if responsibility else "",
           decision.claim_filing_code, decision.payer_claim_number]  # fmt: skip
    patient = ["NM1", "QC", "1", _text(claim.patient_last_name), _text(claim.patient_first_name), "", "", "",
               "MI", claim.member_id]  # fmt: skip
    rows = [clp, patient]
    for line in decision.lines:
        rows += _service_payment(line)
    return rows


def _service_payment(decision: LineDecision) -> list[Row]:
    line = decision.line
    procedure = composite(["HC", line.code, *line.modifiers])
    units = "" if line.units == 1 else _decimal_text(line.units)
    amounts = [format_amount(line.charge_cents), format_amount(decision.paid_cents)]
    rows = [["SVC", procedure, *amounts, "", units], ["DTM", "472", _ymd(line.service_date)]]
    rows += cas_segments(decision.adjustments)
    if decision.allowed_cents:
        rows.append(["AMT", "B6", format_amount(decision.allowed_cents)])
    return rows + [["LQ", "HE", code] for code in decision.remark_codes]


def cas_segments(adjustments: Sequence[Adjustment]) -> list[Row]:
    """One CAS per group code, at most six reason/amount/quantity triplets each."""
    by_group: dict[str, list[Adjustment]] = {}
    for adjustment in adjustments:
        by_group.setdefault(adjustment.group, []).append(adjustment)
    rows = []
    for group, items in by_group.items():
        for start in range(0, len(items), MAX_CAS_TRIPLETS):
            rows.append(["CAS", group, *_triplets(items[start : start + MAX_CAS_TRIPLETS])])
    return rows


def _triplets(adjustments: Sequence[Adjustment]) -> list[str]:
    values: list[str] = []
    for adjustment in adjustments:
        values += [adjustment.reason, format_amount(adjustment.amount_cents), ""]
    return values


# --- shared envelope ---------------------------------------------------------------------------------


def _interchange(transactions: list[Row], functional_id: str, guide: str, envelope: Envelope,
                 transaction_count: int) -> str:  # fmt: skip
    stamp = datetime.fromisoformat(envelope.created_at_iso)
    group = str(envelope.group_control_number)
    isa = isa_segment(envelope.sender_id, envelope.receiver_id, envelope.interchange_control_number,
                      stamp.strftime("%y%m%d"), stamp.strftime("%H%M"), envelope.usage_indicator)  # fmt: skip
    gs = ["GS", functional_id, envelope.sender_id, envelope.receiver_id, stamp.strftime("%Y%m%d"),
          stamp.strftime("%H%M"), group, "X", guide]  # fmt: skip
    trailer = [["GE", str(transaction_count), group], ["IEA", "1", isa[13]]]
    return join_segments([isa, gs, *transactions, *trailer], DEFAULT_SEPARATORS, newline="\n")


def _text(value: str) -> str:
    return clean_text(value, DEFAULT_SEPARATORS)


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def _ymd(value: date) -> str:
    return value.strftime("%Y%m%d")


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")
