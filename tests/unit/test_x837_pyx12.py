"""render_837p output validated by pyx12 (map 837.5010.X222.A1), plus exact-value checks.

`make_claim` / `make_claims` / `pyx12_errors` are reused by test_clearinghouse.py.
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest

from services.claims.domain.claim import (
    Address,
    BillingProvider,
    Claim,
    Envelope,
    Person,
    RenderingProvider,
    ServiceLine,
)
from services.claims.domain.x837 import Submitter, render_837p
from shared.x12.segments import format_amount, tokenize

pyx12_document = pytest.importorskip("pyx12.x12n_document")
pyx12_params = pytest.importorskip("pyx12.params")

PLAN_TYPES = ("medicare", "medicaid", "medicare_advantage", "commercial")
RELATIONSHIPS = ("self", "self", "spouse", "child", "other")
MODIFIERS = (("95",), ("93",), ())
FREQUENCIES = ("1", "1", "1", "1", "1", "7", "8")
CODES = ("99213", "99214", "98005", "98012", "G2252", "99457", "99458", "99454", "99421", "94760", "99204")
DIAGNOSES = (
    "I10",
    "E119",
    "J449",
    "F411",
    "M545",
    "E785",
    "R0602",
    "Z7901",
    "I5022",
    "J45909",
    "F329",
    "G4733",
)
CHARGES = (12500, 12550, 12505, 9900, 20000, 4599)

SUBMITTER = Submitter("TELEBILL BILLING", "BILLING DESK", phone="5555550100")
CLINIC_ADDRESS = Address("100 Main St", "Springfield", "IL", "627010001", line2="Suite 5")
PROVIDERS = (
    BillingProvider("1234567893", "12-3456789", "Prairie Telehealth, LLC", CLINIC_ADDRESS, "207Q00000X"),
    BillingProvider("1245319599", "987654321", "Lakeside Virtual Care*Group", CLINIC_ADDRESS, None),
)
RENDERING = (
    RenderingProvider("1679576722", "O'Neil", "Maria", "207R00000X"),
    RenderingProvider("1598765432", "Nguyen", "Tam", None),
)


def person(i: int, role: str) -> Person:
    address = Address(f"{10 + i} Oak Ave", "Peoria", "IL", "61602")
    born = date(1950, 1, 1) + timedelta(days=97 * i + (3000 if role == "patient" else 0))
    return Person(f"Last{role.title()}{i}", f"First{i}", born, "FMU"[i % 3], address)


def service_line(i: int, n: int, place: str, diagnosis_count: int) -> ServiceLine:
    pointers = tuple(range(1, min(diagnosis_count, 1 + (i + n) % 4) + 1))
    return ServiceLine(
        code=CODES[(i + n) % len(CODES)],
        modifiers=MODIFIERS[(i + n) % len(MODIFIERS)] + (("25",) if (i + n) % 11 == 0 else ()),
        units=1 + (n % 2),
        charge_cents=CHARGES[(i + n) % len(CHARGES)],
        diagnosis_pointers=pointers,
        date_of_service=date(2026, 1, 5) + timedelta(days=i),
        place_of_service=place,
    )


def make_claim(i: int) -> Claim:
    relationship = RELATIONSHIPS[i % len(RELATIONSHIPS)]
    frequency = FREQUENCIES[i % len(FREQUENCIES)]
    place = "02" if i % 2 else "10"
    diagnoses = DIAGNOSES[: 1 + (i * 5) % len(DIAGNOSES)]
    subscriber = person(i, "subscriber")
    facility = i % 6 == 0
    return Claim(
        claim_id=f"claim-{i}",
        patient_control_number=f"TB{i:06d}" + ("X" * 30 if i % 13 == 0 else ""),
        frequency_code=frequency,
        payer_id=f"PAYER{i % 3}",
        payer_name=f"Payer {i % 3} Health~Plan",
        plan_type=PLAN_TYPES[(i // 2) % len(PLAN_TYPES)],
        member_id=f"M{i:08d}",
        group_number=None if i % 4 == 0 else f"GRP{i % 7}",
        relationship=relationship,
        subscriber=subscriber,
        patient=subscriber if relationship == "self" else person(i, "patient"),
        billing_provider=PROVIDERS[i % 2],
        rendering_provider=RENDERING[(i // 3) % 2],
        place_of_service=place,
        diagnoses=diagnoses,
        lines=tuple(service_line(i, n, place, len(diagnoses)) for n in range(1 + i % 6)),
        service_facility_npi="1740283779" if facility else None,
        original_payer_claim_number=f"ORIG{i:010d}" if frequency != "1" else None,
        prior_authorization=f"PA{i}" if i % 5 == 1 else None,
        extras=FACILITY_EXTRAS if facility else {},
    )


FACILITY_EXTRAS = {
    "service_facility_name": "Prairie Telehealth Hub",
    "service_facility_line1": "200 Elm St",
    "service_facility_city": "Springfield",
    "service_facility_state": "IL",
    "service_facility_postal_code": "62701",
}


def make_claims(start: int, count: int) -> list[Claim]:
    return [make_claim(i) for i in range(start, start + count)]


def envelope(n: int) -> Envelope:
    return Envelope("TELEBILL", "CLEARHOUSE", 1000 + n, 2000 + n, 3000 + n, "2026-03-02T15:41:07")


# --- pyx12 -------------------------------------------------------------------------------------


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _pyx12_error_log() -> Iterator[_Collect]:
    logger, handler = logging.getLogger("pyx12"), _Collect()
    logger.addHandler(handler)
    previous, logger.propagate = logger.propagate, False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = previous


def _json_errors(node: Any, where: str = "") -> list[str]:
    """Every `errors` list anywhere in pyx12's JSON error tree, labelled with its segment."""
    if isinstance(node, list):
        return [e for child in node for e in _json_errors(child, where)]
    if not isinstance(node, dict):
        return []
    label = f"{node['seg_id']}#{node['seg_count']}" if "seg_id" in node else where
    found = [f"{label}: {e['err_cde']} {e['err_str']}" for e in node.get("errors", [])]
    return found + [e for key, child in node.items() if key != "errors" for e in _json_errors(child, label)]


def pyx12_errors(x12_text: str) -> list[str]:
    """All errors pyx12 reports: its JSON error tree plus its ERROR log lines, and a not-ok verdict.

    No 997/999 is requested: pyx12 4.0.0 cannot build one for an 835 (ST03 is "not used" there and
    its 999 writer insists on it), which is also why the sample *.835.997 files stop after AK1.
    """
    fd_json = io.StringIO()
    with _pyx12_error_log() as log:
        ok = pyx12_document.x12n_document(pyx12_params.params(), io.StringIO(x12_text), None, None, None, fd_json)
    errors = _json_errors(json.loads(fd_json.getvalue() or "{}")) + log.messages
    return errors if ok or errors else ["pyx12 returned not-ok without detail"]


# --- tests -------------------------------------------------------------------------------------

BATCHES = ((0, 24), (24, 24), (48, 20))  # 68 claims in three interchanges


def test_generated_claims_cover_the_required_variety() -> None:
    claims = [c for start, count in BATCHES for c in make_claims(start, count)]
    assert len(claims) >= 60
    assert {c.relationship for c in claims} == {"self", "spouse", "child", "other"}
    assert {c.plan_type for c in claims} == set(PLAN_TYPES)
    assert {c.place_of_service for c in claims} == {"02", "10"}
    assert {m for c in claims for line in c.lines for m in line.modifiers[:1] or ("none",)} >= {
        "95",
        "93",
        "none",
    }
    assert {len(c.lines) for c in claims} == set(range(1, 7))
    assert {len(c.diagnoses) for c in claims} == set(range(1, 13))
    assert {c.frequency_code for c in claims} == {"1", "7", "8"}
    assert max(len(c.patient_control_number) for c in claims) == 38


@pytest.mark.parametrize("start,count", BATCHES)
def test_pyx12_reports_no_errors(start: int, count: int) -> None:
    text = render_837p(make_claims(start, count), envelope(start), SUBMITTER)
    began = time.perf_counter()
    errors = pyx12_errors(text)
    elapsed = time.perf_counter() - began
    print(f"pyx12 validated {count} claims in {elapsed:.2f}s ({count / elapsed:.0f} claims/s)")
    assert errors == []


def test_pyx12_check_is_real_a_broken_file_is_reported() -> None:
    text = render_837p(make_claims(0, 3), envelope(0), SUBMITTER)
    broken = text.replace("SBR*P*18*", "SBR*Q*18*", 1).replace("DTP*472*D8*2026", "DTP*472*D8*202613", 1)
    errors = pyx12_errors(broken)
    assert any("SBR" in e for e in errors)
    assert any("DTP" in e or "date" in e.lower() for e in errors)


def _segments(text: str) -> list[list[str]]:
    segments, _ = tokenize(text)
    return [[s.tag, *s.elements] for s in segments]


def test_dependent_claim_structure_and_values() -> None:
    claim = make_claim(13)  # child of the subscriber, void (8), medicare advantage, 38-char PCN
    assert (claim.relationship, claim.frequency_code, claim.plan_type) == ("child", "8", "medicare_advantage")
    rows = _segments(render_837p([claim], envelope(1), SUBMITTER))
    tags = [r[0] for r in rows]
    assert tags[:8] == ["ISA", "GS", "ST", "BHT", "NM1", "PER", "NM1", "HL"]
    assert rows[1] == ["GS", "HC", "TELEBILL", "CLEARHOUSE", "20260302", "1541", "2001", "X", "005010X222A1"]
    assert rows[2] == ["ST", "837", "3001", "005010X222A1"]
    assert ["HL", "2", "1", "22", "1"] in rows and ["HL", "3", "2", "23", "0"] in rows
    assert ["PAT", "19"] in rows
    assert ["SBR", "P", "", "GRP6", "", "", "", "", "", "16"] in rows
    clm = next(r for r in rows if r[0] == "CLM")
    assert clm == ["CLM", "TB000013" + "X" * 30, "250.55", "", "", "02:B:8", "Y", "A", "Y", "Y"]
    assert ["REF", "F8", "ORIG0000000013"] in rows
    assert next(r for r in rows if r[0] == "HI") == ["HI", "ABK:I10", "ABF:E119", "ABF:J449", "ABF:F411",
                                                     "ABF:M545", "ABF:E785"]  # fmt: skip
    assert tags.index("PAT") < tags.index("CLM") and tags.count("LX") == 2
    assert rows[-3][0] == "SE" and int(rows[-3][1]) == len(rows) - 4
    assert rows[-1] == ["IEA", "1", "000001001"]


def test_self_claim_has_subscriber_demographics_and_no_patient_loop() -> None:
    claim = make_claim(0)
    rows = _segments(render_837p([claim], envelope(2), SUBMITTER))
    assert ["SBR", "P", "18", "", "", "", "", "", "", "MB"] in rows
    assert not any(r[0] == "PAT" for r in rows)
    il = rows.index(next(r for r in rows if r[:2] == ["NM1", "IL"]))
    assert [r[0] for r in rows[il : il + 4]] == ["NM1", "N3", "N4", "DMG"]
    assert ["NM1", "77", "2", "PRAIRIE TELEHEALTH HUB", "", "", "", "", "XX", "1740283779"] in rows


def test_names_upper_cased_and_separators_removed() -> None:
    text = render_837p([make_claim(1)], envelope(3), SUBMITTER)
    rows = _segments(text)
    assert ["NM1", "82", "1", "O'NEIL", "MARIA", "", "", "", "XX", "1679576722"] in rows
    assert ["NM1", "85", "2", "LAKESIDE VIRTUAL CARE GROUP", "", "", "", "", "XX", "1245319599"] in rows
    assert ["NM1", "PR", "2", "PAYER 1 HEALTH PLAN", "", "", "", "", "PI", "PAYER1"] in rows
    assert ["SV1", "HC:99214:93", "125.5", "UN", "1", "02", "", "1:2"] in rows


@pytest.mark.parametrize("cents,expected", [(12500, "125"), (12550, "125.5"), (12505, "125.05"), (5, "0.05"), (0, "0")])
def test_amounts_are_trimmed_the_x12_way(cents: int, expected: str) -> None:
    assert format_amount(cents) == expected


def test_invalid_claims_are_refused_with_reasons() -> None:
    too_long = make_claim(2).__class__(**{**make_claim(2).__dict__, "patient_control_number": "P" * 39})
    with pytest.raises(ValueError, match="longer than 38"):
        render_837p([too_long], envelope(4), SUBMITTER)
    replacement = make_claim(5).__class__(**{**make_claim(5).__dict__, "original_payer_claim_number": None})
    with pytest.raises(ValueError, match="original_payer_claim_number"):
        render_837p([replacement], envelope(4), SUBMITTER)
    with pytest.raises(ValueError, match="phone or email"):
        render_837p([make_claim(2)], envelope(4))
