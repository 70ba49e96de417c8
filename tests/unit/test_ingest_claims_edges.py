"""Where ingest's edge meets the claims service: names are written in ASCII in the 837 exactly as
the ingest warning says, and a far-future date of service cannot crash the timely-filing edit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from services.claims.domain.assemble import assemble
from services.claims.domain.claim import Claim, Envelope
from services.claims.domain.scrubber import ClaimContext, scrub
from services.claims.domain.x837 import Submitter, render_837p
from shared.x12.text import LETTERS_WITHOUT_DECOMPOSITION, transliterated
from tests.unit.claims_cases import RULES, coded, line

SUBMITTER = Submitter("TELEBILL BILLING", "BILLING DESK", phone="5555550100")
ENVELOPE = Envelope("TELEBILL", "CLEARHOUSE", 1001, 2001, 3001, "2026-03-02T15:41:07")
UNDECOMPOSED = "".join(chr(code) for code in LETTERS_WITHOUT_DECOMPOSITION)


def named(last: str, first: str) -> Claim:
    claim = assemble(coded(), RULES.charges)
    subscriber = replace(claim.subscriber, last_name=last, first_name=first)
    return replace(claim, patient=subscriber, subscriber=subscriber)


def name_segments(text: str) -> list[list[str]]:
    rows = [segment.strip().split("*") for segment in text.split("~") if segment.strip()]
    return [row for row in rows if row[:2] == ["NM1", "IL"]]


def test_accented_and_undecomposed_latin_letters_are_written_as_the_ingest_warning_says() -> None:
    last, first = f"Muñoz-{UNDECOMPOSED}", "Zoë Ångström"
    [subscriber] = name_segments(render_837p([named(last, first)], ENVELOPE, SUBMITTER))
    assert subscriber[3:5] == [str(transliterated(last)).upper(), str(transliterated(first)).upper()]
    assert subscriber[3:5] == [f"MUNOZ-{str(transliterated(UNDECOMPOSED)).upper()}", "ZOE ANGSTROM"]
    assert all(c.isascii() for c in "".join(subscriber))


def test_control_characters_and_untransliterable_text_never_reach_the_837() -> None:
    text = render_837p([named("Gar\u0000cia\u0007", "Ana \U0001f600")], ENVELOPE, SUBMITTER)
    [subscriber] = name_segments(text)
    assert subscriber[3:5] == ["GAR CIA", "ANA"]
    assert text.isascii() and "\u0000" not in text


def test_a_date_of_service_in_the_year_9999_does_not_crash_timely_filing() -> None:
    claim = assemble(coded(lines=[line(day="9999-11-15")]), RULES.charges)
    context = ClaimContext("audio_video", "home", date(2026, 3, 10), RULES.is_billable)
    assert "CLM-TIMELY-FILING" not in [f.edit for f in scrub(claim, context, RULES.edits)]


def test_a_late_claim_still_fails_timely_filing_with_its_deadline() -> None:
    claim = assemble(coded(), RULES.charges)  # visit 2026-03-02, Medicare: 365 days
    on_time = ClaimContext("audio_video", "home", date(2027, 3, 2), RULES.is_billable)
    late = ClaimContext("audio_video", "home", date(2027, 3, 3), RULES.is_billable)
    assert "CLM-TIMELY-FILING" not in [f.edit for f in scrub(claim, on_time, RULES.edits)]
    [finding] = [f for f in scrub(claim, late, RULES.edits) if f.edit == "CLM-TIMELY-FILING"]
    assert "deadline 2027-03-02" in finding.message
