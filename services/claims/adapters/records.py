"""Claim records, their sources and worklist entries as both claims stores keep them. What the scrubber
found names the facts it found (a diagnosis, a date of service) and a correction's note is a person's
free text: those are sealed at rest and opened when read (a value stored before it was sealed reads
as it is)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from services.claims.domain.interchange import Step
from services.claims.domain.lifecycle import ClaimStatus
from services.claims.domain.records import (
    ClaimChanges,
    ClaimRecord,
    Submission,
    WorklistEntry,
    claim_fields,
    worklist_fields,
)
from services.claims.domain.scrubber import Finding
from shared.contracts.events import ClaimCoded
from shared.outbox import Codec
from shared.phi.fields import opened_under, sealed_as

SEALED_NOTES = (ClaimStatus.CORRECTED, ClaimStatus.VOIDED)  # the operator's reason for a correction


def claim_document(record: ClaimRecord) -> dict[str, Any]:
    fields = claim_fields(record) | {"history": [step_document(step) for step in record.history]}
    if record.findings or record.problems:
        fields |= findings_document(record.findings, record.problems)
    return fields


def claim_record(doc: dict[str, Any]) -> ClaimRecord:
    key = str(doc["_id"])
    return ClaimRecord(
        key=key,
        # claims stored before these fields were kept are originals (frequency 1), keyed by encounter
        encounter_key=doc.get("encounter_key", key),
        claim_id=doc.get("claim_id", ""),
        frequency_code=doc.get("frequency_code", "1"),
        status=ClaimStatus(doc["status"]),
        history=tuple(step_from(step) for step in doc.get("history", [])),
        replaces=doc.get("replaces"),
        submission=submission_from(doc) if "interchange_control_number" in doc else None,
        findings=tuple(finding_from(finding) for finding in doc.get("findings", [])),
        problems=tuple(str(problem) for problem in opened_under("problems", doc.get("problems", []))),
        payer_claim_number=doc.get("payer_claim_number"),
        current=doc.get("current"),
        versions=tuple(doc.get("versions", [])),
    )


def submission_from(doc: dict[str, Any]) -> Submission:
    return Submission(
        patient_control_number=doc["patient_control_number"],
        payer_id=doc["payer_id"],
        total_charge_cents=int(doc["total_charge_cents"]),
        interchange_control_number=int(doc["interchange_control_number"]),
        file_name=doc["file_name"],
        original_payer_claim_number=doc.get("original_payer_claim_number"),
    )


def findings_document(findings: tuple[Finding, ...], problems: tuple[str, ...]) -> dict[str, Any]:
    sealed = [finding.as_dict() | {"message": sealed_as("message", finding.message)} for finding in findings]
    return {"findings": sealed, "problems": [sealed_as("problems", problem) for problem in problems]}


def finding_from(doc: dict[str, Any]) -> Finding:
    return Finding(doc["edit"], str(opened_under("message", doc["message"])), doc["fix"])


def step_document(step: Step) -> Step:
    return with_note(step, sealed_as("note", step["note"])) if step["status"] in SEALED_NOTES else step


def step_from(doc: Step) -> Step:
    return with_note(doc, str(opened_under("note", doc["note"])))


def with_note(step: Step, note: str) -> Step:
    changed = step.copy()
    changed["note"] = note
    return changed


def changes_document(status: ClaimStatus | None, changes: ClaimChanges) -> dict[str, Any]:
    """The fields a lifecycle move sets: its status (None: a note that moves nothing) and what it learnt."""
    learnt = {key: value for key, value in asdict(changes).items() if value is not None}
    return learnt | ({"status": status.value} if status else {})


def source_document(event: ClaimCoded) -> dict[str, Any]:
    """A claim's `claim-coded` event as kept (its PHI fields sealed by the contract's serializer)."""
    return event.model_dump(mode="json")


def worklist_document(entry: WorklistEntry) -> dict[str, Any]:
    return worklist_fields(entry) | findings_document(entry.findings, entry.problems)


def worklist_entry_from(doc: dict[str, Any]) -> WorklistEntry:
    return WorklistEntry(
        key=str(doc["_id"]),
        status=ClaimStatus(doc["status"]),
        encounter_key=doc["encounter_key"],
        claim_id=doc["claim_id"],
        frequency_code=doc["frequency_code"],
        since=doc["since"],
        findings=tuple(finding_from(finding) for finding in doc.get("findings", [])),
        problems=tuple(str(problem) for problem in opened_under("problems", doc.get("problems", []))),
    )


CLAIMS = Codec(claim_document, claim_record)
WORKLIST = Codec(worklist_document, worklist_entry_from)
