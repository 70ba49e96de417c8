"""`claim-submitted` → the payment to expect; each 835 file, all or nothing → balanced postings
→ `payment-posted`, with denials and underpaid lines for follow-up."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from services.remittance.domain.denials import denials
from services.remittance.domain.era import ClaimPayment, EraParseError, balance, parse_835
from services.remittance.domain.files import EraFile, FileOutcome
from services.remittance.domain.matching import match_lines
from services.remittance.domain.posting import adjustments, claim_status, journal, posting_key
from services.remittance.domain.records import DenialFollowUp, ExpectedClaim, PostingRecord, Underpayment
from services.remittance.domain.underpayment import underpaid_lines
from services.remittance.handlers.ports import SERVICE, Inbox, RemittanceRules, RemittanceStore
from shared.contracts.events import ClaimSubmitted, PaymentPosted
from shared.errors import is_transient
from shared.folders import UnreadableFile
from shared.messaging import Outgoing, Publisher
from shared.metrics import HOLDS
from shared.outbox import Recorded
from shared.topics import PAYMENT_POSTED

log = logging.getLogger(SERVICE)
FORWARDED_STATUS = {"19", "20", "21"}  # CLP02: processed and forwarded to another payer (crossover)


class RemittancePosting:
    def __init__(
        self, store: RemittanceStore, publisher: Publisher, rules: RemittanceRules, clock: Callable[[], datetime]
    ) -> None:
        self.store, self.publisher, self.rules, self.clock = store, publisher, rules, clock

    async def record_submissions(self, events: list[ClaimSubmitted]) -> None:
        await self.store.save_expected(events)

    async def rematch_parked(self) -> int:
        """Post parked remittance claims whose submission is now known (an 835 can beat its
        `claim-submitted` event here); the rest stay parked on the unmatched worklist."""
        parked = await self.store.parked()
        expected = await self.store.expected([entry.patient_control_number for entry in parked])
        ready = [entry for entry in parked if entry.patient_control_number in expected]
        for entry in ready:
            await self.post(entry.trace, [entry.claim])
        await self.store.clear_unmatched([entry.key for entry in ready])
        return len(ready)

    async def post_inbox(self, inbox: Inbox) -> None:
        """Post every 835 waiting in the inbound folder, archive each by outcome, then retry parked claims."""
        for path in inbox.waiting():
            try:
                outcome, problems = await self.post_file_explained(path.name, await inbox.read(path))
            except UnreadableFile as error:
                outcome, problems = FileOutcome.UNREADABLE, [str(error)]
            inbox.archive_file(path, outcome, problems)
        await self.rematch_parked()

    async def post_file(self, file_name: str, text: str) -> FileOutcome:
        return (await self.post_file_explained(file_name, text))[0]

    async def post_file_explained(self, file_name: str, text: str) -> tuple[FileOutcome, list[str]]:
        """The file's outcome (domain/files.py), with every problem found. Anything
        but posted is kept on the files worklist; only a posted file counts as seen."""
        digest = hashlib.sha256(text.encode()).hexdigest()
        if await self.store.era_seen(digest):
            return FileOutcome.DUPLICATE, []
        try:
            outcome, problems = await self.post_new_file(text)
        except Exception as error:
            if is_transient(error):
                raise  # the database is away for now: the file stays in the folder and is tried again
            log.exception("posting %s failed", file_name)  # it must not stop the files behind it
            outcome, problems = FileOutcome.FAILED, [f"{type(error).__name__}: {error}"]
        if outcome != FileOutcome.POSTED:
            HOLDS.labels(SERVICE, f"era_{outcome}").inc()
        await self.store.record_era(EraFile(digest, file_name, outcome, tuple(problems), self.clock()))
        return outcome, problems

    async def post_new_file(self, text: str) -> tuple[FileOutcome, list[str]]:
        """All or nothing: a file that cannot be read or does not balance posts no claim."""
        try:
            remittances = parse_835(text)
        except EraParseError as error:
            return FileOutcome.UNREADABLE, [str(error)]
        problems = [problem for remittance in remittances for problem in balance(remittance)]
        if problems:
            return FileOutcome.UNBALANCED, problems
        for remittance in remittances:
            await self.post(remittance.trace_number, list(remittance.claims))
        return FileOutcome.POSTED, []

    async def post(self, trace: str, claims: list[ClaimPayment]) -> None:
        claims, expected = await self.by_payer_claim_number(claims)
        matched = [claim for claim in claims if claim.patient_control_number in expected]
        unmatched = [claim for claim in claims if claim.patient_control_number not in expected]
        if unmatched:
            HOLDS.labels(SERVICE, "unmatched_claim").inc(len(unmatched))
            await self.store.park_unmatched(trace, unmatched)
        entries = [
            payment_record(trace, claim, expected[claim.patient_control_number], self.rules, self.clock())
            for claim in matched
        ]
        postings = [entry.record for entry in entries]
        await self.store.follow_up(
            [DenialFollowUp.of(posting) for posting in postings if posting.denied],
            [Underpayment.of(posting) for posting in postings if posting.underpaid],
        )
        await self.store.remember_payer_claims(
            {c.payer_claim_number: c.patient_control_number for c in matched if c.payer_claim_number}
        )
        await self.store.payments.save_and_publish(entries, self.publisher)

    async def by_payer_claim_number(
        self, claims: list[ClaimPayment]
    ) -> tuple[list[ClaimPayment], dict[str, ExpectedClaim]]:
        """The claims, each under our patient control number, and the submissions expected for them.
        A payer that sends back another CLP01 (reversals often do) is matched by its own claim number
        (CLP07) from an earlier posting of the same claim; only those are looked up a second time."""
        known = await self.store.expected([c.patient_control_number for c in claims])
        strangers = [
            c.payer_claim_number for c in claims if c.patient_control_number not in known and c.payer_claim_number
        ]
        ours = await self.store.pcns_for_payer_claims(strangers) if strangers else {}
        renamed = [
            replace(c, patient_control_number=ours[c.payer_claim_number])
            if c.payer_claim_number in ours and c.patient_control_number not in known
            else c
            for c in claims
        ]
        found_again = [c.patient_control_number for c in renamed if c.patient_control_number not in known]
        return renamed, known | (await self.store.expected(found_again) if found_again else {})


def payment_record(
    trace: str, claim: ClaimPayment, submitted: ExpectedClaim, rules: RemittanceRules, at: datetime
) -> Recorded[PostingRecord]:
    """The posting of one matched claim payment, announcing `payment-posted`."""
    posting = rules.posting
    day = submitted.first_date_of_service or at.date()
    underpaid = underpaid_lines(
        claim, submitted.payer_id, submitted.plan_type, submitted.place_of_service, day, rules.fees
    )
    event = PaymentPosted.caused_by(
        submitted.event_id,
        submitted.correlation_id,
        claim_id=submitted.claim_id,
        patient_control_number=claim.patient_control_number,
        payer_claim_number=claim.payer_claim_number or "",
        era_trace_number=trace,
        claim_status=claim_status(claim, posting),
        status_code=claim.status_code,
        charge_cents=claim.charge_cents,
        paid_cents=claim.paid_cents,
        patient_responsibility_cents=claim.patient_responsibility_cents,
        adjustments=adjustments(claim),
        journal=journal(claim, posting),
        denials=denials(claim, rules.codes, rules.denials),
        underpaid_lines=underpaid,
    )
    record = PostingRecord(
        key=posting_key(trace, claim),
        payment=event,
        line_matches=tuple(match_lines(submitted.lines, list(claim.lines))) if submitted.lines else (),
        crossover_payer=claim.crossover_payer or None,
        forwarded=claim.status_code in FORWARDED_STATUS,
        posted_at=at,
    )
    return Recorded(record.key, record, (Outgoing.of(PAYMENT_POSTED.name, submitted.correlation_id, event),))
