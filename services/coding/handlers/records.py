"""What coding stores and announces: the coded record, an operator's resolution, `claim-coded`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.coding.domain.model import CodingResult, Line
from services.coding.domain.resolution import Resolution
from shared.contracts.events import ClaimCoded, CodedLine, CoverageVerified
from shared.phi.fields import sealed_as


def only_coverage_held(doc: dict[str, Any]) -> bool:
    return doc["status"] == "held" and all(h["reason"] == "coverage_not_verified" for h in doc["holds"])


def coding_record(event: CoverageVerified, result: CodingResult) -> dict[str, Any]:
    return {
        "_id": event.correlation_id,
        "event_id": event.event_id,
        "status": result.status,
        "place_of_service": result.place_of_service,
        "diagnoses": sealed_as("diagnoses", list(result.diagnoses)),
        "lines": [line_dict(line) for line in result.lines],
        "holds": [{"reason": h.reason, "message": sealed_as("message", h.message)} for h in result.holds],
        "held_at": event.occurred_at.isoformat() if result.status == "held" else None,
        "coverage_verified": event.model_dump(mode="json"),
    }


def resolution_record(key: str, resolution: Resolution, result: CodingResult, at: datetime) -> dict[str, Any]:
    return {
        "_id": key,
        "operator": resolution.operator,
        "note": sealed_as("note", resolution.note),
        "resolved_at": at.isoformat(),
        "place_of_service": result.place_of_service,
        "diagnoses": sealed_as("diagnoses", list(result.diagnoses)),
        "lines": [line_dict(line) for line in result.lines],
    }


def line_dict(line: Line) -> dict[str, Any]:
    return {
        "code": line.code,
        "modifiers": list(line.modifiers),
        "units": line.units,
        "diagnosis_pointers": list(line.diagnosis_pointers),
        "date_of_service": line.date_of_service.isoformat(),
        "rule": line.rule,
        "source": line.source,
        "explanation": line.explanation,
    }


def claim_coded(event: CoverageVerified, result: CodingResult) -> ClaimCoded:
    return ClaimCoded.caused_by(
        event.event_id,
        event.correlation_id,
        encounter=event.encounter,
        verification=event.verification,
        place_of_service=result.place_of_service,
        diagnoses=list(result.diagnoses),
        lines=[CodedLine.model_validate(line_dict(line)) for line in result.lines],
    )
