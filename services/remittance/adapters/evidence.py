"""Asking the eligibility service for an encounter's verification trail — through its API, never
its database — to put the evidence (270/271 trace, call reference) into an appeal packet."""

from __future__ import annotations

from typing import Any

import httpx


class HttpEligibilityEvidence:
    def __init__(self, base_url: str, token: str, timeout_seconds: float = 5.0) -> None:
        self.base_url, self.headers, self.timeout = (
            base_url.rstrip("/"),
            {"Authorization": f"Bearer {token}", "X-Telebill-Purpose": "payment: appeal packet evidence"},
            timeout_seconds,
        )

    async def trail(self, encounter_key: str) -> dict[str, Any]:
        url = f"{self.base_url}/v1/encounters/{encounter_key}/verification-trail"
        try:
            async with httpx.AsyncClient(timeout=self.timeout, headers=self.headers) as client:
                response = await client.get(url)
        except httpx.HTTPError as error:
            return {"unavailable": f"eligibility service did not answer: {type(error).__name__}"}
        if response.status_code != 200:
            return {"unavailable": f"eligibility service answered {response.status_code}"}
        return dict(response.json())


class StaticEvidence:
    """For unit tests: trails by encounter key."""

    def __init__(self, trails: dict[str, dict[str, Any]] | None = None) -> None:
        self.trails = trails or {}

    async def trail(self, encounter_key: str) -> dict[str, Any]:
        return self.trails.get(encounter_key, {"unavailable": f"no trail for {encounter_key}"})
