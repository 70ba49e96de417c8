"""Every item of a request checked before anything is sent: the contract, plausible values, the
record size and repeated keys. One refusal lists every problem of every item. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from services.ingest.domain.idempotency import Candidate, conflicts_within, payload_digest
from services.ingest.domain.intake import Limits, Outcome, Problem, invalid, too_large
from services.ingest.domain.plausibility import DateWindow, date_problems, text_findings
from shared.contracts.encounter import EncounterCompleted


@dataclass(frozen=True)
class Policy:
    limits: Limits
    window: DateWindow


def checked_items(items: list[dict[str, Any]], policy: Policy, today: date) -> list[Candidate] | Outcome:
    candidates, problems = [], []
    for index, item in enumerate(items):
        checked = checked_item(index, item, policy.window, today)
        if isinstance(checked, Candidate):
            candidates.append(checked)
        else:
            problems += checked
    if problems:
        return invalid(problems)
    return oversized(candidates, policy.limits) or repeated_keys(candidates) or candidates


def checked_item(index: int, item: dict[str, Any], window: DateWindow, today: date) -> Candidate | list[Problem]:
    try:
        event = EncounterCompleted.model_validate(item)
    except ValidationError as error:
        return [Problem(index, ".".join(str(p) for p in e["loc"]) or "(root)", e["msg"]) for e in error.errors()]
    text_problems, warnings = text_findings(event)
    problems = date_problems(event, window, today) + text_problems
    if problems:
        return [problem.at(index) for problem in problems]
    value = event.model_dump_json(exclude_unset=True)
    return Candidate(index, event, payload_digest(event), value, tuple(w.at(index) for w in warnings))


def oversized(candidates: list[Candidate], limits: Limits) -> Outcome | None:
    """Kafka refuses a record over its `message.max.bytes`: checked here so none of a batch is sent."""
    largest = limits.max_record_bytes
    problems = [
        Problem(c.index, "(item)", f"record of {c.record_bytes} bytes is more than {largest}")
        for c in candidates
        if c.record_bytes > largest
    ]
    if not problems:
        return None
    return too_large(f"encounter record larger than {largest} bytes", "ingest_max_record_bytes", largest, problems)


def repeated_keys(candidates: list[Candidate]) -> Outcome | None:
    problems = conflicts_within(candidates)
    return invalid(problems, "two items carry the same key with other content") if problems else None
