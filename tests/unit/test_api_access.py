"""Every operation of every API, read from its OpenAPI document (a new endpoint cannot be forgotten):
without a credential and with an unknown one it is 401, with a credential one scope too weak 403, and
with the scope its security requirement names it gets past the check. Only health, readiness, the
dashboard's static shell and the signed ingest route are open, and they say so by having no security
requirement."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.claims.entrypoints import api as claims_api
from services.coding.entrypoints import api as coding_api
from services.eligibility.entrypoints import api as eligibility_api
from services.ingest.entrypoints import api as ingest_api
from services.ops.entrypoints import api as ops_api
from services.remittance.entrypoints import api as remittance_api
from shared.settings import DEV_API_KEYS

APPS: dict[str, Callable[..., FastAPI]] = {
    "claims": claims_api.create_app,
    "coding": coding_api.create_app,
    "eligibility": eligibility_api.create_app,
    "ingest": ingest_api.create_app,
    "ops": ops_api.create_app,
    "remittance": remittance_api.create_app,
}
# Open on purpose: no patient data, or (ingest) authenticated by the platform's signature instead.
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/"),
    ("GET", "/static/plotly.min.js"),
    ("GET", "/static/{name}"),
    ("POST", "/v1/encounters"),
}
TOO_WEAK = {"ops:read": "dev-no-scope", "ops:write": "dev-reader", "admin": "dev-operator"}


class NoUseCases:
    """Stands in for a service's use cases: a route that reached them without its check would fail."""

    async def close(self) -> None:
        return None


def operations() -> list[tuple[str, str, str, list[str]]]:
    found = []
    for name, create in APPS.items():
        for path, methods in create(NoUseCases).openapi()["paths"].items():
            for method, operation in methods.items():
                scopes = [
                    scope
                    for requirement in operation.get("security", [])
                    for scope in requirement.get("HTTPBearer", [])
                ]
                found.append((name, method.upper(), path, scopes))
    return found


OPERATIONS = operations()


def call(name: str, method: str, path: str, key: str | None) -> int:
    url = re.sub(r"\{[^}]+\}", "x", path)
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    with TestClient(APPS[name](NoUseCases), raise_server_exceptions=False) as client:
        return client.request(method, url, headers=headers, json={}).status_code


def bearer(operator: str) -> str:
    return DEV_API_KEYS[operator][0]


def test_every_operation_is_either_public_on_purpose_or_names_exactly_one_scope() -> None:
    assert len(OPERATIONS) > 25
    for name, method, path, scopes in OPERATIONS:
        if (method, path) in PUBLIC:
            assert scopes == [], (name, method, path)
        else:
            assert len(scopes) == 1 and scopes[0] in TOO_WEAK, (name, method, path, scopes)


@pytest.mark.parametrize(("name", "method", "path", "scopes"), [o for o in OPERATIONS if (o[1], o[2]) not in PUBLIC])
def test_an_operation_refuses_no_wrong_and_too_weak_credentials(
    name: str, method: str, path: str, scopes: list[str]
) -> None:
    [scope] = scopes
    assert call(name, method, path, None) == 401
    assert call(name, method, path, "tbk_not-a-key") == 401
    assert call(name, method, path, bearer(TOO_WEAK[scope])) == 403
    assert call(name, method, path, bearer("dev-admin")) not in (401, 403)


def test_the_openapi_documents_name_the_bearer_scheme() -> None:
    for create in APPS.values():
        schemes: dict[str, Any] = create(NoUseCases).openapi()["components"]["securitySchemes"]
        assert schemes["HTTPBearer"] == schemes["HTTPBearer"] | {"type": "http", "scheme": "bearer"}
