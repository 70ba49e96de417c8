"""The ingest API over in-memory adapters: signatures, every problem listed, limits, all-or-nothing
batches, idempotency by key, outages, implausible values and text a claim cannot carry."""

from __future__ import annotations

import copy
import json
import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from deploy.ops.client import signed_headers
from services.ingest.adapters.accepted import InMemoryAcceptedStore
from services.ingest.adapters.producer import InMemoryEncounterLog
from services.ingest.bootstrap import bootstrap
from services.ingest.domain.idempotency import Accepted
from services.ingest.entrypoints.api import create_app
from services.ingest.handlers.ports import Unavailable
from shared.messaging import Outgoing
from shared.settings import DEV_INGEST_SECRET, Settings
from tests.clock import Clock
from tests.conftest import example

NOW = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)  # after every example's visit
VIDEO = "01-medicare-video-home-established.json"
AUDIO = "02-commercial-audio-only-home.json"
MONITORING = "03-medicare-remote-monitoring.json"
SETTINGS = Settings()


@dataclass
class World:
    client: TestClient
    log: InMemoryEncounterLog
    store: InMemoryAcceptedStore
    clock: Clock

    def post(self, payload: object, secret: str = DEV_INGEST_SECRET) -> httpx.Response:
        return self.post_bytes(json.dumps(payload).encode(), secret)

    def post_bytes(self, body: bytes, secret: str = DEV_INGEST_SECRET) -> httpx.Response:
        return self.post_signed(body, signed_headers(body, secret, self.clock.tick().timestamp()))

    def post_signed(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        response: httpx.Response = self.client.post("/v1/encounters", content=body, headers=headers)
        return response


@contextmanager
def world(
    log: InMemoryEncounterLog | None = None, store: InMemoryAcceptedStore | None = None, **limits: Any
) -> Iterator[World]:
    log, store = log or InMemoryEncounterLog(), store or InMemoryAcceptedStore()
    settings = Settings(**limits) if limits else SETTINGS
    clock = Clock(NOW)
    app = create_app(lambda: bootstrap(settings, log, store, now=clock))
    with TestClient(app) as client:
        yield World(client, log, store, clock)


def resent(event: dict[str, Any]) -> dict[str, Any]:
    """The same visit sent again by the platform: a new event id and time."""
    again = copy.deepcopy(event)
    again["event_id"], again["occurred_at"] = str(uuid.uuid4()), "2026-03-03T08:00:00Z"
    return again


def changed(name: str, dotted: str, value: Any) -> dict[str, Any]:
    event = example(name)
    *path, last = dotted.split(".")
    target = event
    for part in path:
        target = target[part]
    target[last] = value
    return event


def locations(response: httpx.Response) -> set[str]:
    return {e["loc"] for e in response.json()["errors"]}


# --- the contract and the signature ------------------------------------------------------------


def test_valid_event_is_accepted_and_produced() -> None:
    with world() as w:
        response = w.post(example(VIDEO))
    assert response.status_code == 202
    [item] = response.json()["accepted"]
    assert item["key"] == "acme-video:AV-2026-000101" and item["status"] == "accepted" and item["warnings"] == []
    assert [m.key for m in w.log.sent] == ["acme-video:AV-2026-000101"]
    assert item["event_id"] == json.loads(w.log.sent[0].value)["event_id"]


def test_batch_is_accepted_whole() -> None:
    with world() as w:
        response = w.post([example(VIDEO), example(AUDIO)])
    assert response.status_code == 202 and len(w.log.sent) == 2
    assert [i["index"] for i in response.json()["accepted"]] == [0, 1]


def test_bad_signature_is_401_and_produces_nothing() -> None:
    with world() as w:
        response = w.post(example(VIDEO), secret="wrong")
    assert response.status_code == 401 and w.log.sent == []
    assert "does not match" in response.json()["detail"]


def test_a_signed_request_is_accepted_once_and_its_replay_refused() -> None:
    body = json.dumps(example(VIDEO)).encode()
    with world() as w:
        headers = signed_headers(body, DEV_INGEST_SECRET, w.clock.tick().timestamp())
        first, replay = w.post_signed(body, headers), w.post_signed(body, headers)
    assert first.status_code == 202 and replay.status_code == 401
    assert "already received" in replay.json()["detail"] and len(w.log.sent) == 1


def test_a_stale_or_future_or_untimed_signature_is_refused() -> None:
    body = json.dumps(example(VIDEO)).encode()
    with world() as w:
        stale = signed_headers(body, DEV_INGEST_SECRET, (NOW - timedelta(seconds=301)).timestamp())
        future = signed_headers(body, DEV_INGEST_SECRET, (NOW + timedelta(seconds=400)).timestamp())
        untimed = {name: value for name, value in stale.items() if name != "X-Telebill-Timestamp"}
        answers = [w.post_signed(body, headers) for headers in (stale, future, untimed)]
    assert [a.status_code for a in answers] == [401, 401, 401] and w.log.sent == []
    assert "more than 300 s" in answers[0].json()["detail"] and "X-Telebill-Timestamp" in answers[2].json()["detail"]


def test_the_timestamp_and_the_nonce_are_part_of_what_is_signed() -> None:
    body = json.dumps(example(VIDEO)).encode()
    with world() as w:
        headers = signed_headers(body, DEV_INGEST_SECRET, w.clock.tick().timestamp())
        later = headers | {"X-Telebill-Timestamp": str(int(headers["X-Telebill-Timestamp"]) + 1)}
        other_nonce = headers | {"X-Telebill-Nonce": "f" * 32}
        no_nonce = {name: value for name, value in headers.items() if name != "X-Telebill-Nonce"}
        answers = [w.post_signed(body, changed) for changed in (later, other_nonce, no_nonce)]
    assert [a.status_code for a in answers] == [401, 401, 401] and w.log.sent == []
    assert "does not match" in answers[0].json()["detail"] and "does not match" in answers[1].json()["detail"]
    assert "X-Telebill-Nonce" in answers[2].json()["detail"]


def test_the_same_body_signed_twice_in_one_second_is_two_requests() -> None:
    body = json.dumps(example(VIDEO)).encode()
    with world() as w:
        at = w.clock.tick().timestamp()
        answers = [w.post_signed(body, signed_headers(body, DEV_INGEST_SECRET, at)) for _ in range(2)]
    assert [a.status_code for a in answers] == [202, 200]  # the second: already accepted, not a replay


def test_a_source_rotating_its_secret_may_sign_with_the_new_or_the_old_one() -> None:
    source = example(VIDEO)["source"]
    with world(ingest_secrets={source: ["new-secret", "old-secret"]}) as w:
        answers = [w.post(resent(example(VIDEO)), secret) for secret in ("new-secret", "old-secret", "retired")]
    assert [a.status_code for a in answers] == [202, 200, 401]  # 200: the same visit, already accepted


def test_invalid_event_is_422_naming_every_problem() -> None:
    with world() as w:
        response = w.post(example("90-invalid-several-errors.json"))
    assert response.status_code == 422 and w.log.sent == []
    expected = {"event_id", "encounter.modality", "encounter.diagnoses.1", "patient.birth_date", "unexpected"}
    assert locations(response) == expected


def test_one_invalid_item_rejects_the_whole_batch() -> None:
    with world() as w:
        response = w.post([example(VIDEO), example("90-invalid-several-errors.json")])
    assert response.status_code == 422 and w.log.sent == []
    assert {e["index"] for e in response.json()["errors"]} == {1}


# --- malformed bodies: a 4xx that names the problem --------------------------------------------


def test_body_that_is_not_json_is_422() -> None:
    with world() as w:
        response = w.post_bytes(b"{nope")
    assert response.status_code == 422 and "not valid JSON" in response.json()["errors"][0]["msg"]


def test_json_nested_a_thousand_deep_is_422_naming_the_depth_limit() -> None:
    with world() as w:
        response = w.post_bytes(b"[" * 1000 + b"]" * 1000)
        also_dict = w.post_bytes(b'{"a":' * 40 + b"1" + b"}" * 40)
    for answer in (response, also_dict):
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["msg"] == f"JSON nested deeper than {SETTINGS.ingest_max_json_depth} levels"


def test_source_given_as_a_list_is_422_naming_source() -> None:
    with world() as w:
        response = w.post(changed(VIDEO, "source", ["acme-video"]))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"index": 0, "loc": "source", "msg": "must be a string"}]


def test_missing_or_differing_sources_and_items_that_are_not_objects_are_422() -> None:
    missing = example(VIDEO)
    del missing["source"]
    with world() as w:
        response = w.post([example(VIDEO), changed(AUDIO, "source", "other-platform"), missing, 7])
    assert response.status_code == 422 and w.log.sent == []
    assert [(e["index"], e["loc"]) for e in response.json()["errors"]] == [
        (1, "source"),
        (2, "source"),
        (3, "(item)"),
    ]


def test_empty_batch_and_a_body_that_is_no_object_are_422() -> None:
    with world() as w:
        empty, number = w.post([]), w.post(42)
    assert empty.status_code == 422 and "empty batch" in empty.json()["errors"][0]["msg"]
    assert number.status_code == 422 and number.json()["errors"][0]["loc"] == "(item)"


# --- limits: 413 naming the limit -------------------------------------------------------------


def test_body_over_the_limit_is_413_naming_it_whether_declared_or_streamed() -> None:
    big = json.dumps(changed(VIDEO, "patient.address.line2", "x" * 5000)).encode()
    with world(ingest_max_body_bytes=4096) as w:
        declared = w.post_bytes(big)
        streamed = w.client.post("/v1/encounters", content=iter([big[:3000], big[3000:]]))  # chunked, no length
    for answer in (declared, streamed):
        assert answer.status_code == 413
        assert answer.json()["limit"] == "ingest_max_body_bytes" and answer.json()["max"] == 4096
    assert w.log.sent == []


def test_ten_megabyte_encounter_is_413_and_nothing_is_sent() -> None:
    with world() as w:
        response = w.post(changed(VIDEO, "patient.address.line2", "x" * 10_000_000))
    assert response.status_code == 413 and response.json()["limit"] == "ingest_max_body_bytes"
    assert w.log.sent == []


def test_a_record_too_large_for_the_broker_rejects_the_whole_batch_naming_its_index() -> None:
    huge = changed(AUDIO, "patient.address.line2", "x" * 1500)
    with world(ingest_max_record_bytes=2048) as w:
        response = w.post([example(VIDEO), huge])
    assert response.status_code == 413
    body = response.json()
    assert body["limit"] == "ingest_max_record_bytes" and body["max"] == 2048
    assert [e["index"] for e in body["errors"]] == [1]
    assert w.log.sent == [] and w.store.docs == {}


def test_more_items_than_the_batch_limit_is_413() -> None:
    with world(ingest_max_batch=2) as w:
        response = w.post([example(VIDEO), example(AUDIO), example(MONITORING)])
    assert response.status_code == 413 and response.json()["limit"] == "ingest_max_batch" and w.log.sent == []


# --- broker and database outages: 503, nothing accepted ----------------------------------------


class DownLog(InMemoryEncounterLog):
    def __init__(self) -> None:
        super().__init__()
        self.down = True

    async def publish(self, messages: Sequence[Outgoing]) -> None:
        if self.down:
            raise Unavailable("broker", "KafkaTimeoutError: Failed to update metadata after 3.0 secs.")
        await super().publish(messages)

    async def reachable(self) -> bool:
        return not self.down


class DownStore(InMemoryAcceptedStore):
    def __init__(self, down_for: set[str]) -> None:
        super().__init__()
        self.down_for = down_for

    async def find(self, keys: Sequence[str]) -> dict[str, Accepted]:
        if "find" in self.down_for:
            raise Unavailable("database", "ServerSelectionTimeoutError")
        return await super().find(keys)

    async def record(self, accepted: Sequence[Accepted]) -> set[str]:
        if "record" in self.down_for:
            raise Unavailable("database", "ServerSelectionTimeoutError")
        return await super().record(accepted)

    async def reachable(self) -> bool:
        return not self.down_for


def test_broker_down_is_503_with_the_reason_and_nothing_is_recorded_then_the_retry_is_accepted() -> None:
    log = DownLog()
    with world(log=log) as w:
        refused = w.post([example(VIDEO), example(AUDIO)])
        log.down = False
        retried = w.post([example(VIDEO), example(AUDIO)])
    assert refused.status_code == 503 and refused.headers["Retry-After"]
    assert refused.json()["dependency"] == "broker" and "KafkaTimeoutError" in refused.json()["detail"]
    assert retried.status_code == 202 and len(log.sent) == 2 and len(w.store.docs) == 2


def test_database_down_before_sending_is_503_and_nothing_is_sent() -> None:
    with world(store=DownStore({"find"})) as w:
        response = w.post(example(VIDEO))
    assert response.status_code == 503 and response.json()["dependency"] == "database" and w.log.sent == []


def test_database_down_after_sending_still_202_because_the_broker_has_it_and_a_resend_is_published_again() -> None:
    store = DownStore({"record"})
    with world(store=store) as w:
        first, again = w.post(example(VIDEO)), w.post(example(VIDEO))
    assert (first.status_code, again.status_code) == (202, 202)
    assert len(w.log.sent) == 2  # harmless: consumers are idempotent by key


def test_readyz_names_what_cannot_be_reached() -> None:
    with world() as w:
        ready = w.client.get("/readyz")
    with world(log=DownLog(), store=DownStore({"find", "record"})) as w:
        not_ready = w.client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"ready": True, "broker": "ok", "database": "ok"}
    assert not_ready.status_code == 503
    assert not_ready.json() == {"ready": False, "broker": "unreachable", "database": "unreachable"}


# --- idempotency by key -------------------------------------------------------------------------


def test_the_same_visit_resent_with_a_new_event_id_is_200_and_not_sent_again() -> None:
    event = example(VIDEO)
    with world() as w:
        first, again = w.post(event), w.post(resent(event))
    assert (first.status_code, again.status_code) == (202, 200)
    [item] = again.json()["accepted"]
    assert item["status"] == "already_accepted" and item["accepted_event_id"] == event["event_id"]
    assert len(w.log.sent) == 1


def test_other_content_under_an_accepted_key_is_409_naming_the_key() -> None:
    with world() as w:
        w.post(example(VIDEO))
        response = w.post(changed(VIDEO, "encounter.total_minutes", 40))
    assert response.status_code == 409 and len(w.log.sent) == 1
    [error] = response.json()["errors"]
    assert error["key"] == "acme-video:AV-2026-000101" and "acme-video:AV-2026-000101" in error["msg"]
    assert error["index"] == 0


def test_a_conflict_anywhere_in_a_batch_sends_nothing_of_it() -> None:
    with world() as w:
        w.post(example(VIDEO))
        response = w.post([example(AUDIO), changed(VIDEO, "encounter.total_minutes", 40)])
    assert response.status_code == 409 and [e["index"] for e in response.json()["errors"]] == [1]
    assert len(w.log.sent) == 1


def test_identical_items_in_one_batch_are_sent_once() -> None:
    event = example(VIDEO)
    with world() as w:
        response = w.post([event, resent(event), example(AUDIO)])
    assert response.status_code == 202 and len(w.log.sent) == 2
    statuses = [(i["status"], i.get("duplicate_of")) for i in response.json()["accepted"]]
    assert statuses == [("accepted", None), ("duplicate", 0), ("accepted", None)]


def test_two_versions_of_one_key_in_one_batch_are_422_naming_both_items() -> None:
    with world() as w:
        response = w.post([example(VIDEO), example(AUDIO), changed(VIDEO, "encounter.total_minutes", 40)])
    assert response.status_code == 422 and w.log.sent == []
    [error] = response.json()["errors"]
    assert error["index"] == 2 and "item 0" in error["msg"] and error["key"] == "acme-video:AV-2026-000101"


def test_a_batch_with_accepted_and_new_visits_sends_only_the_new_ones() -> None:
    with world() as w:
        w.post(example(VIDEO))
        response = w.post([resent(example(VIDEO)), example(AUDIO)])
    assert response.status_code == 202
    assert [i["status"] for i in response.json()["accepted"]] == ["already_accepted", "accepted"]
    assert [m.key for m in w.log.sent] == ["acme-video:AV-2026-000101", "acme-video:AV-2026-000102"]


# --- impossible values and text a claim cannot carry ------------------------------------------------


def test_a_visit_in_the_year_9999_is_422_naming_the_field() -> None:
    with world() as w:
        response = w.post(changed(VIDEO, "encounter.date_of_service", "9999-11-15"))
    assert response.status_code == 422 and locations(response) == {"encounter.date_of_service"}
    assert "2026-04-11" in response.json()["errors"][0]["msg"]  # the latest allowed day: tomorrow


def test_dates_outside_the_window_are_422_each_named() -> None:
    event = example(MONITORING)
    event["encounter"]["remote_monitoring"]["period_start"] = "1990-01-01"
    event["patient"]["birth_date"] = "1899-12-31"
    event["occurred_at"] = "2026-04-12T00:00:00Z"
    with world() as w:
        response = w.post(event)
    expected = {"encounter.remote_monitoring.period_start", "patient.birth_date", "occurred_at"}
    assert response.status_code == 422 and locations(response) == expected


def test_a_birth_date_in_the_future_and_a_visit_too_old_are_422() -> None:
    event = changed(VIDEO, "patient.birth_date", "2026-06-01")
    event["encounter"].update(date_of_service="2020-03-02", start="2020-03-02T15:10:00Z", end="2020-03-02T15:35:00Z")
    with world() as w:
        response = w.post(event)
    assert locations(response) == {
        "patient.birth_date",
        "encounter.date_of_service",
        "encounter.start",
        "encounter.end",
    }


def test_a_visit_that_ends_before_it_starts_is_422() -> None:
    with world() as w:
        response = w.post(changed(VIDEO, "encounter.end", "2026-03-02T15:00:00Z"))
    assert response.status_code == 422 and "end is before start" in response.json()["errors"][0]["msg"]


def test_control_characters_are_422_naming_the_field_without_echoing_the_value() -> None:
    with world() as w:
        response = w.post(changed(VIDEO, "patient.last_name", "Gar\u0000cia-Lopez"))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"index": 0, "loc": "patient.last_name", "msg": "contains a control character"}
    ]
    assert "Gar" not in response.text and w.log.sent == []


def test_emoji_or_cjk_are_422_naming_the_field() -> None:
    event = changed(VIDEO, "patient.first_name", "Ana \U0001f600")
    event["patient"]["address"]["city"] = "東京"
    with world() as w:
        response = w.post(event)
    assert response.status_code == 422 and locations(response) == {"patient.first_name", "patient.address.city"}
    assert "東京" not in response.text and "Ana" not in response.text


def test_accented_names_are_accepted_with_a_warning_per_field() -> None:
    event = changed(VIDEO, "patient.last_name", "Muñoz-Groß")
    event["rendering_provider"]["first_name"] = "Zoë"
    with world() as w:
        response = w.post(event)
    assert response.status_code == 202
    [item] = response.json()["accepted"]
    assert {x["loc"] for x in item["warnings"]} == {"patient.last_name", "rendering_provider.first_name"}
    assert "Muñoz" not in response.text


class RacedStore(InMemoryAcceptedStore):
    """Another request records the key between this request's read and its write."""

    def __init__(self, digest: str) -> None:
        super().__init__()
        self.digest = digest

    async def record(self, accepted: Sequence[Accepted]) -> set[str]:
        for a in accepted:
            self.docs[a.key] = Accepted(a.key, self.digest, "other-request", NOW)
        return set()


def test_a_race_with_another_version_is_logged_by_key_and_the_sent_encounter_is_still_202(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING), world(store=RacedStore("f" * 64)) as w:
        response = w.post(example(VIDEO))
    assert response.status_code == 202 and len(w.log.sent) == 1
    assert "acme-video:AV-2026-000101" in caplog.text and "other content" in caplog.text
    assert "DOE" not in caplog.text and "1951" not in caplog.text
