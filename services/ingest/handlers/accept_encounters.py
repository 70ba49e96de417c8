"""A platform's signed POST → every problem named, or the new encounters on `encounter-completed`,
each key once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.ingest.domain.body import read_batch
from services.ingest.domain.idempotency import Accepted, Candidate, conflicts_with, first_of_each_key, item_status
from services.ingest.domain.intake import (
    Outcome,
    Signed,
    conflict,
    replayed,
    signature_digest,
    signature_problem,
    unavailable,
    unsigned,
)
from services.ingest.domain.items import Policy, checked_items
from services.ingest.handlers.ports import AcceptedStore, EncounterLog, Signing, Unavailable
from shared.messaging import Outgoing
from shared.topics import ENCOUNTER_COMPLETED

log = logging.getLogger(__name__)


class AcceptEncounters:
    def __init__(
        self,
        policy: Policy,
        signing: Signing,
        publisher: EncounterLog,
        store: AcceptedStore,
        now: Callable[[], datetime],
        topic: str = ENCOUNTER_COMPLETED.name,
    ) -> None:
        self.policy, self.signing, self.now = policy, signing, now
        self.publisher, self.store, self.topic = publisher, store, topic

    async def __call__(self, body: bytes, signed: Signed) -> Outcome:
        batch = read_batch(body, self.policy.limits)
        if isinstance(batch, Outcome):
            return batch
        try:
            refused = await self.refused_signature(body, batch.source, signed)
            if refused is not None:
                return refused
            outcome = await self.checked_and_accepted(batch.items)
        except Unavailable as error:
            outcome = unavailable(error.dependency, error.reason)
        return replace(outcome, signed_by=batch.source)

    async def checked_and_accepted(self, items: list[dict[str, Any]]) -> Outcome:
        candidates = checked_items(items, self.policy, self.now().date())
        if isinstance(candidates, Outcome):
            return candidates
        return await self.accept(candidates)

    async def refused_signature(self, body: bytes, source: str, signed: Signed) -> Outcome | None:
        now = self.now()
        secrets = self.signing.secrets_for(source)
        problem = signature_problem(body, signed, secrets, int(now.timestamp()), self.signing.window_seconds)
        if problem is not None:
            return unsigned(problem)
        first = await self.signing.seen.first_time(signature_digest(str(signed.signature)), now)
        return None if first else replayed()

    async def accept(self, candidates: list[Candidate]) -> Outcome:
        first = first_of_each_key(candidates)
        stored = await self.store.find(list(first))
        conflicts = conflicts_with(first, stored)
        if conflicts:
            return conflict(conflicts)
        new = [candidate for key, candidate in first.items() if key not in stored]
        if new:
            await self.publisher.publish([Outgoing(topic=self.topic, key=c.key, value=c.value) for c in new])
            await self.remember(new)
        items = [item_status(candidate, first, stored) for candidate in candidates]
        return Outcome("accepted" if new else "already_accepted", {"accepted": items})

    async def remember(self, sent: list[Candidate]) -> None:
        """Best effort: the encounters are safe in the broker whatever happens here."""
        now = self.now()
        try:
            recorded = await self.store.record([Accepted(c.key, c.digest, c.event_id, now) for c in sent])
            await self.report_races([c for c in sent if c.key not in recorded])
        except Unavailable as error:
            log.warning("%d encounter(s) sent but not recorded (%s): a resend publishes them again", len(sent), error)

    async def report_races(self, raced: list[Candidate]) -> None:
        """Another request accepted the same key between our read and our write: both reached the
        broker. Harmless when identical; a different version is logged for a person to look at."""
        if not raced:
            return
        stored = await self.store.find([c.key for c in raced])
        differing = sorted(c.key for c in raced if c.key in stored and stored[c.key].digest != c.digest)
        if differing:
            log.warning("keys accepted concurrently with other content, both published: %s", ", ".join(differing))
