"""Parse X12 835 remittance advice (005010X221A1) into plain dataclasses, and check that it balances.

Amounts are integer cents computed from the decimal strings with Decimal; floats never appear.
Anything structurally wrong is an EraParseError that names the segment tag and its index.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import cast

from shared.contracts.events import ADJUSTMENT_GROUPS, AdjustmentGroup
from shared.x12.segments import Segment, X12SyntaxError, parse_amount_cents, parse_decimal, tokenize_leniently

ENVELOPE_TAGS = frozenset({"ISA", "GS", "GE", "IEA", "TA1"})
MAX_CAS_TRIPLETS = 6
MAX_PLB_ADJUSTMENTS = 6


class EraParseError(X12SyntaxError):
    """An 835 that cannot be read, naming the segment and its position."""


@dataclass(frozen=True)
class Adjustment:
    group: AdjustmentGroup
    reason: str  # CARC
    amount_cents: int
    quantity: str = ""


@dataclass(frozen=True)
class LinePayment:
    code: str
    modifiers: tuple[str, ...]
    charge_cents: int
    paid_cents: int
    units: Decimal
    adjustments: tuple[Adjustment, ...] = ()
    remark_codes: tuple[str, ...] = ()
    qualifier: str = ""  # HC, AD, ER, ...
    service_date: date | None = None


@dataclass(frozen=True)
class ClaimPayment:
    patient_control_number: str
    status_code: str
    charge_cents: int
    paid_cents: int
    patient_responsibility_cents: int
    payer_claim_number: str
    adjustments: tuple[Adjustment, ...] = ()
    lines: tuple[LinePayment, ...] = ()
    remarks: tuple[str, ...] = ()  # MIA / MOA remark codes
    filing_indicator: str = ""
    crossover_payer: str = ""  # NM1*TT: the payer this claim was forwarded to (secondary crossover)


@dataclass(frozen=True)
class ProviderAdjustment:
    provider_id: str
    reason_code: str
    reference: str
    amount_cents: int


@dataclass(frozen=True)
class Remittance:
    trace_number: str
    payer_name: str
    payer_id: str
    payment_cents: int
    payment_date: date | None  # BPR16; None when absent or not a real date
    claims: tuple[ClaimPayment, ...] = ()
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()
    payee_name: str = ""
    payee_id: str = ""
    production_date: date | None = None  # DTM*405
    leniencies: tuple[str, ...] = ()  # what the reading accepted that a strict one would refuse


@dataclass
class _Transaction:
    """Mutable accumulator while walking one ST..SE; frozen into a Remittance at SE."""

    trace_number: str = ""
    originator: str = ""  # TRN03
    payment_cents: int | None = None
    payment_date: date | None = None
    production_date: date | None = None
    party: str = ""  # the N1 loop we are in: PR payer, PE payee
    names: dict[str, str] = field(default_factory=dict)  # N102 by party
    ids: dict[str, str] = field(default_factory=dict)  # N104 by party, plus "2U" from REF*2U
    claims: list[ClaimPayment] = field(default_factory=list)
    lines: list[LinePayment] = field(default_factory=list)
    plb: list[ProviderAdjustment] = field(default_factory=list)
    claim: ClaimPayment | None = None
    line: LinePayment | None = None


def parse_835(text: str) -> list[Remittance]:
    try:
        tokens = tokenize_leniently(text)
    except X12SyntaxError as error:
        raise EraParseError(error.message, error.segment_index, error.segment_tag) from error
    found = _Walker(tokens.separators.component).walk(tokens.segments)
    return [replace(remittance, leniencies=tokens.leniencies) for remittance in found]


class _Walker:
    def __init__(self, component: str) -> None:
        self.component = component
        self.remittances: list[Remittance] = []
        self.current: _Transaction | None = None

    def walk(self, segments: list[Segment]) -> list[Remittance]:
        for segment in segments:
            self._guarded(segment)
        if self.current is not None:
            raise EraParseError("transaction set not closed by SE", len(segments), "SE")
        return self.remittances

    def _guarded(self, segment: Segment) -> None:
        try:
            self._dispatch(segment)
        except EraParseError:
            raise
        except (ValueError, ArithmeticError) as error:
            raise EraParseError(str(error), segment.position, segment.tag) from error

    def _dispatch(self, segment: Segment) -> None:
        if segment.tag in ENVELOPE_TAGS:
            return self._outside_transaction(segment)
        if segment.tag == "ST":
            return self._start(segment)
        if self.current is None:
            raise EraParseError("segment outside an ST/SE transaction", segment.position, segment.tag)
        if segment.tag == "SE":
            return self._finish()
        handler = _HANDLERS.get(segment.tag)
        if handler is not None:
            handler(self.current, segment, self.component)
        return None

    def _outside_transaction(self, segment: Segment) -> None:
        if self.current is not None:
            raise EraParseError("envelope segment inside a transaction (missing SE)", segment.position, segment.tag)

    def _start(self, segment: Segment) -> None:
        if self.current is not None:
            raise EraParseError("ST inside an open transaction (missing SE)", segment.position, segment.tag)
        if segment.element(1) != "835":
            raise EraParseError(f"not an 835 transaction: ST01={segment.element(1)!r}", segment.position, "ST")
        self.current = _Transaction()

    def _finish(self) -> None:
        assert self.current is not None
        _close_claim(self.current)
        self.remittances.append(_remittance(self.current))
        self.current = None


# --- header ------------------------------------------------------------------------------------


def _bpr(tx: _Transaction, segment: Segment, _: str) -> None:
    tx.payment_cents = _cents(segment, 2, required=True)
    tx.payment_date = _date_or_none(segment.element(16))


def _trn(tx: _Transaction, segment: Segment, _: str) -> None:
    tx.trace_number = _required(segment, 2)
    tx.originator = segment.element(3)


def _dtm(tx: _Transaction, segment: Segment, _: str) -> None:
    if segment.element(1) == "405" and tx.claim is None:
        tx.production_date = _date_or_none(segment.element(2))
    elif segment.element(1) in ("472", "150") and tx.line is not None and tx.line.service_date is None:
        # 472 is the service date; 150 starts a service period (managed-care.835 uses 150/151).
        tx.line = replace(tx.line, service_date=_date_or_none(segment.element(2)))


def _n1(tx: _Transaction, segment: Segment, _: str) -> None:
    role = segment.element(1)
    tx.party = role
    tx.names[role] = segment.element(2)
    tx.ids[role] = segment.element(4)


def _ref(tx: _Transaction, segment: Segment, _: str) -> None:
    # REF*2U is the payer's identifier; it sits in the payer (1000A) loop.
    if segment.element(1) == "2U" and tx.party == "PR" and tx.claim is None:
        tx.ids["2U"] = segment.element(2)


def _remittance(tx: _Transaction) -> Remittance:
    if tx.payment_cents is None or not tx.trace_number:
        raise ValueError("835 transaction lacks BPR or TRN")
    return Remittance(
        trace_number=tx.trace_number,
        payer_name=tx.names.get("PR", ""),
        payer_id=_payer_id(tx),
        payment_cents=tx.payment_cents,
        payment_date=tx.payment_date,
        claims=tuple(tx.claims),
        provider_adjustments=tuple(tx.plb),
        payee_name=tx.names.get("PE", ""),
        payee_id=tx.ids.get("PE", ""),
        production_date=tx.production_date,
    )


def _payer_id(tx: _Transaction) -> str:
    """N1*PR's N104 when present, else REF*2U, else TRN03 (the payer's '1' + TIN)."""
    return tx.ids.get("PR") or tx.ids.get("2U") or tx.originator


# --- claims and lines --------------------------------------------------------------------------


def _clp(tx: _Transaction, segment: Segment, _: str) -> None:
    _close_claim(tx)
    tx.claim = ClaimPayment(
        patient_control_number=_required(segment, 1),
        status_code=_required(segment, 2),
        charge_cents=_cents(segment, 3, required=True),
        paid_cents=_cents(segment, 4, required=True),
        patient_responsibility_cents=_cents(segment, 5),
        payer_claim_number=segment.element(7),
        filing_indicator=segment.element(6),
    )


def _close_claim(tx: _Transaction) -> None:
    _close_line(tx)
    if tx.claim is not None:
        tx.claims.append(replace(tx.claim, lines=tuple(tx.lines)))
    tx.claim, tx.lines = None, []


def _svc(tx: _Transaction, segment: Segment, component: str) -> None:
    if tx.claim is None:
        raise ValueError("SVC before any CLP")
    _close_line(tx)
    svc01 = _required(segment, 1)
    separator = svc_component_separator(svc01, component)
    qualifier, code, *modifiers = (svc01.split(separator) + [""])[:6]
    tx.line = LinePayment(
        code=code,
        modifiers=tuple(m for m in modifiers if m),
        charge_cents=_cents(segment, 2, required=True),
        paid_cents=_cents(segment, 3, required=True),
        units=parse_decimal(segment.element(5) or "1"),
        qualifier=qualifier,
    )


def svc_component_separator(svc01: str, declared: str) -> str:
    """Some payers write SVC01 with their own component separator (linuxforhealth secondary-payment.835).

    If none of the declared separator occurs but SVC01 starts with a two-letter qualifier followed
    by punctuation, that punctuation is the separator actually used.
    """
    if declared in svc01 or len(svc01) < 3:
        return declared
    candidate = svc01[2]
    looks_qualified = svc01[:2].isalpha() and not candidate.isalnum() and not candidate.isspace()
    return candidate if looks_qualified else declared


def _close_line(tx: _Transaction) -> None:
    if tx.line is not None:
        tx.lines.append(tx.line)
    tx.line = None


def _cas(tx: _Transaction, segment: Segment, _: str) -> None:
    found = _cas_adjustments(segment)
    if tx.line is not None:
        tx.line = replace(tx.line, adjustments=tx.line.adjustments + found)
    elif tx.claim is not None:
        tx.claim = replace(tx.claim, adjustments=tx.claim.adjustments + found)
    else:
        raise ValueError("CAS outside a claim")


def _cas_adjustments(segment: Segment) -> tuple[Adjustment, ...]:
    group = _adjustment_group(_required(segment, 1))
    adjustments = []
    for triplet in range(MAX_CAS_TRIPLETS):
        reason_at = 2 + 3 * triplet
        if segment.element(reason_at):
            amount = _cents(segment, reason_at + 1, required=True)
            adjustments.append(Adjustment(group, segment.element(reason_at), amount, segment.element(reason_at + 2)))
    if not adjustments:
        raise ValueError("CAS without any reason/amount")
    return tuple(adjustments)


def _adjustment_group(code: str) -> AdjustmentGroup:
    if code not in ADJUSTMENT_GROUPS:
        raise ValueError(f"CAS01 {code!r} is not a claim adjustment group code ({', '.join(ADJUSTMENT_GROUPS)})")
    return cast(AdjustmentGroup, code)


def _lq(tx: _Transaction, segment: Segment, _: str) -> None:
    if tx.line is not None and segment.element(2):
        tx.line = replace(tx.line, remark_codes=tx.line.remark_codes + (segment.element(2),))


def _claim_remarks(tx: _Transaction, codes: list[str]) -> None:
    if tx.claim is None:
        raise ValueError("claim remark segment outside a claim")
    tx.claim = replace(tx.claim, remarks=tx.claim.remarks + tuple(c for c in codes if c))


def _mia(tx: _Transaction, segment: Segment, _: str) -> None:
    _claim_remarks(tx, [segment.element(n) for n in (5, 20, 21, 22, 23)])


def _moa(tx: _Transaction, segment: Segment, _: str) -> None:
    _claim_remarks(tx, [segment.element(n) for n in (3, 4, 5, 6, 7)])


def _plb(tx: _Transaction, segment: Segment, component: str) -> None:
    _close_claim(tx)
    provider = _required(segment, 1)
    for pair in range(MAX_PLB_ADJUSTMENTS):
        reason_at = 3 + 2 * pair
        if segment.element(reason_at):
            reason, reference = (segment.element(reason_at).split(component, 1) + [""])[:2]
            amount = _cents(segment, reason_at + 1, required=True)
            tx.plb.append(ProviderAdjustment(provider, reason, reference, amount))


def _nm1(tx: _Transaction, segment: Segment, _: str) -> None:
    """Only NM1*TT matters here: the crossover carrier a claim was forwarded to."""
    if segment.element(1) == "TT" and tx.claim is not None and tx.line is None:
        tx.claim = replace(tx.claim, crossover_payer=segment.element(3) or segment.element(9))


_HANDLERS = {
    "BPR": _bpr, "TRN": _trn, "DTM": _dtm, "N1": _n1, "REF": _ref, "CLP": _clp, "SVC": _svc,
    "CAS": _cas, "LQ": _lq, "MIA": _mia, "MOA": _moa, "PLB": _plb, "NM1": _nm1,
}  # fmt: skip


# --- element helpers ---------------------------------------------------------------------------


def _required(segment: Segment, number: int) -> str:
    value = segment.element(number)
    if not value:
        raise EraParseError(f"{segment.tag}{number:02d} is required", segment.position, segment.tag)
    return value


def _cents(segment: Segment, number: int, required: bool = False) -> int:
    value = _required(segment, number) if required else segment.element(number)
    return parse_amount_cents(value) if value else 0


def _date_or_none(value: str) -> date | None:
    try:
        return datetime.strptime(value, "%Y%m%d").date() if len(value) == 8 else None
    except ValueError:
        return None


# --- balancing ---------------------------------------------------------------------------------


def balance(rem: Remittance) -> list[str]:
    """Problems, empty when the remittance balances: BPR02 = ΣCLP04 − ΣPLB and, per claim,
    CLP03 − Σ CAS (claim and line level) = CLP04."""
    problems = [_claim_problem(rem.trace_number, claim) for claim in rem.claims]
    return [p for p in [_payment_problem(rem), *problems] if p]


def _payment_problem(rem: Remittance) -> str:
    paid = sum(c.paid_cents for c in rem.claims)
    provider_adjusted = sum(a.amount_cents for a in rem.provider_adjustments)
    expected = paid - provider_adjusted
    if expected == rem.payment_cents:
        return ""
    return (f"{rem.trace_number}: BPR02 {rem.payment_cents} != ΣCLP04 {paid} − ΣPLB {provider_adjusted}"
            f" (difference {rem.payment_cents - expected} cents)")  # fmt: skip


def _claim_problem(trace_number: str, claim: ClaimPayment) -> str:
    adjusted = total_adjustments_cents(claim)
    expected = claim.charge_cents - adjusted
    if expected == claim.paid_cents:
        return ""
    return (f"{trace_number}/{claim.patient_control_number}: CLP03 {claim.charge_cents} − ΣCAS {adjusted}"
            f" != CLP04 {claim.paid_cents} (difference {claim.paid_cents - expected} cents)")  # fmt: skip


def line_problems(rem: Remittance) -> list[str]:
    """Not part of balance(): per service line SVC02 − Σ line CAS = SVC03."""
    return [
        f"{rem.trace_number}/{claim.patient_control_number} line {number}: SVC02 {line.charge_cents}"
        f" − ΣCAS {_sum(line.adjustments)} != SVC03 {line.paid_cents}"
        f" (difference {line.paid_cents - (line.charge_cents - _sum(line.adjustments))} cents)"
        for claim in rem.claims
        for number, line in enumerate(claim.lines, start=1)
        if line.charge_cents - _sum(line.adjustments) != line.paid_cents
    ]


def _sum(adjustments: tuple[Adjustment, ...]) -> int:
    return sum(a.amount_cents for a in adjustments)


def total_adjustments_cents(claim: ClaimPayment) -> int:
    line_adjustments = (a for line in claim.lines for a in line.adjustments)
    return sum(a.amount_cents for a in (*claim.adjustments, *line_adjustments))
