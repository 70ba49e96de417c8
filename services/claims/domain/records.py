"""A claim version and a worklist entry as the claims service's use cases see them: clear values (the
stores seal at rest what must not be read there). Pure."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from services.claims.domain.interchange import Step
from services.claims.domain.lifecycle import ClaimStatus
from services.claims.domain.scrubber import Finding


@dataclass(frozen=True)
class Submission:
    """How a claim went out: the interchange it is in and what the payer was told."""

    patient_control_number: str
    payer_id: str
    total_charge_cents: int
    interchange_control_number: int
    file_name: str
    original_payer_claim_number: str | None = None  # a replacement or void: the payer's number it corrects


@dataclass(frozen=True)
class ClaimRecord:
    """One claim version (the original keyed by its encounter key; a replacement or void `key~7~n` /
    `key~8~n`): submitted in an interchange, or stopped by the scrubber with what it found."""

    key: str
    encounter_key: str
    claim_id: str
    frequency_code: str
    status: ClaimStatus
    history: tuple[Step, ...] = ()
    replaces: str | None = None  # the record id of the version this one supersedes
    submission: Submission | None = None
    findings: tuple[Finding, ...] = ()
    problems: tuple[str, ...] = ()
    payer_claim_number: str | None = None  # from the 277CA or the 835
    current: str | None = None  # the original only, once corrected: the latest version's record id
    versions: tuple[str, ...] = ()  # the original only: its corrections' record ids, oldest first

    @property
    def patient_control_number(self) -> str | None:
        return self.submission.patient_control_number if self.submission else None


@dataclass(frozen=True)
class ClaimChanges:
    """What a lifecycle move learns besides the status (None: left as it is)."""

    payer_claim_number: str | None = None


@dataclass(frozen=True)
class WorklistEntry:
    """A claim someone must look at: stopped by the scrubber or rejected by the payer."""

    key: str  # the claim record's
    status: ClaimStatus
    encounter_key: str
    claim_id: str
    frequency_code: str
    since: str  # ISO 8601: the step that put it here
    findings: tuple[Finding, ...] = ()
    problems: tuple[str, ...] = ()


def worklist_entry(record: ClaimRecord, note: str = "") -> WorklistEntry:
    """The entry of a claim whose last step put it on the worklist; `note` says why, when its
    findings do not (a payer's rejection)."""
    return WorklistEntry(
        key=record.key,
        status=record.status,
        encounter_key=record.encounter_key,
        claim_id=record.claim_id,
        frequency_code=record.frequency_code,
        since=record.history[-1]["at"],
        findings=record.findings,
        problems=(*record.problems, note) if note else record.problems,
    )


def claim_fields(record: ClaimRecord) -> dict[str, Any]:
    """A claim as its fields, clear: what is stored (the stores seal some on top) and what the API
    shows. Only the fields it has: a submitted one's interchange, a stopped one's findings, and what
    the payer and later corrections added, written only once known."""
    fields: dict[str, Any] = {
        "encounter_key": record.encounter_key,
        "claim_id": record.claim_id,
        "frequency_code": record.frequency_code,
        "status": record.status.value,
        "replaces": record.replaces,
        "history": [dict(step) for step in record.history],
    }
    if record.submission:
        fields |= asdict(record.submission)
    if record.findings or record.problems:
        fields |= findings_fields(record.findings, record.problems)
    learnt = {"payer_claim_number": record.payer_claim_number, "current": record.current}
    fields |= {name: value for name, value in learnt.items() if value is not None}
    return fields | ({"versions": list(record.versions)} if record.versions else {})


def worklist_fields(entry: WorklistEntry) -> dict[str, Any]:
    return {
        "status": entry.status.value,
        "encounter_key": entry.encounter_key,
        "claim_id": entry.claim_id,
        "frequency_code": entry.frequency_code,
        **findings_fields(entry.findings, entry.problems),
        "since": entry.since,
    }


def findings_fields(findings: tuple[Finding, ...], problems: tuple[str, ...]) -> dict[str, Any]:
    return {"findings": [finding.as_dict() for finding in findings], "problems": list(problems)}
