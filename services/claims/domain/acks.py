"""Acknowledgements from the clearinghouse: the 999 (was the interchange readable?) and the 277CA
(did the payer take each claim?). Pure; malformed input raises `AckParseError` naming the segment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from services.claims.domain.lifecycle import ClaimStatus
from shared.rules import Sourced
from shared.x12.segments import Segment, X12SyntaxError, parse_amount_cents, tokenize


class AckParseError(X12SyntaxError):
    """A 999 or 277CA that cannot be read."""


class StatusCategory(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    meaning: str
    outcome: Literal["accepted", "rejected"]


class AckCodes(Sourced):
    segment_errors: dict[str, str]
    element_errors: dict[str, str]
    transaction_errors: dict[str, str]
    accepted_transaction_codes: list[str]
    status_categories: dict[str, StatusCategory]
    status_codes: dict[str, str]


@dataclass
class TransactionAck:
    set_id: str
    control_number: str
    status: str = ""
    errors: list[str] = field(
        default_factory=list
    )  # codes as "IK3:<seg>@<pos>:<code>", "IK4:<pos>:<code>", "IK5:<code>"


@dataclass
class GroupAck:
    functional_id: str
    control_number: str  # our GS06
    transactions: list[TransactionAck] = field(default_factory=list)
    status: str = ""


@dataclass
class ClaimAck:
    patient_control_number: str
    category: str
    status_code: str
    entity: str
    charge_cents: int | None
    payer_claim_number: str = ""
    above: ClaimAck | None = None  # the status of the batch or provider level this claim is under


@dataclass
class LevelStatus:
    """A status above the claims: the receiver's batch (HL 21, TRN02 = the batch's BHT03) or a billing
    provider (HL 19). A rejection there rejects every claim it covers, listed or not."""

    level: str
    batch_reference: str
    status: ClaimAck
    inherited: ClaimAck | None = None  # the status of the level above, when this one says none

    @property
    def governing(self) -> ClaimAck | None:
        return self.status if self.status.category else self.inherited


@dataclass
class Ack277:
    claims: list[ClaimAck] = field(default_factory=list)
    levels: list[LevelStatus] = field(default_factory=list)


def segments_of(text: str, expected: str) -> tuple[list[Segment], str]:
    try:
        segments, separators = tokenize(text)
    except X12SyntaxError as error:
        raise AckParseError(error.message, error.segment_index, error.segment_tag) from error
    sets = [s for s in segments if s.tag == "ST"]
    if not sets or any(s.element(1) != expected for s in sets):
        found = sets[0].element(1) if sets else "none"
        raise AckParseError(f"expected ST*{expected}, found {found}", sets[0].position if sets else 0, "ST")
    ends = [s for s in segments if s.tag == "SE"]
    if len(ends) < len(sets):
        last = segments[-1]
        raise AckParseError(f"truncated: {len(sets)} ST but {len(ends)} SE", last.position, last.tag)
    return segments, separators.component


def parse_999(text: str) -> list[GroupAck]:
    segments, _ = segments_of(text, "999")
    groups: list[GroupAck] = []
    for seg in segments:
        if seg.tag == "AK1":
            groups.append(GroupAck(seg.element(1), seg.element(2)))
        elif seg.tag in ("AK2", "IK3", "IK4", "IK5", "AK9") and not groups:
            raise AckParseError(f"{seg.tag} before AK1", seg.position, seg.tag)
        elif seg.tag == "AK2":
            groups[-1].transactions.append(TransactionAck(seg.element(1), seg.element(2)))
        elif seg.tag in ("IK3", "IK4", "IK5"):
            read_transaction_detail(groups[-1], seg)
        elif seg.tag == "AK9":
            groups[-1].status = seg.element(1)
    return groups


def read_transaction_detail(group: GroupAck, seg: Segment) -> None:
    if not group.transactions:
        raise AckParseError(f"{seg.tag} before AK2", seg.position, seg.tag)
    current = group.transactions[-1]
    if seg.tag == "IK3":
        current.errors.append(f"IK3:{seg.element(1)}@{seg.element(2)}:{seg.element(4)}")
    elif seg.tag == "IK4":
        current.errors.append(f"IK4:{seg.element(1)}:{seg.element(3)}")
    else:
        current.status = seg.element(1)
        current.errors += [f"IK5:{code}" for code in seg.elements[1:6] if code]


CLAIM_LEVELS = ("PT", "22", "23")  # a 277CA's patient level; an X212 277 without PT: the subscriber's
ABOVE_CLAIMS = ("20", "21", "19")


def parse_277ca(text: str) -> Ack277:
    """Claim statuses (TRN*2 = PCN, STC category:status:entity, REF*1K) and the statuses above them:
    the receiver's batch and each billing provider, with the claims listed under each."""
    segments, component = segments_of(text, "277")
    found, level, above = Ack277(), "", None
    for seg in segments:
        if seg.tag == "HL":
            level = seg.element(3)
            if level in ABOVE_CLAIMS:
                reference, inherited = (above.batch_reference, above.governing) if above else ("", None)
                above = LevelStatus(level, reference, ClaimAck("", "", "", "", None), inherited)
                found.levels.append(above)
        elif level in ABOVE_CLAIMS and above is not None:
            read_level(above, seg, component)
        elif level in CLAIM_LEVELS:
            read_claim(found, above, seg, component)
    found.levels = [status for status in found.levels if status.status.category]
    return found


def read_level(above: LevelStatus, seg: Segment, component: str) -> None:
    if seg.tag == "TRN" and above.level == "21":
        above.batch_reference = seg.element(2)
    elif seg.tag == "STC" and not above.status.category:
        read_status(above.status, seg, component)


def read_claim(found: Ack277, above: LevelStatus | None, seg: Segment, component: str) -> None:
    claims = found.claims
    if seg.tag == "TRN":
        claims.append(ClaimAck(seg.element(2), "", "", "", None, above=above.governing if above else None))
    elif seg.tag == "STC" and claims and not claims[-1].category:
        read_status(claims[-1], seg, component)
    elif seg.tag == "REF" and claims and seg.element(1) == "1K":
        claims[-1].payer_claim_number = seg.element(2)


def read_status(claim: ClaimAck, seg: Segment, component: str) -> None:
    parts = seg.components(1, component)
    if not parts or not parts[0]:
        raise AckParseError("STC01 has no status category", seg.position, "STC")
    try:
        charge = parse_amount_cents(seg.element(4)) if seg.element(4) else None
    except ValueError as error:
        raise AckParseError(str(error), seg.position, "STC") from error
    claim.category, claim.status_code = parts[0], parts[1] if len(parts) > 1 else ""
    claim.entity, claim.charge_cents = parts[2] if len(parts) > 2 else "", charge


def describe_999(transaction: TransactionAck, codes: AckCodes) -> str:
    said = []
    for error in transaction.errors:
        kind, *rest = error.split(":")
        if kind == "IK3":
            where, code = rest
            said.append(f"segment {where}: {codes.segment_errors.get(code, code)}")
        elif kind == "IK4":
            position, code = rest
            said.append(f"element {position}: {codes.element_errors.get(code, code)}")
        else:
            said.append(codes.transaction_errors.get(rest[0], rest[0]))
    return "; ".join(said) or f"transaction status {transaction.status}"


def claim_outcome(ack: ClaimAck, codes: AckCodes) -> tuple[ClaimStatus, str]:
    category = codes.status_categories.get(ack.category)
    outcome = ClaimStatus(category.outcome) if category else ClaimStatus.REJECTED
    meaning = category.meaning if category else f"unknown category {ack.category}"
    status = codes.status_codes.get(ack.status_code, f"status {ack.status_code}")
    return outcome, f"277CA {ack.category}:{ack.status_code} {meaning}: {status}"
