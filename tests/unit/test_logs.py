"""Log lines are JSON with the service and correlation id, and anything that looks like patient
data is taken out of the message and of an error's text."""

from __future__ import annotations

import json
import logging

import pytest

from shared.logs import CORRELATION, JsonLines, RedactPhi, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("member W123456789 asked", "member [id] asked"),
        ("born 1957-03-14, or 19570314", "born [date], or [date]"),
        ("NM1*IL*1*DOE*JANE****MI*W123456789~ next", "[x12] next"),
        ("call 5125550100", "call [number]"),
        ("dx E11.9 held", "dx [dx] held"),
        # what logs are for stays: keys, event ids, topics, offsets, counts, codes
        ("acme-video:AV-2026-000101 claim-coded[3]@1234", "acme-video:AV-2026-000101 claim-coded[3]@1234"),
        (
            "event 0f0e0d0c-0b0a-4908-8706-050403020100 CO-45 99213",
            "event 0f0e0d0c-0b0a-4908-8706-050403020100 CO-45 99213",
        ),
    ],
)
def test_what_looks_like_patient_data_is_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_a_line_is_json_with_the_correlation_id_and_a_redacted_message_and_error() -> None:
    record = logging.LogRecord("claims", logging.ERROR, __file__, 1, "member %s not found", ("W123456789",), None)
    try:
        raise KeyError("W123456789")
    except KeyError as error:
        record.exc_info = (KeyError, error, error.__traceback__)
    token = CORRELATION.set("acme-video:AV-1")
    try:
        assert RedactPhi().filter(record)
        line = json.loads(JsonLines().format(record))
    finally:
        CORRELATION.reset(token)
    assert line["message"] == "member [id] not found" and line["error"] == "KeyError: '[id]'"
    assert line["correlation_id"] == "acme-video:AV-1" and line["level"] == "ERROR"
    assert "W123456789" not in json.dumps(line)
