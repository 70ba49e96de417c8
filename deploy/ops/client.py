"""A small signed client for the ingest API, used by `telebill send`, the demo and the tests."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from services.ingest.domain.intake import sign
from shared.access import presented_key
from shared.settings import Settings, get_settings


def base_url(settings: Settings) -> str:
    return f"http://{settings.ingest_host}:{settings.ingest_port}"


def post_body(body: bytes, source: str, url: str | None = None, settings: Settings | None = None) -> tuple[int, Any]:
    settings = settings or get_settings()
    headers = {"Content-Type": "application/json"} | signed_headers(body, settings.signing_secret(source))
    response = httpx.post(f"{url or base_url(settings)}/v1/encounters", content=body, headers=headers, timeout=30)
    return response.status_code, response.json()


def signed_headers(body: bytes, secret: str, at: float | None = None) -> dict[str, str]:
    """The headers a platform sends: when it signed, a nonce of its own, and the signature over both
    and the body."""
    timestamp, nonce = int(time.time() if at is None else at), uuid.uuid4().hex
    return {
        "X-Telebill-Timestamp": str(timestamp),
        "X-Telebill-Nonce": nonce,
        "X-Telebill-Signature": sign(body, secret, timestamp, nonce),
    }


def api_headers(settings: Settings, purpose: str) -> dict[str, str]:
    """What the CLI sends every API: its key, and why it asks (kept in the audit log)."""
    return {"Authorization": f"Bearer {presented_key(settings)}", "X-Telebill-Purpose": purpose}


def post_events(
    events: list[dict[str, Any]], url: str | None = None, settings: Settings | None = None
) -> tuple[int, Any]:
    body = json.dumps(events).encode()
    return post_body(body, str(events[0].get("source", "")) if events else "", url, settings)


def post_file(path: Path, url: str | None = None) -> tuple[int, Any]:
    body = path.read_bytes()
    data = json.loads(body)
    first = data[0] if isinstance(data, list) and data else data
    return post_body(body, str(first.get("source", "")) if isinstance(first, dict) else "", url)


def coding_holds(settings: Settings, reason: str | None, limit: int) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"limit": limit} | ({"reason": reason} if reason else {})
    response = httpx.get(
        f"http://{settings.ingest_host}:{settings.coding_api_port}/v1/holds",
        params=params,
        headers=api_headers(settings, "operations: telebill holds"),
        timeout=30,
    )
    response.raise_for_status()
    return list(response.json()["holds"])


def ops_client(settings: Settings, timeout: float = 30) -> httpx.Client:
    """A client of the ops API (the read model), with the operators' token."""
    headers = api_headers(settings, "operations: telebill CLI")
    return httpx.Client(base_url=settings.api_url("ops-api"), headers=headers, timeout=timeout)
