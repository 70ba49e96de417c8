"""A replacement (frequency 7) or void (8) of a billed claim, asked for by a person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.claims.domain.assemble import Version, assemble
from services.claims.domain.lifecycle import CORRECTABLE, ClaimStatus
from services.claims.domain.records import ClaimRecord
from services.claims.handlers.claim_lifecycle import Lifecycle
from services.claims.handlers.submit_claims import Prepared, SubmitClaims
from shared.contracts.events import ClaimCoded
from shared.phi.fields import PLAIN


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
        current_id = original.current or key
        current = (await store.records([current_id])).get(current_id, original)
        source = await store.source(current_id)
        refused = correction_refusal(current, source)
        if refused or source is None:
            return CorrectionResult("not_correctable", problems=(refused,))
        frequency = "7" if correction.kind == "replacement" else "8"
        record_id = f"{key}~{frequency}~{len(original.versions) + 1}"
        event = corrected_event(source, correction)
        version = Version(record_id, frequency, current.payer_claim_number, correction.prior_authorization)
        [done] = await self.submit.submit(
            [Prepared(record_id, event, assemble(event, self.submit.rules.charges, version), replaces=current_id)]
        )
        if done.findings:
            return CorrectionResult(
                ClaimStatus.SCRUB_REJECTED, record_id, tuple(f"{f.edit}: {f.message}" for f in done.findings)
            )
        new_status = ClaimStatus.CORRECTED if frequency == "7" else ClaimStatus.VOIDED
        note = f"{correction.kind} {record_id} by {correction.operator}: {correction.reason}"
        await self.lifecycle.move(current_id, new_status, note)
        await store.add_version(key, record_id)
        return CorrectionResult(ClaimStatus.SUBMITTED, record_id)


def correction_refusal(current: ClaimRecord, source: ClaimCoded | None) -> str:
    if current.status not in CORRECTABLE:
        status = current.status.value
        return f"claim is {status}: only a claim the payer has (accepted, paid, denied…) can be replaced or voided"
    if not current.payer_claim_number:
        return "no payer claim number yet (it comes with the 277CA or the 835): cannot reference the original"
    if source is None:
        return f"the claim-coded event of {current.key} is not kept: there is nothing to correct from"
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
