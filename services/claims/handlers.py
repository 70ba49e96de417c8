"""Claims use cases: assemble and scrub coded encounters, batch the clean ones into 837P
interchanges for the clearinghouse and announce `claim-submitted`; follow each claim through
999/277CA acknowledgements and posted payments; file replacement and void claims."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from services.claims.domain.ack_files import AckFileOutcome
from services.claims.domain.acks import (
    Ack277,
    AckCodes,
    ClaimAck,
    claim_outcome,
    describe_999,
    parse_277ca,
    parse_999,
)
from services.claims.domain.assemble import ChargeMaster, Version, assemble, missing_charges
from services.claims.domain.claim import Claim, Envelope, ServiceLine
from services.claims.domain.lifecycle import CORRECTABLE, RANK, WORKLIST, ClaimStatus, moves_to
from services.claims.domain.scrubber import ClaimContext, Finding, ScrubEdits, duplicate_key, scrub
from services.claims.domain.x837 import Submitter, render_837p
from shared.concurrency import gather_at_most
from shared.contracts.events import ClaimCoded, ClaimSubmitted, PaymentPosted, SubmittedLine
from shared.errors import is_transient
from shared.folders import UnreadableFile
from shared.messaging import Outgoing, Publisher
from shared.metrics import HOLDS
from shared.outbox import InMemoryOutboxStore, OutboxStore, Record
from shared.phi.fields import PLAIN, sealed_as
from shared.topics import CLAIM_SUBMITTED

SERVICE = "claims"
log = logging.getLogger(SERVICE)


class ClaimStore(Protocol):
    @property  # read-only, so each store may hold the narrower kind of outbox store
    def claims(self) -> OutboxStore | InMemoryOutboxStore: ...

    async def next_control_number(self) -> int: ...
    async def save_interchange(self, control_number: int, file_name: str, x12: str, claim_ids: list[str]) -> None: ...
    async def undropped_interchanges(self) -> list[dict[str, Any]]: ...
    async def mark_dropped(self, control_number: int) -> None: ...
    async def interchange(self, control_number: int) -> dict[str, Any] | None: ...
    async def note_interchange(self, control_number: int, step: dict[str, Any]) -> None: ...
    async def billed(self, keys: Sequence[str]) -> dict[str, str]: ...
    async def remember(self, billed: dict[str, str], pcns: dict[str, str]) -> None: ...
    async def records_for_pcns(self, pcns: Sequence[str]) -> dict[str, str]: ...
    async def records(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...
    async def save_sources(self, sources: dict[str, dict[str, Any]]) -> None:
        """Keep each claim's `claim-coded` event (what a correction starts from), by claim record id."""

    async def source(self, record_id: str) -> dict[str, Any] | None: ...
    async def transition(
        self, record_id: str, expected: str | None, status: str | None, entry: dict[str, Any], extra: dict[str, Any]
    ) -> bool:
        """Apply the step only while the claim's status is still `expected` (None: unconditionally)."""

    async def worklist(self, status: str, limit: int) -> list[dict[str, Any]]: ...
    async def enlist(self, entries: list[dict[str, Any]]) -> None: ...
    async def delist(self, record_ids: Sequence[str]) -> None: ...
    async def add_version(self, key: str, record_id: str) -> None: ...


class Exchange(Protocol):
    async def drop_outbound(self, file_name: str, content: str) -> None: ...


class Inbox(Protocol):
    def waiting(self) -> list[Any]: ...
    async def read(self, path: Any) -> str: ...
    def archive_file(self, path: Any, outcome: str, reasons: Sequence[str] = ()) -> None: ...


@dataclass(frozen=True)
class SubmissionSettings:
    sender_id: str
    receiver_id: str
    usage_indicator: str
    max_claims: int
    submitter: Submitter


@dataclass(frozen=True)
class ClaimRules:
    charges: ChargeMaster
    edits: ScrubEdits
    acks: AckCodes
    is_billable: Callable[[str], bool]


@dataclass
class Prepared:
    """One claim on its way: the coded event, the assembled claim, and what the scrubber found."""

    record_id: str
    event: ClaimCoded
    claim: Claim
    findings: list[Finding] = field(default_factory=list)
    replaces: str | None = None  # the record id of the claim a replacement or void supersedes


FILE_PREFIX = "TB"  # an 837 is TB<interchange control number>.837; some 277CAs echo the name as the batch


def entry(status: str, at: datetime, note: str) -> dict[str, Any]:
    return {"status": status, "at": at.isoformat(), "note": note}


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
        await self.store.claims.publish_and_mark(await self.store.claims.pending(sorted(known)), self.publisher)

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
        await self.store.enlist([worklist_entry(doc) for doc, _ in rejected])
        await self.save_claims([p for p in prepared if p.findings], rejected)
        return prepared

    async def save_claims(self, prepared: Sequence[Prepared], records: list[Record]) -> None:
        """Sources first: the claim record is the commit point, and a redelivery after a crash in
        between writes the same sources again (first write wins)."""
        await self.store.save_sources({p.record_id: p.event.model_dump(mode="json") for p in prepared})
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
        await self.store.claims.publish_and_mark(records, self.publisher)

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
            await self.exchange.drop_outbound(interchange["file_name"], interchange["x12"])
            await self.store.mark_dropped(interchange["_id"])


def line_keys(p: Prepared) -> dict[int, str]:
    patient = p.event.encounter.patient.patient_id
    return {
        n: duplicate_key(p.claim, patient, line.code, line.date_of_service) for n, line in enumerate(p.claim.lines, 1)
    }


def rejected_record(p: Prepared, at: datetime) -> Record:
    findings = [f.as_dict() for f in p.findings]
    # an edit's message names the facts it found (a diagnosis, a date of service): sealed at rest
    sealed = [finding | {"message": sealed_as("message", finding["message"])} for finding in findings]
    doc = {
        "_id": p.record_id,
        "encounter_key": p.event.correlation_id,
        "claim_id": p.claim.claim_id,
        "frequency_code": p.claim.frequency_code,
        "status": ClaimStatus.SCRUB_REJECTED,
        "findings": sealed,
        "problems": [sealed_as("problems", f"{f['edit']}: {f['message']}") for f in findings],
        "history": [
            entry(ClaimStatus.CREATED, at, "assembled"),
            entry(ClaimStatus.SCRUB_REJECTED, at, "; ".join(f["edit"] for f in findings)),
        ],
        "replaces": p.replaces,
    }
    return doc, []


def worklist_entry(doc: dict[str, Any], note: str = "") -> dict[str, Any]:
    """A claim someone must look at: stopped by the scrubber or rejected by the payer."""
    return {
        "_id": doc["_id"],
        "status": doc["status"],
        "encounter_key": doc["encounter_key"],
        "claim_id": doc["claim_id"],
        "frequency_code": doc["frequency_code"],
        "findings": doc.get("findings", []),
        "problems": doc.get("problems", []) + ([note] if note else []),
        "since": doc["history"][-1]["at"],
    }


def submitted_record(p: Prepared, envelope: Envelope, file_name: str, at: datetime) -> Record:
    claim = p.claim
    doc = {
        "_id": p.record_id,
        "encounter_key": p.event.correlation_id,
        "claim_id": claim.claim_id,
        "patient_control_number": claim.patient_control_number,
        "frequency_code": claim.frequency_code,
        "original_payer_claim_number": claim.original_payer_claim_number,
        "replaces": p.replaces,
        "status": ClaimStatus.SUBMITTED,
        "payer_id": claim.payer_id,
        "total_charge_cents": claim.total_charge_cents,
        "interchange_control_number": envelope.interchange_control_number,
        "file_name": file_name,
        "history": [
            entry(ClaimStatus.CREATED, at, "assembled"),
            entry(ClaimStatus.SCRUBBED, at, "no edits failed"),
            entry(ClaimStatus.SUBMITTED, at, file_name),
        ],
    }
    return doc, [
        Outgoing.of(CLAIM_SUBMITTED.name, p.event.correlation_id, claim_submitted(p.event, claim, envelope, file_name))
    ]


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


@dataclass(frozen=True)
class Move:
    record_id: str
    status: str
    note: str
    extra: dict[str, Any] = field(default_factory=dict)


class Lifecycle:
    """Moves claims along their statuses from acknowledgements and payments, keeping every step."""

    def __init__(self, store: ClaimStore, codes: AckCodes, clock: Callable[[], datetime]) -> None:
        self.store, self.codes, self.clock = store, codes, clock
        self.locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}  # lock and how many hold or wait

    @contextlib.asynccontextmanager
    async def claim_lock(self, record_id: str) -> AsyncIterator[None]:
        """One move of a claim at a time in this process (the compare-and-set guards across processes),
        so the acknowledgement timer and the payment consumer do not spin against each other."""
        lock, users = self.locks.setdefault(record_id, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self.locks[record_id]

    async def move(self, record_id: str, status: str, note: str, **extra: Any) -> bool:
        """Read the claim under its lock, decide on its stored status, and write only if it is still
        that status: an acknowledgement and a payment racing on one claim never move it backwards."""
        async with self.claim_lock(record_id):
            current = (await self.store.records([record_id])).get(record_id)
            return await self.apply(current, status, note, extra) if current else False

    async def move_all(self, moves: list[Move]) -> None:
        """Claims move concurrently; one claim's moves (a reversal, then its re-adjudication) in order."""
        by_claim: dict[str, list[Move]] = {}
        for move in moves:
            by_claim.setdefault(move.record_id, []).append(move)

        async def one_claim(claim_moves: list[Move]) -> None:
            for move in claim_moves:
                await self.move(move.record_id, move.status, move.note, **move.extra)

        await gather_at_most(one_claim(claim_moves) for claim_moves in by_claim.values())

    async def apply(self, current: dict[str, Any], status: str, note: str, extra: dict[str, Any]) -> bool:
        """Under the claim's lock: a write that lost a race (another process moved it) decides again."""
        record_id = current["_id"]
        while True:
            applies = moves_to(current["status"], status)
            step = entry(status, self.clock(), note) | {"applied": applies}
            if await self.store.transition(record_id, current["status"], status if applies else None, step, extra):
                break
            current = (await self.store.records([record_id]))[record_id]
        if applies and status in WORKLIST:
            await self.store.enlist([worklist_entry(current | {"status": status, "history": [step]}, note)])
        elif applies and current["status"] in WORKLIST:  # only a claim on the worklist has an entry there
            await self.store.delist([record_id])
        return applies

    async def post_inbox(self, inbox: Inbox) -> None:
        """Every waiting 999/277CA, each archived under its outcome: a file that cannot be read, or
        breaks, is set aside with the reason and never holds up the files behind it."""
        for path in inbox.waiting():
            try:
                outcome, reasons = await self.read_ack_explained(path.name, await inbox.read(path))
            except UnreadableFile as error:
                outcome, reasons = AckFileOutcome.UNREADABLE, [str(error)]
            inbox.archive_file(path, outcome, reasons)

    async def read_ack(self, name: str, text: str) -> AckFileOutcome:
        return (await self.read_ack_explained(name, text))[0]

    async def read_ack_explained(self, name: str, text: str) -> tuple[AckFileOutcome, list[str]]:
        """The file's outcome (domain/ack_files.py), with why: the file is archived under that outcome."""
        try:
            matched = await (self.apply_999(text) if name.endswith(".999") else self.apply_277ca(text))
        except Exception as error:
            if is_transient(error):
                raise  # the database is away for now: the file stays in the folder and is read again
            if isinstance(error, ValueError):  # AckParseError and X12SyntaxError: it waits in `unreadable/`
                HOLDS.labels(SERVICE, "ack_unreadable").inc()
                return AckFileOutcome.UNREADABLE, [str(error)]
            log.exception("reading acknowledgement %s failed", name)  # one must not stop the ones behind it
            HOLDS.labels(SERVICE, "ack_failed").inc()
            return AckFileOutcome.FAILED, [f"{type(error).__name__}: {error}"]
        return (AckFileOutcome.PROCESSED if matched else AckFileOutcome.UNMATCHED), []

    async def apply_999(self, text: str) -> int:
        """A 999 answers for a whole interchange: an accepted one is noted once, on the interchange
        (`ClaimHistory` shows it in each claim's history); a rejected one rejects every claim in it."""
        matched = 0
        for group in parse_999(text):
            number = int(group.control_number) if group.control_number.isdigit() else None
            interchange = await self.store.interchange(number) if number is not None else None
            if number is None or interchange is None:
                continue
            for transaction in group.transactions:
                matched += len(interchange["claim_ids"])
                if transaction.status in self.codes.accepted_transaction_codes:
                    await self.store.note_interchange(number, entry("acknowledged", self.clock(), "999 accepted"))
                    continue
                records = await self.store.records_for_pcns(interchange["claim_ids"])
                note = f"999 rejected: {describe_999(transaction, self.codes)}"
                await self.move_all([Move(record_id, ClaimStatus.REJECTED, note) for record_id in records.values()])
        return matched

    async def apply_277ca(self, text: str) -> int:
        found = parse_277ca(text)
        records = await self.store.records_for_pcns([ack.patient_control_number for ack in found.claims])
        moves = [
            self.claim_move(ack, records[ack.patient_control_number])
            for ack in found.claims
            if ack.patient_control_number in records
        ]
        moves += await self.unlisted_claims_of_rejected_batches(found)
        await self.move_all(moves)
        return len(moves)

    def claim_move(self, ack: ClaimAck, record_id: str) -> Move:
        """A claim under a rejected batch or provider is rejected with that level's reason, whatever
        its own status says."""
        if ack.above is not None:
            outcome, note = claim_outcome(ack.above, self.codes)
            if outcome == ClaimStatus.REJECTED:
                return Move(record_id, ClaimStatus.REJECTED, f"{note} (a rejection above the claim level)")
        outcome, note = claim_outcome(ack, self.codes)
        extra = {"payer_claim_number": ack.payer_claim_number} if ack.payer_claim_number else {}
        return Move(record_id, outcome, note, extra)

    async def unlisted_claims_of_rejected_batches(self, found: Ack277) -> list[Move]:
        """A batch rejected as a whole often lists none of its claims: its TRN02 names the batch (our
        BHT03, the interchange control number), and every claim of that interchange is rejected."""
        moves: list[Move] = []
        for level in found.levels:
            outcome, note = claim_outcome(level.status, self.codes)
            listed = any(claim.above is level.status for claim in found.claims)
            number = batch_number(level.batch_reference)
            if outcome != ClaimStatus.REJECTED or listed or number is None:
                continue
            interchange = await self.store.interchange(number)
            records = await self.store.records_for_pcns(interchange["claim_ids"]) if interchange else {}
            moves += [Move(record, ClaimStatus.REJECTED, f"{note} (the whole batch)") for record in records.values()]
        return moves

    async def record_payments(self, events: list[PaymentPosted]) -> None:
        records = await self.store.records_for_pcns([event.claim_id for event in events])
        moves = []
        for event in events:
            if event.claim_id in records:
                paid, charged = event.paid_cents / 100, event.charge_cents / 100
                note = f"835 trace {event.era_trace_number}: {event.claim_status}, paid {paid:.2f} of {charged:.2f}"
                extra = {"payer_claim_number": event.payer_claim_number}
                moves.append(Move(records[event.claim_id], event.claim_status, note, extra))
        await self.move_all(moves)


def batch_number(reference: str) -> int | None:
    """The interchange a 277CA's batch reference names: our BHT03 (its control number, 9 digits), or
    the 837 file's name (TB + the same digits), which some clearinghouses echo instead."""
    digits = reference.removeprefix(FILE_PREFIX)
    return int(digits) if digits.isdigit() else None


@dataclass(frozen=True)
class Correction:
    """A replacement (frequency 7) or void (frequency 8) asked for by a person."""

    kind: str  # replacement | void
    operator: str
    reason: str
    lines: list[dict[str, Any]] | None = None
    diagnoses: list[str] | None = None
    prior_authorization: str | None = None


@dataclass(frozen=True)
class CorrectionResult:
    status: str  # submitted | scrub_rejected | not_found | not_correctable
    record_id: str = ""
    problems: tuple[str, ...] = ()


class CorrectClaim:
    def __init__(self, submit: SubmitClaims, lifecycle: Lifecycle) -> None:
        self.submit, self.lifecycle = submit, lifecycle

    async def __call__(self, key: str, correction: Correction) -> CorrectionResult:
        store = self.submit.store
        original = (await store.records([key])).get(key)
        if original is None:
            return CorrectionResult("not_found", problems=(f"no claim for {key}",))
        current_id = original.get("current", key)
        current = (await store.records([current_id])).get(current_id, original)
        refused = correction_refusal(current)
        if refused:
            return CorrectionResult("not_correctable", problems=(refused,))
        frequency = "7" if correction.kind == "replacement" else "8"
        record_id = f"{key}~{frequency}~{len(original.get('versions', [])) + 1}"
        event = corrected_event(ClaimCoded.model_validate(await store.source(current_id)), correction)
        version = Version(record_id, frequency, current["payer_claim_number"], correction.prior_authorization)
        [done] = await self.submit.submit(
            [Prepared(record_id, event, assemble(event, self.submit.rules.charges, version), replaces=current_id)]
        )
        if done.findings:
            return CorrectionResult(
                ClaimStatus.SCRUB_REJECTED, record_id, tuple(f"{f.edit}: {f.message}" for f in done.findings)
            )
        new_status = ClaimStatus.CORRECTED if frequency == "7" else ClaimStatus.VOIDED
        note = f"{correction.kind} {record_id} by {correction.operator}: {correction.reason}"
        await self.lifecycle.move(current_id, new_status, sealed_as("note", note))  # the reason is free text
        await store.add_version(key, record_id)
        return CorrectionResult(ClaimStatus.SUBMITTED, record_id)


def correction_refusal(current: dict[str, Any]) -> str:
    if current["status"] not in CORRECTABLE:
        status = current["status"]
        return f"claim is {status}: only a claim the payer has (accepted, paid, denied…) can be replaced or voided"
    if not current.get("payer_claim_number"):
        return "no payer claim number yet (it comes with the 277CA or the 835): cannot reference the original"
    return ""


def corrected_event(event: ClaimCoded, correction: Correction) -> ClaimCoded:
    changes: dict[str, Any] = {}
    if correction.lines is not None:
        changes["lines"] = [
            line
            | {
                "rule": "operator-correction",
                "source": f"operator {correction.operator}",
                "explanation": correction.reason,
            }
            for line in correction.lines
        ]
    if correction.diagnoses is not None:
        changes["diagnoses"] = correction.diagnoses
    # the clear form: sealing the PHI fields only to open them again in the next call is wasted work
    return ClaimCoded.model_validate(event.model_dump(mode="json", context=PLAIN) | changes) if changes else event


STEP_ORDER = RANK | {"acknowledged": RANK[ClaimStatus.SUBMITTED]}  # at one instant, a 999 follows its submission


class ClaimHistory:
    """A claim with every step, and its versions likewise: its own history, and the 999
    acknowledgements of its interchange (kept once there, not written into each claim)."""

    def __init__(self, store: ClaimStore) -> None:
        self.store = store

    async def __call__(self, key: str) -> dict[str, Any] | None:
        found = await self.store.records([key])
        if key not in found:
            return None
        versions = await self.store.records(found[key].get("versions", []))
        return await self.with_acknowledgements(found[key]) | {
            "version_records": [await self.with_acknowledgements(versions[v]) for v in versions]
        }

    async def with_acknowledgements(self, doc: dict[str, Any]) -> dict[str, Any]:
        number = doc.get("interchange_control_number")
        interchange = await self.store.interchange(number) if number is not None else None
        steps = doc.get("history", []) + (interchange or {}).get("acknowledgements", [])
        return doc | {"history": sorted(steps, key=lambda step: (step["at"], STEP_ORDER.get(step["status"], 0)))}


class Worklist:
    def __init__(self, store: ClaimStore) -> None:
        self.store = store

    async def __call__(self, status: str = ClaimStatus.SCRUB_REJECTED, limit: int = 100) -> list[dict[str, Any]]:
        return await self.store.worklist(status, limit)
