"""The ingest API on the real broker and database: an accepted encounter is on the topic and
remembered; a resend is 200, a different version 409; a broker or database that cannot be reached
is a 503 within seconds, and `/readyz` says which one."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from deploy.ops.client import signed_headers
from services.ingest.bootstrap import build
from services.ingest.entrypoints.api import create_app
from shared.kafka import ensure_topics
from shared.mongo import async_database
from shared.settings import DEV_INGEST_SECRET, Settings
from tests.conftest import example
from tests.e2e.conftest import moved_to_recent
from tests.kafka_watch import TopicWatch

pytestmark = pytest.mark.integration


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


def visit(unique: str) -> dict[str, Any]:
    event = moved_to_recent(example("01-medicare-video-home-established.json"))
    event["encounter"]["encounter_id"] = f"INGEST-{unique}"
    return event


@pytest.fixture
def isolated(settings: Settings, unique: str) -> Settings:
    return settings.model_copy(update={"db_prefix": f"test_{unique}"})


@pytest.fixture
def topic(isolated: Settings, unique: str) -> str:
    name = f"test-ingest-{unique}"
    ensure_topics(isolated, [name])
    return name


@pytest.fixture
def client(isolated: Settings, topic: str) -> Iterator[TestClient]:
    with TestClient(create_app(lambda: build(isolated, topic))) as test_client:
        yield test_client


def post(client: TestClient, payload: object) -> Any:
    body = json.dumps(payload).encode()
    return client.post("/v1/encounters", content=body, headers=signed_headers(body, DEV_INGEST_SECRET))


def stored(settings: Settings, key: str) -> dict[str, Any] | None:
    async def read() -> dict[str, Any] | None:
        database = async_database(settings, "ingest")
        try:
            return await database["accepted"].find_one({"_id": key})
        finally:
            await database.client.close()

    return asyncio.run(read())


def test_accepted_once_on_the_topic_and_remembered_then_200_for_a_resend_and_409_for_another_version(
    client: TestClient, isolated: Settings, topic: str, unique: str
) -> None:
    watch = TopicWatch(isolated.kafka_bootstrap, topic)
    event = visit(unique)
    key = f"acme-video:INGEST-{unique}"
    try:
        assert post(client, event).status_code == 202
        assert [v["event_id"] for v in watch.collect(lambda _, k: k == key.encode(), 1, timeout=20)] == [
            event["event_id"]
        ]
        again = post(client, event | {"event_id": "0f0e0d0c-0b0a-4908-8706-050403020100"})
        other = post(client, event | {"encounter": event["encounter"] | {"total_minutes": 40}})
        assert watch.collect(lambda _, k: k == key.encode(), 1, timeout=3) == []  # nothing sent again
    finally:
        watch.close()
    assert again.status_code == 200 and again.json()["accepted"][0]["status"] == "already_accepted"
    assert other.status_code == 409 and other.json()["errors"][0]["key"] == key
    remembered = stored(isolated, key)
    assert remembered is not None and remembered["event_id"] == event["event_id"] and len(remembered["digest"]) == 64


def test_a_signed_request_counts_once_even_through_another_instance_of_the_api(
    isolated: Settings, topic: str, unique: str
) -> None:
    body = json.dumps(visit(unique)).encode()
    headers = signed_headers(body, DEV_INGEST_SECRET)
    answers = []
    for _ in range(2):  # two API processes share the replay guard in the database
        with TestClient(create_app(lambda: build(isolated, topic))) as client:
            answers.append(client.post("/v1/encounters", content=body, headers=headers))
    assert [a.status_code for a in answers] == [202, 401]
    assert "already received" in answers[1].json()["detail"]


def test_ready_when_the_broker_and_the_database_answer(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json() == {"ready": True, "broker": "ok", "database": "ok"}


def test_broker_down_is_a_prompt_503_with_its_reason_and_not_ready(isolated: Settings, unique: str) -> None:
    down = isolated.model_copy(update={"kafka_bootstrap": closed_port()})
    with TestClient(create_app(lambda: build(down))) as client:
        started = time.monotonic()
        response = post(client, visit(unique))
        elapsed = time.monotonic() - started
        ready = client.get("/readyz")
    assert response.status_code == 503 and elapsed < 8, (response.status_code, elapsed)
    assert response.json()["dependency"] == "broker" and "bootstrap" in response.json()["detail"]
    assert ready.status_code == 503 and ready.json() == {"ready": False, "broker": "unreachable", "database": "ok"}
    assert stored(isolated, f"acme-video:INGEST-{unique}") is None


def test_database_down_is_a_prompt_503_and_nothing_is_sent(isolated: Settings, topic: str, unique: str) -> None:
    down = isolated.model_copy(update={"mongo_url": f"mongodb://{closed_port()}/"})
    watch = TopicWatch(isolated.kafka_bootstrap, topic)
    try:
        with TestClient(create_app(lambda: build(down, topic))) as client:
            started = time.monotonic()
            response = post(client, visit(unique))
            elapsed = time.monotonic() - started
            ready = client.get("/readyz")
        assert watch.collect(lambda _, key: True, 1, timeout=3) == []
    finally:
        watch.close()
    assert response.status_code == 503 and response.json()["dependency"] == "database" and elapsed < 8
    assert ready.status_code == 503 and ready.json()["database"] == "unreachable"
