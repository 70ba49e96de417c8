"""A parked remittance claim survives the trip through the database unchanged."""

from __future__ import annotations

import pytest

from services.remittance.adapters.repository import claim_payment_doc, claim_payment_from_doc
from services.remittance.domain.era import parse_835
from tests.conftest import X12_SAMPLES, corpus_files, needs_x12_corpus

CLAIMS = [
    claim
    for path in corpus_files(X12_SAMPLES / "linuxforhealth" / "835_005010X221A1", "*.835")
    for remittance in parse_835(path.read_text())
    for claim in remittance.claims
]


@needs_x12_corpus
@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.patient_control_number)
def test_claim_payment_round_trips_through_its_document(claim) -> None:  # type: ignore[no-untyped-def]
    assert claim_payment_from_doc(claim_payment_doc(claim)) == claim
