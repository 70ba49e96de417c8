"""The ingest API: signatures, contract validation with every problem listed, batches."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from services.ingest.domain.intake import sign
from services.ingest.entrypoints.api import create_app
from shared.settings import DEV_INGEST_SECRET
from tests.conftest import example


class KeepingSink:
    def __init__(self) -> None:
        self.sent: list = []

    def send(self, encounters: list) -> None:
        self.sent.extend(encounters)


def post(client: TestClient, payload: object, secret: str = DEV_INGEST_SECRET):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    return client.post("/v1/encounters", content=body, headers={"X-Telebill-Signature": sign(body, secret)})


def client_and_sink() -> tuple[TestClient, KeepingSink]:
    sink = KeepingSink()
    return TestClient(create_app(lambda: sink)), sink


def test_valid_event_is_accepted_and_produced() -> None:
    client, sink = client_and_sink()
    with client:
        response = post(client, example("01-medicare-video-home-established.json"))
    assert response.status_code == 202
    assert response.json()["accepted"][0]["key"] == "acme-video:AV-2026-000101"
    assert len(sink.sent) == 1


def test_batch_is_accepted_whole() -> None:
    client, sink = client_and_sink()
    with client:
        response = post(
            client, [example("01-medicare-video-home-established.json"), example("02-commercial-audio-only-home.json")]
        )
    assert response.status_code == 202 and len(sink.sent) == 2


def test_bad_signature_is_401_and_produces_nothing() -> None:
    client, sink = client_and_sink()
    with client:
        response = post(client, example("01-medicare-video-home-established.json"), secret="wrong")
    assert response.status_code == 401 and sink.sent == []


def test_invalid_event_is_422_naming_every_problem() -> None:
    client, sink = client_and_sink()
    with client:
        response = post(client, example("90-invalid-several-errors.json"))
    assert response.status_code == 422 and sink.sent == []
    assert {e["loc"] for e in response.json()["errors"]} == {
        "event_id",
        "encounter.modality",
        "encounter.diagnoses.1",
        "patient.birth_date",
        "unexpected",
    }


def test_one_invalid_item_rejects_the_whole_batch() -> None:
    client, sink = client_and_sink()
    with client:
        response = post(
            client, [example("01-medicare-video-home-established.json"), example("90-invalid-several-errors.json")]
        )
    assert response.status_code == 422 and sink.sent == []
    assert {e["index"] for e in response.json()["errors"]} == {1}


def test_body_that_is_not_json_is_422() -> None:
    client, _ = client_and_sink()
    with client:
        response = client.post(
            "/v1/encounters", content=b"{nope", headers={"X-Telebill-Signature": sign(b"{nope", DEV_INGEST_SECRET)}
        )
    assert response.status_code == 422
