"""Claims use cases: assemble coded encounters into claims, batch them into 837P interchanges,
drop them for the clearinghouse and announce `claim-submitted`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.claims.domain.assemble import ChargeMaster, MissingCharge, assemble
from services.claims.domain.claim import Claim, Envelope, ServiceLine
from services.claims.domain.x837 import Submitter, render_837p
from shared.contracts.events import ClaimCoded, ClaimSubmitted, SubmittedLine
from shared.messaging import Outgoing, Publisher
from shared.metrics import HOLDS
from shared.outbox import InMemoryOutboxStore, OutboxStore
from shared.topics import CLAIM_SUBMITTED

SERVICE = "claims"


class ClaimStore(Protocol):
    claims: OutboxStore | InMemoryOutboxStore

    async def next_control_number(self) -> int: ...
    async def save_interchange(self, control_number: int, file_name: str, x12: str, claim_ids: list[str]) -> None: ...
    async def undropped_interchanges(self) -> list[dict[str, Any]]: ...
    async def mark_dropped(self, control_number: int) -> None: ...


class Exchange(Protocol):
    async def drop_outbound(self, file_name: str, content: str) -> None: ...


@dataclass(frozen=True)
class SubmissionSettings:
    sender_id: str
    receiver_id: str
    usage_indicator: str
    max_claims: int
    submitter: Submitter


class SubmitClaims:
    def __init__(
        self,
        store: ClaimStore,
        exchange: Exchange,
        publisher: Publisher,
        charges: ChargeMaster,
        submitter: SubmissionSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self.store, self.exchange, self.publisher = store, exchange, publisher
        self.charges, self.submitter, self.clock = charges, submitter, clock

    async def __call__(self, events: list[ClaimCoded]) -> None:
        await self.redrop_undropped()
        keys = [event.correlation_id for event in events]
        known = await self.store.claims.known(keys)
        fresh = list({e.correlation_id: e for e in events if e.correlation_id not in known}.values())
        ready, rejected = self.assemble_all(fresh)
        for start in range(0, len(ready), self.submitter.max_claims):
            await self.submit_interchange(ready[start : start + self.submitter.max_claims])
        await self.store.claims.save(rejected)
        redelivered = await self.store.claims.stored_outbox(sorted(known))
        if redelivered:  # a crash may have come between the drop and the announcement
            await self.publisher.publish(redelivered)

    def assemble_all(self, events: list[ClaimCoded]) -> tuple[list[tuple[ClaimCoded, Claim]], list[Any]]:
        ready, rejected = [], []
        for event in events:
            try:
                ready.append((event, assemble(event, self.charges)))
            except MissingCharge as problem:
                HOLDS.labels(SERVICE, "missing_charge").inc()
                rejected.append((rejected_record(event, str(problem), self.clock()), []))
        return ready, rejected

    async def submit_interchange(self, batch: Sequence[tuple[ClaimCoded, Claim]]) -> None:
        """Persist the interchange before the claims and drop it last: a crash in between is
        repaired by `redrop_undropped`, so a recorded submission always reaches the clearinghouse."""
        envelope = await self.envelope()
        x12 = render_837p([claim for _, claim in batch], envelope, self.submitter.submitter)
        file_name = f"TB{envelope.interchange_control_number:09d}.837"
        await self.store.save_interchange(
            envelope.interchange_control_number, file_name, x12, [c.claim_id for _, c in batch]
        )
        records = [submitted_record(event, claim, envelope, file_name, self.clock()) for event, claim in batch]
        await self.store.claims.save(records)
        await self.exchange.drop_outbound(file_name, x12)
        await self.store.mark_dropped(envelope.interchange_control_number)
        await self.publisher.publish([message for _, outbox in records for message in outbox])

    async def envelope(self) -> Envelope:
        number = await self.store.next_control_number()
        return Envelope(
            self.submitter.sender_id,
            self.submitter.receiver_id,
            number,
            number,
            1,
            self.clock().strftime("%Y-%m-%dT%H:%M:%S"),
            self.submitter.usage_indicator,
        )

    async def redrop_undropped(self) -> None:
        for interchange in await self.store.undropped_interchanges():
            await self.exchange.drop_outbound(interchange["file_name"], interchange["x12"])
            await self.store.mark_dropped(interchange["_id"])


def history(status: str, at: datetime, note: str) -> list[dict[str, Any]]:
    return [{"status": status, "at": at.isoformat(), "note": note}]


def rejected_record(event: ClaimCoded, problem: str, at: datetime) -> dict[str, Any]:
    return {
        "_id": event.correlation_id,
        "status": "scrub_rejected",
        "problems": [problem],
        "history": history("scrub_rejected", at, problem),
        "claim_coded": event.model_dump(mode="json"),
    }


def submitted_record(
    event: ClaimCoded, claim: Claim, envelope: Envelope, file_name: str, at: datetime
) -> tuple[dict[str, Any], list[Outgoing]]:
    submitted = claim_submitted(event, claim, envelope, file_name)
    doc = {
        "_id": event.correlation_id,
        "claim_id": claim.claim_id,
        "patient_control_number": claim.patient_control_number,
        "status": "submitted",
        "payer_id": claim.payer_id,
        "total_charge_cents": claim.total_charge_cents,
        "interchange_control_number": envelope.interchange_control_number,
        "file_name": file_name,
        "history": history("created", at, "assembled from claim-coded") + history("submitted", at, file_name),
        "claim_coded": event.model_dump(mode="json"),
    }
    return doc, [Outgoing.of(CLAIM_SUBMITTED.name, event.correlation_id, submitted)]


def claim_submitted(event: ClaimCoded, claim: Claim, envelope: Envelope, file_name: str) -> ClaimSubmitted:
    return ClaimSubmitted.caused_by(
        event.event_id,
        event.correlation_id,
        claim_id=claim.claim_id,
        patient_control_number=claim.patient_control_number,
        frequency_code=claim.frequency_code,
        payer_id=claim.payer_id,
        payer_name=claim.payer_name,
        plan_type=claim.plan_type,
        interchange_control_number=f"{envelope.interchange_control_number:09d}",
        group_control_number=str(envelope.group_control_number),
        transaction_set_control_number=f"{envelope.transaction_set_control_number:04d}",
        file_name=file_name,
        total_charge_cents=claim.total_charge_cents,
        expected_patient_responsibility_cents=event.verification.patient_responsibility_cents,
        lines=[submitted_line(number, line) for number, line in enumerate(claim.lines, start=1)],
    )


def submitted_line(number: int, line: ServiceLine) -> SubmittedLine:
    return SubmittedLine(
        line_number=number,
        code=line.code,
        modifiers=list(line.modifiers),
        units=line.units,
        charge_cents=line.charge_cents,
        date_of_service=line.date_of_service,
    )
