"""Asking the eligibility service for an encounter's verification trail — through its API, never
its database — to put the evidence (270/271 trace, call reference) into an appeal packet."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from pydantic import BaseModel, JsonValue, TypeAdapter

from services.remittance.domain.appeal import EligibilityTrail

ANSWER = TypeAdapter(dict[str, JsonValue])


class CitedEvidence(BaseModel):
    call_reference: str | None = None
    trace_number: str | None = None


class Exchange(BaseModel):
    evidence: CitedEvidence | None = None


class CitedTrail(BaseModel):
    """The part of the eligibility API's trail an appeal cites (the rest is shown as answered)."""

    phone_calls: list[Exchange] = []
    payer_exchanges: list[Exchange] = []


def trail_from(answer: Mapping[str, JsonValue]) -> EligibilityTrail:
    cited = CitedTrail.model_validate(answer)
    return EligibilityTrail(
        answer,
        call_references=tuple(call.evidence.call_reference for call in cited.phone_calls if call.evidence),
        payer_traces=tuple(x.evidence.trace_number for x in cited.payer_exchanges if x.evidence),
    )


class HttpEligibilityEvidence:
    def __init__(self, base_url: str, token: str, timeout_seconds: float = 5.0) -> None:
        self.base_url, self.headers, self.timeout = (
            base_url.rstrip("/"),
            {"Authorization": f"Bearer {token}", "X-Telebill-Purpose": "payment: appeal packet evidence"},
            timeout_seconds,
        )

    async def trail(self, encounter_key: str) -> EligibilityTrail:
        url = f"{self.base_url}/v1/encounters/{encounter_key}/verification-trail"
        try:
            async with httpx.AsyncClient(timeout=self.timeout, headers=self.headers) as client:
                response = await client.get(url)
        except httpx.HTTPError as error:
            return EligibilityTrail.unavailable(f"eligibility service did not answer: {type(error).__name__}")
        if response.status_code != 200:
            return EligibilityTrail.unavailable(f"eligibility service answered {response.status_code}")
        return trail_from(ANSWER.validate_python(response.json()))


class StaticEvidence:
    """For unit tests: trails by encounter key, as the eligibility API answers them."""

    def __init__(self, trails: dict[str, dict[str, JsonValue]] | None = None) -> None:
        self.trails = trails or {}

    async def trail(self, encounter_key: str) -> EligibilityTrail:
        answer = self.trails.get(encounter_key)
        return (
            trail_from(answer) if answer is not None else EligibilityTrail.unavailable(f"no trail for {encounter_key}")
        )
