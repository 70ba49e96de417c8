"""X12 as trading partners send it: a byte order mark before ISA, blanks before each segment
terminator (both accepted and said in the result), and a 271 batch reply with several transactions
(one response per subscriber, the real-time reader picking the one that echoes its trace)."""

from __future__ import annotations

import pytest

from deploy.clearinghouse.eligibility import Roster, answer_270
from services.eligibility.domain.response import Eligibility271ParseError, parse_271, parse_271_responses
from services.remittance.domain.era import parse_835
from shared.x12.segments import tokenize_leniently
from tests.unit.test_remittance_posting import ERA
from tests.unit.test_x12_eligibility import AT, ours


def answered(member_id: str, control_number: int = 3) -> str:
    return answer_270(ours(payer_id="87726", member_id=member_id), Roster.load(), control_number, AT)


def test_a_byte_order_mark_and_blanks_before_terminators_are_read_and_said() -> None:
    clean = answered("W123456789")
    isa, rest = clean.split("~", 1)  # the ISA's own terminator is where ISA16 ends: never padded
    padded = "\ufeff" + isa + "~\r\n" + rest.replace("~", " ~\r\n")
    tokens = tokenize_leniently(padded)
    assert [s.elements for s in tokens.segments] == [s.elements for s in tokenize_leniently(clean).segments]
    assert tokens.leniencies == (
        "a byte order mark before ISA was skipped",
        f"trailing blanks before the terminator of {len(tokens.segments) - 1} segment(s) were dropped",
    )
    response = parse_271(padded)
    assert response.members == parse_271(clean).members and response.leniencies == tokens.leniencies
    assert parse_271(clean).leniencies == ()


def batch_of(*answers: str) -> str:
    """One interchange holding the ST..SE transactions of several answers (a payer's batch reply)."""
    first = answers[0]
    transactions = [text[text.index("ST*271") : text.index("GE*")] for text in answers]
    return first[: first.index("ST*271")] + "".join(transactions) + first[first.index("GE*") :]


def test_a_batch_271_gives_one_response_per_subscriber_and_the_inquiry_gets_its_own() -> None:
    one, two = answered("W111111111", 3), answered("W222222222", 4)
    batch = batch_of(one, two)
    responses = parse_271_responses(batch)
    assert [r.members[0].member_id for r in responses] == ["W111111111", "W222222222"]
    assert [r.payer_id for r in responses] == ["87726", "87726"]
    second_trace = responses[1].trace_numbers[0]
    assert parse_271(batch, second_trace).members[0].member_id == "W222222222"
    with pytest.raises(Eligibility271ParseError, match="2 responses in one 271 and 0 of them echo"):
        parse_271(batch)


def test_an_835_with_a_byte_order_mark_posts_and_says_so() -> None:
    [remittance] = parse_835("\ufeff" + ERA)
    assert remittance.leniencies == ("a byte order mark before ISA was skipped",)
    assert parse_835(ERA)[0].claims == remittance.claims
