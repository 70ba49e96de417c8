"""Every API answers a database or broker outage with 503 and Retry-After, never a 500 traceback."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pymongo.errors import AutoReconnect, DuplicateKeyError

from shared.api import answer_outages, health


def app_raising(error: Exception) -> TestClient:
    app = FastAPI()
    answer_outages(app)

    @app.get("/boom")
    def boom() -> None:
        raise error

    return TestClient(app, raise_server_exceptions=False)


def test_a_database_outage_is_a_503_the_caller_may_retry() -> None:
    response = app_raising(AutoReconnect("connection refused")).get("/boom")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.json() == {"detail": "database unavailable (AutoReconnect)"}


def test_a_database_error_that_is_not_an_outage_stays_a_500_without_its_text() -> None:
    response = app_raising(DuplicateKeyError("E11000 dup key: { _id: 'acme:SMITH' }")).get("/boom")
    assert response.status_code == 500 and "SMITH" not in response.text


def app_with_probe(answers: dict[str, bool]) -> TestClient:
    app = FastAPI()
    app.include_router(health)
    app.state.use_cases = object()

    async def probe() -> dict[str, bool]:
        return answers

    app.state.probe = probe
    return TestClient(app)


def test_readyz_is_503_naming_the_dependency_that_does_not_answer() -> None:
    response = app_with_probe({"broker": False, "database": True}).get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"ready": False, "broker": "unreachable", "database": "ok"}


def test_readyz_is_200_while_the_broker_and_the_database_answer() -> None:
    response = app_with_probe({"broker": True, "database": True}).get("/readyz")
    assert response.status_code == 200 and response.json()["ready"] is True
