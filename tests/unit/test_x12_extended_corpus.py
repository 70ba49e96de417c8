"""Every file of ../shared/x12-samples/extended (47 public files from other projects, with their
sources in its README) through the parser of its kind: read with the expected counts and totals, or,
for the files malformed on purpose, refused with an error naming the segment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.claims.domain.acks import AckParseError, parse_277ca, parse_999
from services.eligibility.domain.response import Eligibility271ParseError, parse_271_responses
from services.remittance.domain.era import EraParseError, parse_835
from tests.conftest import X12_SAMPLES

EXTENDED = X12_SAMPLES / "extended"
pytestmark = pytest.mark.skipif(
    not EXTENDED.is_dir(), reason=f"the public X12 corpus is not beside the project ({EXTENDED} is absent)"
)
BOM = "a byte order mark before ISA was skipped"


def read_835(text: str) -> tuple[Any, ...]:
    found = parse_835(text)
    return len(found), sum(len(r.claims) for r in found), sum(r.payment_cents for r in found), found[0].leniencies


def read_271(text: str) -> tuple[Any, ...]:
    found = parse_271_responses(text)
    benefits = sum(len(member.benefits) for response in found for member in response.members)
    return len(found), sum(len(r.members) for r in found), benefits, found[0].leniencies


def read_999(text: str) -> tuple[Any, ...]:
    groups = parse_999(text)
    return len(groups), [t.status for g in groups for t in g.transactions]


def read_277(text: str) -> tuple[Any, ...]:
    found = parse_277ca(text)
    statuses = [f"{c.category}:{c.status_code}" for c in found.claims]
    return statuses, [(level.level, level.status.category) for level in found.levels]


READERS = {"835": read_835, "271": read_271, "999": read_999, "277": read_277}
# (transactions, claims, payment cents, leniencies) for an 835; (responses, members, benefits,
# leniencies) for a 271; (groups, transaction statuses) for a 999; (claim statuses, statuses above
# the claims) for a 277. A refusal: the error's type and the tag of the segment it names.
EXPECTED: dict[str, Any] = {
    "835/affect__nevada_medicaid.txt": (3, 3, 181227, ()),
    "835/affect__sample_835_with_interests.txt": (EraParseError, "CAS"),  # placeholder values
    "835/hzbarcea__example835SpecialCharsOne.txt": (EraParseError, "BPR"),  # junk amounts
    "835/keironstoddart__emedny_sample.txt": (1, 3, 4575, ()),
    "835/keironstoddart__united_healthcare_legacy_sample.txt": (1, 2, 34999, ()),
    "835/oopfactory__4010_835_DeIdent_01.dat": (1, 96, 9999999, ()),
    "835/oopfactory__4010_835_DeIdent_02.dat": (6, 375, 20019996, ()),
    "835/oopfactory__4010_Example1_GripElements.txt": (1, 9, 575, (BOM,)),
    "835/oopfactory__5010_835_WithMultipleInterchanges.txt": (3, 56, 1148211, (BOM,)),
    "835/oopfactory__5010_Example1.txt": (EraParseError, "CLP"),  # the truncated CLP*090909*22
    "835/oopfactory__5010_ExampleFromNth.txt": (3, 56, 1148211, (BOM,)),
    "835/pyx12__835_mult_loops.txt": (1, 1, 0, ()),
    "835/stupidedi__004010_X091A1_case1.edi": (1, 1, 2061, ()),
    "835/stupidedi__era-sample.edi": (1, 1, 13200, ()),
    "835/stupidedi__multiple-claims-single-check.edi": (1, 9, 81080, ()),
    "835/tastypackets__multi-line-not-delimited.edi": (1, 3, 4575, ()),
    "835/tastypackets__profee-multiple.edi": (156, 468, 713700, ()),
    "835/tigershark__835-example-2.txt": (EraParseError, "~GS"),  # every segment starts with its terminator
    "835/tigershark__835-example.txt": (EraParseError, "~GS"),
    "999/oopfactory__DHS_Wisconsin_Sample.txt": (1, ["A", "R", "R"]),
    "999/pyx12__834_ls_le_ls_5010.999.txt": (1, ["A"]),
    "999/pyx12__834_lui_id_5010.999.txt": (4, ["A", "A", "A", "A"]),
    "999/staedi__invalid999.edi": (AckParseError, "IK5"),  # IK5 before AK1
    "999/staedi__simple999.edi": (1, ["A", "R", "R"]),
    "999/stupidedi__response-to-functional-group-containing-3-837s.edi": (1, ["A", "R", "R"]),
    "277/oopfactory__5010_277_Deidentified_from_nth.txt": (
        ["X9:999", "X9:999", "X9:999"],
        [("21", "X9"), ("19", "X9"), ("19", "X9")],
    ),
    "277/oopfactory__5010_FromBogeyone.txt": (AckParseError, "HL"),  # truncated after HL*2
    "277/oopfactory__5010_FromLatitude81uk.txt": (["A2:20"], [("21", "A1"), ("19", "A1")]),
    "277/stupidedi__X212_HR277_1.era": (["P5:3"], []),  # claim status at the subscriber level
    "271/ediengine__271.edi": (1, 1, 1, ()),
    "271/oopfactory__4010_Example1_DHHS.txt": (1, 1, 12, (BOM,)),
    "271/oopfactory__4010_Example1_DHHS_placeholders.txt": (Eligibility271ParseError, "DMG"),  # 'Birth Date'
    "271/oopfactory__4010_Example2_TMHP.txt": (
        1,
        1,
        4,
        (BOM, "trailing blanks before the terminator of 47 segment(s) were dropped"),
    ),
    "271/oopfactory__4010_Example3_CMS_HETS.txt": (1, 1, 26, (BOM,)),
    "271/oopfactory__4010_FromMunawarAbad.txt": (1, 1, 40, (BOM,)),
    "271/oopfactory__4010_From_tcplex.txt": (1, 2, 2, (BOM,)),
    "271/oopfactory__5010_From_georgiosd.txt": (1, 1, 1, (BOM,)),
    "271/tigershark__271-dependent-benefits.txt": (1, 2, 21, ()),
    "271/tigershark__271-example-2.txt": (1, 1, 109, ()),
    "271/tigershark__271-example-dependent-rejection.txt": (1, 2, 0, ()),
    "271/tigershark__271-example.txt": (1, 1, 0, ()),
    "271/tigershark__271-related-entity.txt": (1, 2, 14, ()),
    "271/x12edi-tools__271_active_response.x12": (1, 1, 1, ()),
    "271/x12edi-tools__271_ls_le_wrapper.x12": (1, 1, 1, ()),
    "271/x12edi-tools__271_multiple_eb_segments.x12": (1, 1, 2, ()),
    "271/x12edi-tools__271_rejected_subscriber.x12": (1, 1, 0, ()),
    "271/x12edi-tools__gainwell_271_redacted.edi": (153, 153, 140, ()),  # a batch: one response each
}


def corpus_files() -> list[str]:
    if not EXTENDED.is_dir():
        return []
    return sorted(f"{path.parent.name}/{path.name}" for path in EXTENDED.glob("*/*") if path.is_file())


def test_every_file_of_the_corpus_has_an_expectation() -> None:
    assert corpus_files() == sorted(EXPECTED)


@pytest.mark.parametrize("name", corpus_files())
def test_a_corpus_file_is_read_or_refused_naming_the_segment(name: str) -> None:
    text = (EXTENDED / name).read_bytes().decode("utf-8", errors="replace")
    expected, read = EXPECTED[name], READERS[Path(name).parent.name]
    if isinstance(expected[0], type):
        with pytest.raises(expected[0]) as refused:
            read(text)
        assert refused.value.segment_tag == expected[1], str(refused.value)  # type: ignore[attr-defined]
    else:
        assert read(text) == expected
