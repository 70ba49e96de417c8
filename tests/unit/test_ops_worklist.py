"""The read model's own worklist items: a denied claim (with remittance's next action per category),
an underpayment and a dead letter, each owned by the service that acts on it."""

from __future__ import annotations

from datetime import timedelta

from services.ops.domain.summary import summarize
from services.ops.domain.trail import DeadLettered, Posted, project
from services.ops.domain.worklist import KINDS, denials_by_category, depths, oldest_first, read_model_items
from tests.unit.test_ops_projection import SCENARIO, T0, submission, visit

UNDERPAID = Posted(T0 + timedelta(days=9), "TRN:E:1", "paid", (("cash", 90), ("insurance_ar", -100)), (), True)
DENIED_TWICE = Posted(
    T0 + timedelta(days=8), "TRN:F:4", "denied", (("insurance_ar", -300),), ("coding", "eligibility"), False,
    ("Correct the codes.", "Verify coverage."),
)  # fmt: skip
LETTER = DeadLettered(T0 + timedelta(days=2), "claim-coded", "claims", "does not match the ClaimCoded contract")


def items() -> list:  # type: ignore[type-arg]
    keyed = [
        *SCENARIO,
        *visit("E", 5), submission("E", 5, 100), ("E", "E-p", UNDERPAID),
        *visit("F", 6), submission("F", 6, 300), ("F", "F-p", DENIED_TWICE),
        ("C", "claim-coded:1:9", LETTER),
    ]  # fmt: skip
    return oldest_first(read_model_items(summarize(t) for t in project({}, keyed).values()))


def test_denials_underpayments_and_dead_letters_become_items_of_their_owners() -> None:
    found = items()
    assert [(i.kind, i.key, i.owner) for i in found] == [
        ("dead_letter", "C", "claims"),
        ("denial", "F", "remittance"),
        ("underpayment", "E", "remittance"),
        ("denial", "B", "remittance"),
    ]
    letter, denial = found[0], found[1]
    assert letter.detail == "claim-coded record rejected by claims: does not match the ClaimCoded contract"
    assert letter.action() == KINDS["dead_letter"].action
    assert denial.next_action == "Correct the codes. Verify coverage."
    assert denial.action() == "GET /v1/denials/TRN:F:4/appeal-packet"


def test_depths_name_every_kind_and_denials_count_in_each_of_their_categories() -> None:
    found = items()
    assert depths(found) == {kind: {"denial": 2, "underpayment": 1, "dead_letter": 1}.get(kind, 0) for kind in KINDS}
    assert denials_by_category(found) == {"coding": 2, "eligibility": 1}
