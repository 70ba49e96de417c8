"""X12 270/271 on files nobody in this project wrote (../shared/x12-samples), our own 270's layout,
malformed input, and a parser that never crashes on mutated files."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploy.clearinghouse.eligibility import Roster, answer_270, read_270
from services.eligibility.domain.benefits import decision_from_errors, read_response
from services.eligibility.domain.inquiry import inquiry_for, render_270
from services.eligibility.domain.policy import load_eligibility_rules
from services.eligibility.domain.response import Eligibility271ParseError, parse_271
from shared.contracts.encounter import EncounterCompleted
from shared.x12.segments import tokenize
from tests.conftest import X12_SAMPLES, corpus_files, example, needs_x12_corpus

SAMPLES = X12_SAMPLES
LFH = SAMPLES / "linuxforhealth"
RULES = load_eligibility_rules()
ALL_271 = [*corpus_files(LFH / "271_005010X279A1", "*.271"), *corpus_files(SAMPLES / "imsweb" / "x270_271", "x271.txt")]
ALL_270 = [*corpus_files(LFH / "270_005010X279A1", "*.270"), *corpus_files(SAMPLES / "imsweb" / "x270_271", "x270.txt")]
AT = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


@needs_x12_corpus
def test_every_shared_271_parses() -> None:
    assert len(ALL_271) == 4
    for path in ALL_271:
        response = parse_271(path.read_text())
        assert response.payer_id.startswith("84") and response.interchange_control_number


@needs_x12_corpus
def test_the_subscriber_271_reads_as_active_with_in_and_out_of_network_copays() -> None:
    response = parse_271((LFH / "271_005010X279A1" / "subscriber-health-benefit-check.271").read_text())
    assert response.trace_numbers == ["93175-012547"]
    assert [(m.role, m.member_id, m.birth_date) for m in response.members] == [
        ("subscriber", "123456789", date(1963, 5, 19))
    ]
    benefits = read_response(response, RULES).benefits
    assert benefits is not None and benefits.active and benefits.plan_name == "GOLD 123 PLAN"
    assert (benefits.copay_cents, benefits.out_of_network_copay_cents, benefits.plan_begin) == (
        1000,
        3000,
        date(2006, 1, 1),
    )


@needs_x12_corpus
def test_the_dependent_271_answers_for_the_dependent() -> None:
    response = parse_271((LFH / "271_005010X279A1" / "dependent-health-benefit-check.271").read_text())
    assert [m.role for m in response.members] == ["subscriber", "dependent"]
    assert response.patient is not None and (response.patient.first_name, len(response.patient.benefits)) == ("MARY", 5)


@needs_x12_corpus
def test_the_error_271_names_the_rejection_and_needs_a_person() -> None:
    said = read_response(
        parse_271((LFH / "271_005010X279A1" / "subscriber-health-benefit-check-error.271").read_text()), RULES
    )
    assert said.benefits is None and not said.retry
    assert [(e.code, e.meaning, e.follow_up) for e in said.errors] == [
        ("50", "Provider Ineligible for Inquiries", "Resubmission Not Allowed")
    ]
    decision = decision_from_errors(said, RULES)
    assert decision.outcome == "needs_manual" and "AAA 50" in decision.reason


@needs_x12_corpus
def test_the_mixed_version_imsweb_271_is_read_and_its_versions_recorded() -> None:
    response = parse_271((SAMPLES / "imsweb" / "x270_271" / "x271.txt").read_text())
    assert (response.interchange_version, response.transaction_version) == ("00401", "005010X279A1")
    assert read_response(response, RULES).benefits.active  # type: ignore[union-attr]


def tags(x12: str) -> list[str]:
    found = [s.tag for s in tokenize(x12)[0] if s.tag not in ("ISA", "GS", "GE", "IEA")]
    return [tag for n, tag in enumerate(found) if not (tag == "EQ" and found[n - 1] == "EQ")]


def ours(**coverage: object) -> str:
    data = example("02-commercial-audio-only-home.json")
    data["coverage"].update(coverage)
    return render_270(
        inquiry_for(EncounterCompleted.model_validate(data), ("30", "98"), AT), "LONESTARTH", "SIMCLEARING", AT
    )


@needs_x12_corpus
def test_our_270_has_the_layout_of_the_shared_samples() -> None:
    assert tags(ours()) == tags((LFH / "270_005010X279A1" / "subscriber-health-benefit-check.270").read_text())
    parent = {"first_name": "PAT", "last_name": "PARENT", "birth_date": "1975-05-05", "sex": "F"}
    dependent = tags(ours(subscriber_relationship="child", subscriber=parent))
    dependent.remove("DMG")  # we also send the subscriber's date of birth, which 2100C allows
    assert dependent == tags((LFH / "270_005010X279A1" / "dependent-health-benefit-check.270").read_text())


def test_our_270_envelope_and_counts() -> None:
    segments, _ = tokenize(ours())
    st_at = next(n for n, s in enumerate(segments) if s.tag == "ST")
    se = next(s for s in segments if s.tag == "SE")
    assert int(se.element(1)) == len(segments) - st_at - 2  # ST..SE inclusive, then GE and IEA
    assert segments[1].element(8) == "005010X279A1" and segments[0].element(13) == segments[-1].element(2)


@needs_x12_corpus
def test_the_simulator_answers_every_shared_270_with_a_readable_271() -> None:
    for path in ALL_270:
        asked = read_270(path.read_text())
        response = parse_271(answer_270(path.read_text(), Roster.load(), 3, AT))
        assert response.trace_numbers[:1] == [asked.trace]
        assert [e.code for e in response.all_rejections()] == ["75"]  # their members are not on our roster


MALFORMED = [
    ("", "empty input"),
    ("GS*HB*1~", "does not start with ISA"),
    (json.dumps({"not": "x12"}), "does not start with ISA"),
]


@pytest.mark.parametrize(("text", "said"), MALFORMED)
def test_malformed_input_is_a_parse_error_naming_the_problem(text: str, said: str) -> None:
    with pytest.raises(Eligibility271ParseError, match=said):
        parse_271(text)


def with_segment(old: str, new: str) -> str:
    text = (LFH / "271_005010X279A1" / "subscriber-health-benefit-check.271").read_text()
    assert old in text
    return text.replace(old, new, 1)


@needs_x12_corpus
@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("ST*271", "ST*835", "ST"),
        ("HL*3*2*22*0", "HL*3*2*99*0", "unknown HL level code"),
        ("*27*10.00*", "*27*TEN*", "segment #.* EB"),
        ("DMG*D8*19630519", "DMG*D8*19631319", "DMG"),
        ("DTP*346*D8*20060101", "DTP*346*XX*20060101", "DTP"),
        ("EB*1**30**GOLD 123 PLAN", "EB***30**GOLD 123 PLAN", "EB01"),
    ],
)
def test_bad_segments_are_named_with_their_position(old: str, new: str, said: str) -> None:
    with pytest.raises(Eligibility271ParseError, match=said):
        parse_271(with_segment(old, new))


@needs_x12_corpus
def test_an_eb_before_any_subscriber_is_refused() -> None:
    text = with_segment("HL*3*2*22*0", "EB*1**30~HL*3*2*22*0")
    with pytest.raises(Eligibility271ParseError, match="EB outside"):
        parse_271(text)


SOURCE_TEXTS = [path.read_text() for path in ALL_271]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SOURCE_TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        action = draw(st.sampled_from(["delete", "insert", "truncate", "duplicate"]))
        if action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif action == "insert":
            text = text[:at] + draw(st.text(alphabet="*~:^AB0123456789EBHLNM ", max_size=8)) + text[at:]
        elif action == "truncate":
            text = text[:at]
        else:
            text = text[:at] + text[at : at + 40] + text[at:]
    return text


@needs_x12_corpus
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_the_parser_never_crashes_on_mutated_files(text: str) -> None:
    try:
        response = parse_271(text)
    except Eligibility271ParseError:
        return
    read_response(response, RULES)  # whatever parsed can be decided on without an exception
