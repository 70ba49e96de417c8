"""Where each encounter ended up, read from each service's own database (an operator's view;
services never do this). Used by the demo and the end-to-end tests."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from shared.mongo import sync_database
from shared.settings import Settings


@dataclass
class Outcome:
    stage: str  # posted | held_eligibility | held_coding | self_pay | scrub_rejected | in_flight
    detail: str = ""
    payments: list[dict[str, Any]] = field(default_factory=list)


def outcomes(settings: Settings, keys: list[str]) -> dict[str, Outcome]:
    found = {key: Outcome("in_flight") for key in keys}
    eligibility = sync_database(settings, "eligibility")["encounters"]
    for doc in eligibility.find({"_id": {"$in": keys}, "status": "waiting_manual"}, {"verification": 1}):
        found[doc["_id"]] = Outcome("held_eligibility", doc["verification"].get("reason", ""))
    coding = sync_database(settings, "coding")["coded_encounters"]
    for doc in coding.find({"_id": {"$in": keys}, "status": {"$in": ["held", "self_pay"]}}, {"status": 1, "holds": 1}):
        reasons = ", ".join(hold["reason"] for hold in doc.get("holds", []))
        found[doc["_id"]] = Outcome("held_coding" if doc["status"] == "held" else "self_pay", reasons)
    claims = sync_database(settings, "claims")["claims"]
    for doc in claims.find({"_id": {"$in": keys}, "status": "scrub_rejected"}, {"problems": 1}):
        found[doc["_id"]] = Outcome("scrub_rejected", "; ".join(doc.get("problems", [])))
    payments = sync_database(settings, "remittance")["payments"]
    for doc in payments.find({"correlation_id": {"$in": keys}}, {"payment": 1, "correlation_id": 1}):
        found[doc["correlation_id"]].stage = "posted"
        found[doc["correlation_id"]].payments.append(doc["payment"])
    return found


def wait_accounted(settings: Settings, keys: list[str], timeout: float = 180.0) -> dict[str, Outcome]:
    deadline = time.monotonic() + timeout
    while True:
        current = outcomes(settings, keys)
        if all(o.stage != "in_flight" for o in current.values()) or time.monotonic() > deadline:
            return current
        time.sleep(1.0)


def stage_counts(found: dict[str, Outcome]) -> Counter[str]:
    return Counter(outcome.stage for outcome in found.values())
