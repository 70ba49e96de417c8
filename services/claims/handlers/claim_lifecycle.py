"""999s, 277CAs and posted payments move each claim along its lifecycle, one writer per claim at a time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime

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
from services.claims.domain.lifecycle import WORKLIST, ClaimStatus, moves_to
from services.claims.domain.records import ClaimChanges, ClaimRecord, worklist_entry
from services.claims.handlers.ports import SERVICE, ClaimStore, Inbox, entry
from services.claims.handlers.submit_claims import FILE_PREFIX
from shared.concurrency import gather_at_most
from shared.contracts.events import PaymentPosted
from shared.errors import is_transient
from shared.folders import UnreadableFile
from shared.metrics import HOLDS

log = logging.getLogger(SERVICE)
UNCHANGED = ClaimChanges()


@dataclass(frozen=True)
class Move:
    record_id: str
    status: ClaimStatus
    note: str
    changes: ClaimChanges = UNCHANGED


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

    async def move(self, record_id: str, status: ClaimStatus, note: str, changes: ClaimChanges = UNCHANGED) -> bool:
        """Read the claim under its lock, decide on its stored status, and write only if it is still
        that status: an acknowledgement and a payment racing on one claim never move it backwards."""
        async with self.claim_lock(record_id):
            current = (await self.store.records([record_id])).get(record_id)
            return await self.apply(current, status, note, changes) if current else False

    async def move_all(self, moves: list[Move]) -> None:
        """Claims move concurrently; one claim's moves (a reversal, then its re-adjudication) in order."""
        by_claim: dict[str, list[Move]] = {}
        for move in moves:
            by_claim.setdefault(move.record_id, []).append(move)

        async def one_claim(claim_moves: list[Move]) -> None:
            for move in claim_moves:
                await self.move(move.record_id, move.status, move.note, move.changes)

        await gather_at_most(one_claim(claim_moves) for claim_moves in by_claim.values())

    async def apply(self, current: ClaimRecord, status: ClaimStatus, note: str, changes: ClaimChanges) -> bool:
        """Under the claim's lock: a write that lost a race (another process moved it) decides again."""
        while True:
            applies = moves_to(current.status, status)
            step = entry(status, self.clock(), note)
            step["applied"] = applies
            if await self.store.transition(current.key, current.status, status if applies else None, step, changes):
                break
            current = (await self.store.records([current.key]))[current.key]
        if applies and status in WORKLIST:
            moved = replace(current, status=status, history=(*current.history, step))
            await self.store.enlist([worklist_entry(moved, note)])
        elif applies and current.status in WORKLIST:  # only a claim on the worklist has an entry there
            await self.store.delist([current.key])
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
                matched += len(interchange.claim_ids)
                if transaction.status in self.codes.accepted_transaction_codes:
                    await self.store.note_interchange(number, entry("acknowledged", self.clock(), "999 accepted"))
                    continue
                records = await self.store.records_for_pcns(interchange.claim_ids)
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
        return Move(record_id, outcome, note, ClaimChanges(payer_claim_number=ack.payer_claim_number or None))

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
            records = await self.store.records_for_pcns(interchange.claim_ids) if interchange else {}
            moves += [Move(record, ClaimStatus.REJECTED, f"{note} (the whole batch)") for record in records.values()]
        return moves

    async def record_payments(self, events: list[PaymentPosted]) -> None:
        records = await self.store.records_for_pcns([event.claim_id for event in events])
        moves = []
        for event in events:
            if event.claim_id in records:
                paid, charged = event.paid_cents / 100, event.charge_cents / 100
                note = f"835 trace {event.era_trace_number}: {event.claim_status}, paid {paid:.2f} of {charged:.2f}"
                changes = ClaimChanges(payer_claim_number=event.payer_claim_number)
                moves.append(Move(records[event.claim_id], ClaimStatus(event.claim_status), note, changes))
        await self.move_all(moves)


def batch_number(reference: str) -> int | None:
    """The interchange a 277CA's batch reference names: our BHT03 (its control number, 9 digits), or
    the 837 file's name (TB + the same digits), which some clearinghouses echo instead."""
    digits = reference.removeprefix(FILE_PREFIX)
    return int(digits) if digits.isdigit() else None
