"""Every API's OpenAPI document declares what its routes answer: the status codes each returns, 401
and 403 where a key is needed, 503 while a dependency is away, and a request body for every POST."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from services.claims.entrypoints.api import CORRECTION_STATUS
from services.coding.entrypoints.api import STATUS_CODES as RESOLUTION_STATUS
from services.eligibility.entrypoints.api import PHONE_STATUS
from services.ingest.entrypoints.api import STATUS_CODES as INGEST_STATUS
from services.remittance.entrypoints.api import UPLOAD_STATUS
from tests.unit.test_api_access import APPS, NoUseCases

DECLARED = {  # (api, method, path): the codes the route's own code returns
    ("claims", "post", "/v1/claims/{key}/replacement"): set(CORRECTION_STATUS.values()),
    ("claims", "post", "/v1/claims/{key}/void"): set(CORRECTION_STATUS.values()),
    ("claims", "get", "/v1/claims/{key}"): {404},
    ("coding", "post", "/v1/holds/{key}/resolution"): set(RESOLUTION_STATUS.values()),
    ("coding", "get", "/v1/holds/{key}"): {404},
    ("eligibility", "post", "/v1/encounters/{key}/phone-verifications"): set(PHONE_STATUS.values()),
    ("eligibility", "get", "/v1/encounters/{key}/verification-trail"): {404},
    ("ingest", "post", "/v1/encounters"): set(INGEST_STATUS.values()),
    ("remittance", "post", "/v1/eras"): {413, *UPLOAD_STATUS.values()},
    ("remittance", "get", "/v1/denials/{posting_key}/appeal-packet"): {404},
    ("ops", "get", "/v1/encounters/{key}/trail"): {404},
}


@cache
def documents() -> dict[str, dict[str, Any]]:
    return {name: create(NoUseCases).openapi() for name, create in APPS.items()}


def operations() -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (name, method, path, operation)
        for name, document in documents().items()
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


@pytest.mark.parametrize(("api", "method", "path", "operation"), operations(), ids=lambda v: str(v)[:40])
def test_every_operation_declares_the_answers_any_route_can_give(
    api: str, method: str, path: str, operation: dict[str, Any]
) -> None:
    codes = set(operation["responses"])
    assert "503" in codes
    if operation.get("security"):
        assert {"401", "403"} <= codes
    if method == "post":
        assert "requestBody" in operation, f"{api} {path} declares no request body"


@pytest.mark.parametrize(("api", "method", "path"), sorted(DECLARED))
def test_a_route_declares_every_status_its_code_returns(api: str, method: str, path: str) -> None:
    operation = documents()[api]["paths"][path][method]
    assert {str(code) for code in DECLARED[(api, method, path)]} <= set(operation["responses"])


def test_the_routes_that_read_raw_bytes_say_what_the_bytes_are() -> None:
    found = documents()
    assert "application/edi-x12" in found["remittance"]["paths"]["/v1/eras"]["post"]["requestBody"]["content"]
    assert "application/json" in found["ingest"]["paths"]["/v1/encounters"]["post"]["requestBody"]["content"]


# A stored record shown as it is (its fields are the record's: a claim with its history, a hold, a
# verification trail, an appeal packet), the platform's answer echoed per item, and the probes.
FREE_FORM = {
    ("claims", "get", "/v1/claims/{key}"),
    ("coding", "get", "/v1/holds/{key}"),
    ("eligibility", "get", "/v1/encounters/{key}/verification-trail"),
    ("remittance", "get", "/v1/denials/{posting_key}/appeal-packet"),
    ("ingest", "post", "/v1/encounters"),
}
PROBES_AND_PAGES = ("/healthz", "/readyz", "/", "/static/plotly.min.js", "/static/{name}")


@pytest.mark.parametrize(("api", "method", "path", "operation"), operations(), ids=lambda v: str(v)[:40])
def test_every_answer_with_a_body_names_its_model(api: str, method: str, path: str, operation: dict[str, Any]) -> None:
    if path in PROBES_AND_PAGES or (api, method, path) in FREE_FORM:
        return
    success = {code: answer for code, answer in operation["responses"].items() if code.startswith("2")}
    schemas = [answer.get("content", {}).get("application/json", {}).get("schema", {}) for answer in success.values()]
    assert schemas and all("$ref" in schema for schema in schemas), f"{api} {method} {path}: {schemas}"
