"""`claim-coded` → assembled and scrubbed claims, batched into an 837P interchange → `claim-submitted`;
a claim that fails an edit waits on the worklist."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.claims.domain.assemble import assemble, missing_charges
from services.claims.domain.claim import Claim, Envelope, ServiceLine
from services.claims.domain.lifecycle import ClaimStatus
from services.claims.domain.records import ClaimRecord, Submission, worklist_entry
from services.claims.domain.scrubber import ClaimContext, Finding, duplicate_key, scrub
from services.claims.domain.x837 import render_837p
from services.claims.handlers.ports import SERVICE, ClaimRules, ClaimStore, Exchange, SubmissionSettings, entry
from shared.contracts.events import ClaimCoded, ClaimSubmitted, SubmittedLine
from shared.messaging import Outgoing, Publisher
from shared.metrics import HOLDS
from shared.outbox import Recorded
from shared.topics import CLAIM_SUBMITTED


@dataclass
class Prepared:
    """One claim on its way: the coded event, the assembled claim, and what the scrubber found."""

    record_id: str
    event: ClaimCoded
    claim: Claim
    findings: list[Finding] = field(default_factory=list)
    replaces: str | None = None  # the record id of the claim a replacement or void supersedes


FILE_PREFIX = "TB"  # an 837 is TB<interchange control number>.837; some 277CAs echo the name as the batch


class SubmitClaims:
    def __init__(
        self,
        store: ClaimStore,
        exchange: Exchange,
        publisher: Publisher,
        rules: ClaimRules,
        submitter: SubmissionSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self.store, self.exchange, self.publisher = store, exchange, publisher
        self.rules, self.submitter, self.clock = rules, submitter, clock

    async def __call__(self, events: list[ClaimCoded]) -> None:
        await self.redrop_undropped()
        keys = [event.correlation_id for event in events]
        known = await self.store.claims.known(keys)
        fresh = list({e.correlation_id: e for e in events if e.correlation_id not in known}.values())
        await self.submit([Prepared(e.correlation_id, e, assemble(e, self.rules.charges)) for e in fresh])
        # A crash may have come between the drop and the announcement: re-send what is unmarked.
        await self.store.claims.publish_pending(sorted(known), self.publisher)

    async def submit(self, prepared: list[Prepared]) -> list[Prepared]:
        """Scrub every claim; clean ones go out in interchanges, the others to the worklist."""
        await self.scrub_all(prepared)
        clean = [p for p in prepared if not p.findings]
        for start in range(0, len(clean), self.submitter.max_claims):
            await self.submit_interchange(clean[start : start + self.submitter.max_claims])
        rejected = [rejected_record(p, self.clock()) for p in prepared if p.findings]
        for p in prepared:
            for finding in p.findings:
                HOLDS.labels(SERVICE, finding.edit).inc()
        await self.store.enlist([worklist_entry(recorded.record) for recorded in rejected])
        await self.save_claims([p for p in prepared if p.findings], rejected)
        return prepared

    async def save_claims(self, prepared: Sequence[Prepared], records: list[Recorded[ClaimRecord]]) -> None:
        """Sources first: the claim record is the commit point, and a redelivery after a crash in
        between writes the same sources again (first write wins)."""
        await self.store.save_sources({p.record_id: p.event for p in prepared})
        await self.store.claims.save(records)

    async def scrub_all(self, prepared: list[Prepared]) -> None:
        keys = {p.record_id: line_keys(p) for p in prepared}
        billed = await self.store.billed([key for lines in keys.values() for key in lines.values()])
        for p in prepared:
            elsewhere = {
                n: billed[key]
                for n, key in keys[p.record_id].items()
                if billed.get(key, p.event.correlation_id) != p.event.correlation_id
            }
            context = ClaimContext(
                modality=p.event.encounter.encounter.modality,
                patient_setting=p.event.encounter.encounter.patient_location.setting,
                today=self.clock().date(),
                is_billable=self.rules.is_billable,
                billed_elsewhere=elsewhere,
                missing_charges=missing_charges(p.event, self.rules.charges),
            )
            p.findings = scrub(p.claim, context, self.rules.edits)
            if not p.findings:  # a later claim in this batch with the same service is a duplicate
                billed |= {key: p.event.correlation_id for key in keys[p.record_id].values()}

    async def submit_interchange(self, batch: Sequence[Prepared]) -> None:
        """Persist the interchange before the claims and drop it last: a crash in between is
        repaired by `redrop_undropped`, so a recorded submission always reaches the clearinghouse."""
        envelope = await self.envelope()
        x12 = render_837p([p.claim for p in batch], envelope, self.submitter.submitter)
        file_name = f"{FILE_PREFIX}{envelope.interchange_control_number:09d}.837"
        await self.store.save_interchange(
            envelope.interchange_control_number, file_name, x12, [p.claim.claim_id for p in batch]
        )
        records = [submitted_record(p, envelope, file_name, self.clock()) for p in batch]
        await self.store.remember(
            {
                key: p.event.correlation_id
                for p in batch
                if p.claim.frequency_code != "8"
                for key in line_keys(p).values()
            },
            {p.claim.patient_control_number: p.record_id for p in batch},
        )
        await self.save_claims(batch, records)
        await self.exchange.drop_outbound(file_name, x12)
        await self.store.mark_dropped(envelope.interchange_control_number)
        await self.store.claims.publish(records, self.publisher)

    async def envelope(self) -> Envelope:
        number = await self.store.next_control_number()
        stamp = self.clock().strftime("%Y-%m-%dT%H:%M:%S")
        return Envelope(
            self.submitter.sender_id,
            self.submitter.receiver_id,
            number,
            number,
            1,
            stamp,
            self.submitter.usage_indicator,
        )

    async def redrop_undropped(self) -> None:
        for interchange in await self.store.undropped_interchanges():
            await self.exchange.drop_outbound(interchange.file_name, interchange.x12 or "")
            await self.store.mark_dropped(interchange.control_number)


def line_keys(p: Prepared) -> dict[int, str]:
    patient = p.event.encounter.patient.patient_id
    return {
        n: duplicate_key(p.claim, patient, line.code, line.date_of_service) for n, line in enumerate(p.claim.lines, 1)
    }


def rejected_record(p: Prepared, at: datetime) -> Recorded[ClaimRecord]:
    record = ClaimRecord(
        key=p.record_id,
        encounter_key=p.event.correlation_id,
        claim_id=p.claim.claim_id,
        frequency_code=p.claim.frequency_code,
        status=ClaimStatus.SCRUB_REJECTED,
        history=(
            entry(ClaimStatus.CREATED, at, "assembled"),
            entry(ClaimStatus.SCRUB_REJECTED, at, "; ".join(f.edit for f in p.findings)),
        ),
        replaces=p.replaces,
        findings=tuple(p.findings),
        problems=tuple(f"{f.edit}: {f.message}" for f in p.findings),
    )
    return Recorded(p.record_id, record)


def submitted_record(p: Prepared, envelope: Envelope, file_name: str, at: datetime) -> Recorded[ClaimRecord]:
    claim = p.claim
    record = ClaimRecord(
        key=p.record_id,
        encounter_key=p.event.correlation_id,
        claim_id=claim.claim_id,
        frequency_code=claim.frequency_code,
        status=ClaimStatus.SUBMITTED,
        history=(
            entry(ClaimStatus.CREATED, at, "assembled"),
            entry(ClaimStatus.SCRUBBED, at, "no edits failed"),
            entry(ClaimStatus.SUBMITTED, at, file_name),
        ),
        replaces=p.replaces,
        submission=Submission(
            patient_control_number=claim.patient_control_number,
            payer_id=claim.payer_id,
            total_charge_cents=claim.total_charge_cents,
            interchange_control_number=envelope.interchange_control_number,
            file_name=file_name,
            original_payer_claim_number=claim.original_payer_claim_number,
        ),
    )
    submitted = claim_submitted(p.event, claim, envelope, file_name)
    return Recorded(p.record_id, record, (Outgoing.of(CLAIM_SUBMITTED.name, p.event.correlation_id, submitted),))


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
        place_of_service=claim.place_of_service,
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
