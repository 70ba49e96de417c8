"""Hostile and broken bodies: the ingest API answers every one with a 4xx (or accepts it), never a
5xx. Bodies are signed, so they get past the signature to the checks behind it."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploy.ops.client import signed_headers
from services.ingest.bootstrap import bootstrap
from services.ingest.entrypoints.api import create_app
from shared.settings import DEV_INGEST_SECRET, Settings
from tests.clock import Clock
from tests.conftest import example

NOW = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)
CLOCK = Clock(NOW)
VALID = example("01-medicare-video-home-established.json")
MONITORING = example("03-medicare-remote-monitoring.json")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = create_app(lambda: bootstrap(Settings(ingest_max_body_bytes=2_000_000), now=CLOCK))
    with TestClient(app) as test_client:
        yield test_client


def post(client: TestClient, body: bytes) -> int:
    headers = signed_headers(body, DEV_INGEST_SECRET, CLOCK.tick().timestamp())
    status: int = client.post("/v1/encounters", content=body, headers=headers).status_code
    return status


def with_value(event: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    *path, last = dotted.split(".")
    target = changed
    for part in path:
        target = target[part]
    target[last] = value
    return changed


def encoded(value: Any) -> bytes:
    return json.dumps(value).encode()


def deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"x": value}
    return value


NASTY_EVENTS = [
    ("encounter.date_of_service", "9999-12-31"),
    ("encounter.date_of_service", "0001-01-01"),
    ("encounter.start", "9999-12-31T23:59:59-23:59"),
    ("encounter.end", "0001-01-01T00:00:00+23:59"),
    ("encounter.start", "2026-03-02T15:10:00"),  # no offset while end has one
    ("occurred_at", "9999-12-31T23:59:59+14:00"),
    ("occurred_at", "2026-03-02T15:41:07"),
    ("encounter.total_minutes", 10**30),
    ("encounter.total_minutes", 1e308),
    ("encounter.diagnoses", ["I10"] * 10_000),
    ("encounter.encounter_id", "x" * 10_000),
    ("encounter.encounter_id", "a:b*c~d^e\u0000"),
    ("encounter.remote_monitoring", {"period_start": "9999-12-31", "period_end": "0001-01-01", "reading_days": 2}),
    ("event_id", "not-a-uuid"),
    ("schema_version", 2),
    ("patient.birth_date", "2026-02-30"),
    ("patient.birth_date", "0001-01-01"),
    ("patient.first_name", "\ud800"),
    ("patient.first_name", "\u200b"),
    ("patient.address", "not an object"),
    ("patient.address.line2", deep(28)),
    ("patient", None),
    ("coverage.subscriber", {"birth_date": "9999-12-31", "first_name": "\x7f"}),
    ("billing_provider.organization_name", "A" * 500_000),
    ("source", "acme\u0000video"),
    ("source", "ŝource"),
    ("source", ""),
]

NASTY_BODIES = [
    b"",
    b" ",
    b"null",
    b"true",
    b'"text"',
    b"1e999999",
    b"NaN",
    b"[NaN]",
    b'{"source": Infinity}',
    b"\xff\xfe{",
    b"\xef\xbb\xbf{}",
    b"[" * 100_000,
    b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 5000 + b"1" + b"}" * 5000,
    b"[[]]",
    b"[{}]",
    b"[null]",
    b"1" * 5000,
    b'{"source": {}}',
    b'{"source": null}',
    b'{"source": ""}',
    b'{"source": "\\ud800"}',
    b'{"source": "acme-video"}',
    b'{"source": "acme-video", "source": ["x"]}',
    encoded([VALID] * 501),
    encoded([VALID, {**VALID, "source": ["acme-video"]}]),
    encoded([VALID, VALID, with_value(VALID, "encounter.total_minutes", 40)]),
    encoded(with_value(VALID, "unknown", deep(200))),
    *(encoded(with_value(VALID, field, value)) for field, value in NASTY_EVENTS),
    *(encoded(with_value(MONITORING, f"encounter.remote_monitoring.{f}", "9999-12-31")) for f in ("period_end",)),
]


@pytest.mark.parametrize("body", NASTY_BODIES, ids=range(len(NASTY_BODIES)))
def test_a_nasty_body_is_never_a_server_error(client: TestClient, body: bytes) -> None:
    assert post(client, body) < 500


def test_the_nasty_list_reaches_the_checks_behind_the_signature(client: TestClient) -> None:
    """Not a list of 401s: most of it is refused as malformed or implausible, 422 or 413."""
    statuses = [post(client, body) for body in NASTY_BODIES]
    assert statuses.count(422) > len(statuses) // 2 and 413 in statuses


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
FIELDS = [
    "source",
    "event_id",
    "occurred_at",
    "encounter",
    "encounter.encounter_id",
    "encounter.date_of_service",
    "encounter.start",
    "encounter.end",
    "encounter.modality",
    "encounter.diagnoses",
    "encounter.patient_location",
    "encounter.remote_monitoring",
    "patient.first_name",
    "patient.last_name",
    "patient.birth_date",
    "patient.address",
    "patient.address.city",
    "coverage.subscriber",
    "rendering_provider.first_name",
    "billing_provider.organization_name",
]
DATES = st.dates().map(str) | st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(body=st.binary(max_size=200) | JSON.map(encoded))
def test_any_bytes_or_json_is_never_a_server_error(client: TestClient, body: bytes) -> None:
    assert post(client, body) < 500


@FUZZ
@given(field=st.sampled_from(FIELDS), value=JSON | DATES | TEXT, batch=st.booleans())
def test_an_example_with_any_field_replaced_is_never_a_server_error(
    client: TestClient, field: str, value: Any, batch: bool
) -> None:
    event = with_value(VALID, field, value)
    assert post(client, encoded([VALID, event] if batch else event)) < 500
