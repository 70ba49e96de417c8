"""How coding's records are kept as documents: the field names stored since the first release, with
diagnoses, hold messages and a coder's note sealed at rest."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from services.coding.domain.held import HeldEncounter
from services.coding.domain.model import Hold, Line
from services.coding.domain.records import CodingRecord, CodingStatus, ResolutionRecord, line_fields
from shared.contracts.events import CoverageVerified
from shared.outbox import Codec
from shared.phi.fields import opened_under, sealed_as


def coding_document(record: CodingRecord) -> dict[str, Any]:
    return {
        "event_id": record.event_id,
        "status": str(record.status),
        "place_of_service": record.place_of_service,
        "diagnoses": sealed_as("diagnoses", list(record.diagnoses)),
        "lines": [line_fields(line) for line in record.lines],
        "holds": holds_document(record.holds),
        "held_at": record.held_at,
        "coverage_verified": record.coverage_verified.model_dump(mode="json"),
        "resolution": record.resolution,
        "recoding": record.recoding,
    }


def coding_record(doc: dict[str, Any]) -> CodingRecord:
    return CodingRecord(
        event_id=doc["event_id"],
        status=CodingStatus(doc["status"]),
        place_of_service=doc.get("place_of_service"),
        diagnoses=tuple(opened_under("diagnoses", doc["diagnoses"])),
        lines=tuple(line_from(line) for line in doc.get("lines", [])),
        holds=holds_from(doc.get("holds", [])),
        held_at=doc.get("held_at"),
        coverage_verified=CoverageVerified.model_validate(doc["coverage_verified"]),
        resolution=doc.get("resolution"),
        recoding=doc.get("recoding"),
    )


def resolution_document(record: ResolutionRecord) -> dict[str, Any]:
    return {
        "operator": record.operator,
        "note": sealed_as("note", record.note),
        "resolved_at": record.resolved_at,
        "place_of_service": record.place_of_service,
        "diagnoses": sealed_as("diagnoses", list(record.diagnoses)),
        "lines": [line_fields(line) for line in record.lines],
    }


def resolution_record(doc: dict[str, Any]) -> ResolutionRecord:
    return ResolutionRecord(
        operator=doc["operator"],
        note=opened_under("note", doc["note"]),
        resolved_at=doc["resolved_at"],
        place_of_service=doc.get("place_of_service"),
        diagnoses=tuple(opened_under("diagnoses", doc["diagnoses"])),
        lines=tuple(line_from(line) for line in doc.get("lines", [])),
    )


def held_document(entry: HeldEncounter) -> dict[str, Any]:
    """The worklist entry of a held record (`_id` = the record's key)."""
    fields = asdict(entry)
    return fields | {
        "_id": entry.key,
        "diagnoses": sealed_as("diagnoses", list(entry.diagnoses)),
        "holds": holds_document(entry.holds),
    }


def held_from(doc: dict[str, Any]) -> HeldEncounter:
    return HeldEncounter(
        key=doc["key"],
        encounter_id=doc["encounter_id"],
        date_of_service=doc["date_of_service"],
        modality=doc["modality"],
        payer_id=doc.get("payer_id"),
        held_at=doc.get("held_at"),
        diagnoses=tuple(opened_under("diagnoses", doc.get("diagnoses", []))),
        holds=holds_from(doc.get("holds", [])),
    )


def holds_document(holds: tuple[Hold, ...]) -> list[dict[str, Any]]:
    return [{"reason": hold.reason, "message": sealed_as("message", hold.message)} for hold in holds]


def holds_from(stored: list[dict[str, Any]]) -> tuple[Hold, ...]:
    return tuple(Hold(hold["reason"], opened_under("message", hold["message"])) for hold in stored)


def line_from(stored: dict[str, Any]) -> Line:
    return Line(
        code=stored["code"],
        modifiers=tuple(stored.get("modifiers", [])),
        units=stored["units"],
        diagnosis_pointers=tuple(stored.get("diagnosis_pointers", [])),
        date_of_service=date.fromisoformat(stored["date_of_service"]),
        rule=stored["rule"],
        source=stored["source"],
        explanation=stored.get("explanation", ""),
    )


CODING = Codec(coding_document, coding_record)
RESOLUTIONS = Codec(resolution_document, resolution_record)
