"""The X12 271 eligibility response (005010X279A1), parsed into typed facts. Pure.

Reads what the benefits decision needs: who the payer answered for, each EB benefit with its
service types, amounts, network indicator, procedure modifiers, places of service (III*ZZ) and
dates, and every AAA rejection. Malformed input raises `Eligibility271ParseError` naming the
segment; anything else about versions is recorded, not judged (the imsweb sample mixes an ISA
00401 and a 004010 GS with a 005010X279A1 ST).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from shared.x12.segments import Segment, X12SyntaxError, parse_amount_cents, parse_decimal, tokenize_leniently


class Eligibility271ParseError(X12SyntaxError):
    """A 271 that cannot be read; names the segment and its position."""


@dataclass(frozen=True)
class Rejection:
    code: str
    follow_up: str
    level: str  # payer | receiver | subscriber | dependent | benefit


@dataclass
class Benefit:
    info: str
    coverage_level: str
    service_types: tuple[str, ...]
    insurance_type: str
    plan_name: str
    time_period: str
    amount_cents: int | None
    percent: Decimal | None
    in_network: str
    procedure: tuple[str, ...]
    places_of_service: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    dates: dict[str, tuple[date, date]] = field(default_factory=dict)

    @property
    def modifiers(self) -> tuple[str, ...]:
        return self.procedure[2:] if len(self.procedure) > 2 else ()


@dataclass
class Member:
    role: str  # subscriber | dependent
    member_id: str = ""
    last_name: str = ""
    first_name: str = ""
    birth_date: date | None = None
    dates: dict[str, tuple[date, date]] = field(default_factory=dict)
    benefits: list[Benefit] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


@dataclass
class Response271:
    interchange_control_number: str = ""
    interchange_version: str = ""
    transaction_version: str = ""
    payer_id: str = ""
    payer_name: str = ""
    provider_npi: str = ""
    trace_numbers: list[str] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    leniencies: tuple[str, ...] = ()  # what the reading accepted that a strict one would refuse

    @property
    def patient(self) -> Member | None:
        """The person the benefits are about: the dependent when there is one."""
        candidates = [m for m in self.members if m.role == "dependent"] or self.members
        return candidates[-1] if candidates else None

    def all_rejections(self) -> list[Rejection]:
        found = list(self.rejections)
        for member in self.members:
            found += member.rejections
        return found


@dataclass
class Reader:
    """Walks the segments once; `level` is the HL level code (20 payer, 21 receiver, 22, 23). A batch
    reply (several ST transactions, or several subscribers in one) gives one response per subscriber,
    each with the payer, receiver and their rejections of its own transaction."""

    response: Response271 = field(default_factory=Response271)
    responses: list[Response271] = field(default_factory=list)
    component: str = ":"
    repetition: str | None = "^"
    level: str = ""
    member: Member | None = None
    benefit: Benefit | None = None
    in_related_entity: bool = False
    seen_st: bool = False


def parse_271(text: str, trace_number: str | None = None) -> Response271:
    """The one response that answers an inquiry: the only one, or the one echoing `trace_number`."""
    responses = parse_271_responses(text)
    if len(responses) == 1:
        return responses[0]
    answering = [r for r in responses if trace_number and trace_number in r.trace_numbers]
    if len(answering) == 1:
        return answering[0]
    raise Eligibility271ParseError(
        f"{len(responses)} responses in one 271 and {len(answering)} of them echo this inquiry's trace", 0, "TRN"
    )


def parse_271_responses(text: str) -> list[Response271]:
    """Every response of an interchange, one per subscriber (its dependents with it)."""
    try:
        tokens = tokenize_leniently(text)
    except X12SyntaxError as error:
        raise Eligibility271ParseError(error.message, error.segment_index, error.segment_tag) from error
    reader = Reader(component=tokens.separators.component, repetition=tokens.separators.repetition)
    for segment in tokens.segments:
        read_segment(reader, segment)
    if not reader.seen_st:
        raise Eligibility271ParseError("no ST*271 transaction in the interchange", len(tokens.segments), "")
    found = [response for response in reader.responses if response.members] or reader.responses[-1:]
    return [replace(response, leniencies=tokens.leniencies) for response in found]


def read_segment(reader: Reader, segment: Segment) -> None:
    handler = HANDLERS.get(segment.tag)
    if handler is None:
        return
    try:
        handler(reader, segment)
    except Eligibility271ParseError:
        raise
    except (ValueError, IndexError) as error:
        raise Eligibility271ParseError(str(error), segment.position, segment.tag) from error


def on_isa(reader: Reader, seg: Segment) -> None:
    reader.response.interchange_version, reader.response.interchange_control_number = seg.element(12), seg.element(13)


def on_st(reader: Reader, seg: Segment) -> None:
    if seg.element(1) != "271":
        raise Eligibility271ParseError(f"transaction set {seg.element(1) or '<none>'} is not a 271", seg.position, "ST")
    reader.seen_st = True
    interchange = reader.response
    reader.response = Response271(
        interchange.interchange_control_number, interchange.interchange_version, seg.element(3)
    )
    reader.responses.append(reader.response)


def on_hl(reader: Reader, seg: Segment) -> None:
    reader.level, reader.benefit, reader.in_related_entity = seg.element(3), None, False
    if reader.level == "22" and reader.response.members:  # another subscriber: a response of its own
        reader.response = next_subscriber(reader.response)
        reader.responses.append(reader.response)
    if reader.level in ("22", "23"):
        reader.member = Member("subscriber" if reader.level == "22" else "dependent")
        reader.response.members.append(reader.member)
    elif reader.level not in ("20", "21"):
        raise Eligibility271ParseError(f"unknown HL level code {reader.level!r}", seg.position, "HL")


def next_subscriber(previous: Response271) -> Response271:
    """The same payer, receiver and their rejections; the trace and members are the next subscriber's."""
    return replace(previous, trace_numbers=[], members=[], rejections=list(previous.rejections))


def on_nm1(reader: Reader, seg: Segment) -> None:
    if reader.in_related_entity:
        return
    entity, response = seg.element(1), reader.response
    if entity == "PR":
        response.payer_name, response.payer_id = seg.element(3), seg.element(9)
    elif entity == "1P":
        response.provider_npi = seg.element(9)
    elif entity in ("IL", "03") and reader.member is not None:
        reader.member.last_name, reader.member.first_name = seg.element(3), seg.element(4)
        reader.member.member_id = seg.element(9) or reader.member.member_id


def on_trn(reader: Reader, seg: Segment) -> None:
    if seg.element(1) == "2":  # the inquiry's trace, echoed
        reader.response.trace_numbers.append(seg.element(2))


def on_dmg(reader: Reader, seg: Segment) -> None:
    if reader.member is not None and seg.element(1) == "D8" and seg.element(2):
        reader.member.birth_date = d8(seg.element(2))


def on_dtp(reader: Reader, seg: Segment) -> None:
    span = date_span(seg.element(2), seg.element(3))
    if reader.benefit is not None:
        reader.benefit.dates[seg.element(1)] = span
    elif reader.member is not None:
        reader.member.dates[seg.element(1)] = span


def on_aaa(reader: Reader, seg: Segment) -> None:
    if not seg.element(3):
        raise Eligibility271ParseError("AAA03 (reject reason code) is empty", seg.position, "AAA")
    levels = {"20": "payer", "21": "receiver", "22": "subscriber", "23": "dependent"}
    level = "benefit" if reader.benefit is not None else levels.get(reader.level, "payer")
    rejection = Rejection(seg.element(3), seg.element(4), level)
    if reader.member is not None and level != "payer" and level != "receiver":
        reader.member.rejections.append(rejection)
    else:
        reader.response.rejections.append(rejection)


def on_eb(reader: Reader, seg: Segment) -> None:
    if reader.member is None:
        raise Eligibility271ParseError("EB outside a subscriber or dependent loop", seg.position, "EB")
    if not seg.element(1):
        raise Eligibility271ParseError("EB01 (benefit information code) is empty", seg.position, "EB")
    repeat = reader.repetition or "^"
    reader.in_related_entity = False
    reader.benefit = Benefit(
        info=seg.element(1),
        coverage_level=seg.element(2),
        service_types=tuple(s for s in seg.element(3).split(repeat) if s),
        insurance_type=seg.element(4),
        plan_name=seg.element(5),
        time_period=seg.element(6),
        amount_cents=parse_amount_cents(seg.element(7)) if seg.element(7) else None,
        percent=parse_decimal(seg.element(8)) * 100 if seg.element(8) else None,
        in_network=seg.element(12),
        procedure=seg.components(13, reader.component),
    )
    reader.member.benefits.append(reader.benefit)


def on_iii(reader: Reader, seg: Segment) -> None:
    if reader.benefit is not None and seg.element(1) == "ZZ" and seg.element(2):
        reader.benefit.places_of_service.append(seg.element(2))


def on_msg(reader: Reader, seg: Segment) -> None:
    if reader.benefit is not None:
        reader.benefit.messages.append(seg.element(1))


def on_ls(reader: Reader, seg: Segment) -> None:
    reader.in_related_entity = True


def on_le(reader: Reader, seg: Segment) -> None:
    reader.in_related_entity = False


def d8(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError as error:
        raise ValueError(f"not a CCYYMMDD date ({len(value)} characters)") from error


def date_span(qualifier: str, value: str) -> tuple[date, date]:
    if qualifier == "D8":
        day = d8(value)
        return day, day
    if qualifier == "RD8" and value.count("-") == 1:
        start, end = value.split("-")
        return d8(start), d8(end)
    raise ValueError(f"unsupported date format {qualifier!r} {value!r}")


HANDLERS = {
    "ISA": on_isa,
    "ST": on_st,
    "HL": on_hl,
    "NM1": on_nm1,
    "TRN": on_trn,
    "DMG": on_dmg,
    "DTP": on_dtp,
    "AAA": on_aaa,
    "EB": on_eb,
    "III": on_iii,
    "MSG": on_msg,
    "LS": on_ls,
    "LE": on_le,
}
