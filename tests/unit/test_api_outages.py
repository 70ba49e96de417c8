"""Every API answers a database or broker outage with 503 and Retry-After, never a 500 traceback."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pymongo.errors import AutoReconnect, DuplicateKeyError

from shared.api import answer_outages


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
