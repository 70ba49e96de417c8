"""Where each encounter ended up: posted payments read from `payment-posted` (as any downstream
consumer would), holds looked up by `_id` in each service's database (an operator's view; services
never do this). Used by the demo, the benches and the end-to-end tests."""

from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from kafka.errors import KafkaError

from deploy.ops.processes import WORKERS
from shared.kafka import consumer_from_now, consumer_group, group_lag
from shared.mongo import sync_database
from shared.settings import Settings
from shared.topics import PAYMENT_POSTED, PIPELINE

QUIET_SECONDS = 3.0
LOOK_ANYWAY_SECONDS = 30.0  # holds are looked up this often even while a worker lags (say, it is stopped)


@dataclass
class Outcome:
    # posted | not_covered | held_eligibility | held_coding | self_pay | scrub_rejected | rejected_by_payer | in_flight
    stage: str
    detail: str = ""
    payments: list[dict[str, Any]] = field(default_factory=list)


def hold_of(settings: Settings, key: str) -> Outcome | None:
    doc = sync_database(settings, "eligibility")["encounters"].find_one({"_id": key}, {"status": 1, "verification": 1})
    if doc and doc["status"] in ("waiting_manual", "waiting_payer"):
        return Outcome("held_eligibility", doc["verification"].get("reason", ""))
    if doc and doc["verification"].get("outcome") == "not_covered":
        return Outcome("not_covered", doc["verification"].get("reason", ""))
    doc = sync_database(settings, "coding")["coded_encounters"].find_one({"_id": key}, {"status": 1, "holds": 1})
    if doc and doc["status"] in ("held", "self_pay"):
        reasons = ", ".join(hold["reason"] for hold in doc.get("holds", []))
        return Outcome("held_coding" if doc["status"] == "held" else "self_pay", reasons)
    doc = sync_database(settings, "claims")["claims"].find_one({"_id": key}, {"status": 1, "problems": 1, "history": 1})
    if doc and doc["status"] == "scrub_rejected":
        return Outcome("scrub_rejected", "; ".join(doc.get("problems", [])))
    if doc and doc["status"] == "rejected":
        return Outcome("rejected_by_payer", doc["history"][-1]["note"] if doc.get("history") else "")
    return None


class Tracker:
    """Create it before sending, so that it sees every payment posted from then on."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.consumer = consumer_from_now(settings.kafka_bootstrap, PAYMENT_POSTED.name)

    def wait(self, keys: list[str], timeout: float = 180.0, late_payments: bool = True) -> dict[str, Outcome]:
        """Holds are looked up only once payments have stopped arriving for a while and every worker
        has read all of its input, so that watching never competes with the pipeline for the
        database (a backlog of thousands would otherwise be looked up while it is still flowing).
        `late_payments`: then go on reading postings that follow a first one (a payer's reprocessing)."""
        found = {key: Outcome("in_flight") for key in keys}
        deadline, last_payment = time.monotonic() + timeout, time.monotonic()
        last_look = time.monotonic()
        while any(o.stage == "in_flight" for o in found.values()) and time.monotonic() < deadline:
            if self.read_payments(found):
                last_payment = time.monotonic()
            elif time.monotonic() - last_payment >= QUIET_SECONDS:
                if time.monotonic() - last_look >= LOOK_ANYWAY_SECONDS or self.workers_caught_up():
                    self.check_holds(found)
                    last_look = time.monotonic()
                last_payment = time.monotonic()
        if late_payments:
            self.read_late_payments(found, deadline)
        self.consumer.close()
        return found

    def read_late_payments(self, found: dict[str, Outcome], deadline: float) -> None:
        """A payer's reprocessing (reversal, then payment again) arrives a delivery delay after the
        first payment: keep reading until payments have stopped for a while."""
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < QUIET_SECONDS and time.monotonic() < deadline:
            if self.read_payments(found):
                quiet_since = time.monotonic()

    def read_payments(self, found: dict[str, Outcome]) -> int:
        seen = 0
        for records in self.consumer.poll(timeout_ms=500).values():
            for record in records:
                payment = json.loads(record.value)
                outcome = found.get(payment["correlation_id"])
                if outcome is not None:
                    outcome.stage = "posted"
                    outcome.payments.append(payment)
                    seen += 1
        return seen

    def workers_caught_up(self) -> bool:
        """Every worker's consumer group has committed up to the end of each topic it reads (False
        while the broker cannot say: the holds are then looked up on the slower clock)."""
        inputs = {name: [t.name for t in PIPELINE if name in t.consumers] for name in WORKERS}
        try:
            return not any(
                any(group_lag(self.settings.kafka_bootstrap, consumer_group(name), topics).values())
                for name, topics in inputs.items()
            )
        except KafkaError:
            return False

    def check_holds(self, found: dict[str, Outcome]) -> None:
        waiting = [key for key, outcome in found.items() if outcome.stage == "in_flight"]
        with ThreadPoolExecutor(max_workers=self.settings.mongo_max_pool_size) as pool:
            for key, hold in zip(waiting, pool.map(lambda key: hold_of(self.settings, key), waiting), strict=True):
                if hold is not None and found[key].stage == "in_flight":
                    found[key] = hold


def stage_counts(found: dict[str, Outcome]) -> Counter[str]:
    return Counter(outcome.stage for outcome in found.values())
