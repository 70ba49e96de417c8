"""What each topic's event tells the ops read model: the encounter it belongs to (its correlation
id), an id that makes the same event one fact, and the fact. Only what ops shows is kept."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time

from services.ops.domain.trail import Coded, DeadLettered, Fact, Posted, Received, Submitted, Verified
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import ClaimCoded, ClaimSubmitted, CoverageVerified, DeadLetter, PaymentPosted

Keyed = tuple[str, str, Fact]  # correlation id, fact id, fact
UNKNOWN_ENCOUNTER = "(no key)"  # a dead letter whose record had no readable key


def aware(moment: datetime) -> datetime:
    """Times without an offset are read as UTC, so every fact compares with every other."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def received(event: EncounterCompleted) -> Keyed:
    visit = event.encounter
    end = visit.end or datetime.combine(visit.date_of_service, time.min)
    fact = Received(
        at=aware(event.occurred_at),
        visit_end=aware(end),
        payer_id=event.coverage.payer_id or event.coverage.plan_type,
        patient_id=event.patient.patient_id,
    )
    return event.key, str(event.event_id), fact


def verified(event: CoverageVerified) -> Keyed:
    check = event.verification
    return event.correlation_id, event.event_id, Verified(aware(event.occurred_at), check.outcome, check.reason)


def coded(event: ClaimCoded) -> Keyed:
    return (
        event.correlation_id,
        event.event_id,
        Coded(aware(event.occurred_at), tuple(line.code for line in event.lines)),
    )


def submitted(event: ClaimSubmitted) -> Keyed:
    fact = Submitted(
        at=aware(event.occurred_at),
        claim_id=event.claim_id,
        frequency_code=event.frequency_code,
        payer_id=event.payer_id,
        payer_name=event.payer_name,
        charge_cents=event.total_charge_cents,
    )
    return event.correlation_id, event.event_id, fact


def posted(event: PaymentPosted) -> Keyed:
    signed: dict[str, int] = defaultdict(int)
    for line in event.journal:
        signed[line.account] += line.debit_cents - line.credit_cents
    fact = Posted(
        at=aware(event.occurred_at),
        posting_key=f"{event.era_trace_number}:{event.patient_control_number}:{event.status_code}",
        claim_status=event.claim_status,
        accounts=tuple(sorted(signed.items())),
        denial_categories=tuple(sorted({denial.category for denial in event.denials})),
        underpaid=bool(event.underpaid_lines),
        next_actions=tuple(dict.fromkeys(denial.recommended_action for denial in event.denials)),
    )
    return event.correlation_id, event.event_id, fact


def dead_lettered(letter: DeadLetter) -> Keyed:
    fact = DeadLettered(aware(letter.failed_at), letter.source_topic, letter.service, letter.reason)
    position = f"{letter.source_topic}:{letter.partition}:{letter.offset}"
    return letter.key or UNKNOWN_ENCOUNTER, position, fact
