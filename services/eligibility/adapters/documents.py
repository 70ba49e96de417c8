"""How eligibility's records are kept as documents: the field names stored since the first release,
with the coverage key and the raw 270/271 sealed at rest (verifications and encounters seal their own
PHI fields when serialized)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from services.eligibility.domain.records import CoverageRecord, EncounterRecord, Exchange, Resolution, SavedVerification
from services.eligibility.domain.status import EncounterStatus, Waiting
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import Verification
from shared.messaging import Outgoing
from shared.outbox import Codec
from shared.phi.fields import opened_under, pseudonym, sealed_as

# Before resolutions were outbox records, a resolution's event was kept in its claim's change and
# copied into the encounter record under this name (without a published marker).
LEGACY_RESOLUTION_OUTBOX = "resolution_outbox"


def verification_document(verification: Verification) -> dict[str, Any]:
    return verification.model_dump(mode="json")


def encounter_document(record: EncounterRecord) -> dict[str, Any]:
    encounter, coverage = record.encounter, record.coverage
    doc: dict[str, Any] = {
        "event_id": str(encounter.event_id),
        "source": encounter.source,
        "encounter_id": encounter.encounter.encounter_id,
        "plan_type": encounter.coverage.plan_type,
        "coverage_key": sealed_as("coverage_key", coverage.key) if coverage else None,
        "status": str(record.status),
        "verification": verification_document(record.verification),
        "history": [verification_document(step) for step in record.history],
        "encounter": encounter.model_dump(mode="json"),
    }
    if record.evidence:
        doc["evidence"] = [verification_document(step) for step in record.evidence]
    return doc | ({"resolution": record.resolution} if record.resolution else {})


def encounter_record(doc: dict[str, Any]) -> EncounterRecord:
    return EncounterRecord(
        encounter=EncounterCompleted.model_validate(doc["encounter"]),
        status=EncounterStatus(doc["status"]),
        verification=Verification.model_validate(doc["verification"]),
        history=tuple(Verification.model_validate(step) for step in doc.get("history", [])),
        evidence=tuple(Verification.model_validate(step) for step in doc.get("evidence", [])),
        resolution=doc.get("resolution"),
    )


def resolution_document(resolution: Resolution) -> dict[str, Any]:
    return {"change": change_document(resolution)}


def change_document(resolution: Resolution) -> dict[str, Any]:
    return {"status": str(resolution.status), "verification": verification_document(resolution.verification)}


def resolution_record(doc: dict[str, Any]) -> Resolution:
    change = doc["change"]
    return Resolution(EncounterStatus(change["status"]), Verification.model_validate(change["verification"]))


ENCOUNTERS = Codec(encounter_document, encounter_record)
RESOLUTIONS = Codec(resolution_document, resolution_record)


def resolution_id(key: str, waiting: Verification) -> str:
    """One resolution per waiting step: the encounter and the verification it leaves behind."""
    return f"{key}|{waiting.verification_id}"


def applied(claim: str, resolution: Resolution) -> dict[str, Any]:
    """What a resolution sets on its encounter record: the change, and where its event is kept."""
    return change_document(resolution) | {"resolution": claim}


def applied_as_stored(claim: str, doc: dict[str, Any]) -> dict[str, Any]:
    """What a stored winner sets on the encounter record; one claimed before resolutions kept their
    event in an outbox carries it in its change, and the record keeps it there as it always did."""
    change: dict[str, Any] = doc["change"]
    return dict(change) if LEGACY_RESOLUTION_OUTBOX in change else change | {"resolution": claim}


def legacy_resolution_events(doc: dict[str, Any]) -> list[Outgoing]:
    return [Outgoing(**message) for message in doc.get(LEGACY_RESOLUTION_OUTBOX, [])]


def coverage_id(coverage_key: str) -> str:
    """A coverage's document id: a keyed hash of payer, member id and plan year (no member id in an id)."""
    return pseudonym(coverage_key, "coverage")


def coverage_fields(saved: SavedVerification) -> dict[str, Any]:
    """What a new verification sets on its coverage's document (its exchange is appended to `history`)."""
    coverage = saved.coverage
    return {
        "payer_id": coverage.payer_id,
        "plan_year": coverage.plan_year,
        "latest": verification_document(saved.verification),
    }


EXCHANGE_FIELDS = ("inquiry_x12", "response_x12")


def exchange_document(exchange: Exchange) -> dict[str, Any]:
    return verification_document(exchange.verification) | {
        "inquiry_x12": sealed_as("inquiry_x12", exchange.inquiry_x12),
        "response_x12": sealed_as("response_x12", exchange.response_x12),
    }


def exchange_from(doc: dict[str, Any]) -> Exchange:
    return Exchange(
        verification=Verification.model_validate({k: v for k, v in doc.items() if k not in EXCHANGE_FIELDS}),
        inquiry_x12=opened_under("inquiry_x12", doc.get("inquiry_x12")),
        response_x12=opened_under("response_x12", doc.get("response_x12")),
    )


def coverage_record(doc: dict[str, Any]) -> CoverageRecord:
    return CoverageRecord(
        payer_id=doc["payer_id"],
        plan_year=doc["plan_year"],
        latest=latest_of(doc),
        history=tuple(exchange_from(entry) for entry in doc.get("history", [])),
    )


def latest_of(doc: dict[str, Any]) -> Verification:
    return Verification.model_validate(doc["latest"])


def waiting_document(entry: Waiting) -> dict[str, Any]:
    fields = asdict(entry)
    return {"_id": fields.pop("key"), **fields}


def waiting_from(doc: dict[str, Any]) -> Waiting:
    return Waiting(
        key=doc["_id"],
        kind=doc["kind"],
        payer_id=doc.get("payer_id"),
        since=doc["since"],
        attempts=doc.get("attempts", 0),
        rounds=doc.get("rounds", 1),
        next_at=doc["next_at"],
        reason=doc.get("reason"),
    )
