"""Reconcile: which encounters' claims remittance expects a payment for, and the 835 claims it
parked unmatched (`telebill reconcile`).

Remittance keeps expected claims by patient control number, which the claims service derives and
reports; the caller passes each key's PCN. Postings are keyed by ERA trace, so whether a claim was
paid cannot be read by `_id` here: claims learns every posting from `payment-posted` and says so."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.remittance.domain.records import ExpectedClaim
from services.remittance.handlers.ports import RemittanceStore
from shared.reconcile import KeyState, Reconciled


def key_state(key: str, expected: ExpectedClaim | None) -> KeyState:
    """Known: the claim was submitted and its payment is awaited (never final here: the payer answers)."""
    if expected is None or expected.correlation_id != key:
        return KeyState(key, False, "unknown", False)
    return KeyState(key, True, expected.status, False)


class Reconcile:
    def __init__(self, store: RemittanceStore) -> None:
        self.store = store

    async def __call__(self, keys: Sequence[str], pcns: Mapping[str, str]) -> Reconciled:
        """Nothing to re-send: what remittance announces (`payment-posted`) follows an 835, not a key."""
        unique = list(dict.fromkeys(keys))
        expected = await self.store.expected([pcns[key] for key in unique if key in pcns])
        return Reconciled([key_state(key, expected.get(pcns.get(key, ""))) for key in unique], 0)

    async def parked(self, limit: int) -> list[dict[str, Any]]:
        """835 claims no submitted claim matched yet: their patient control numbers, no patient data."""
        return [
            {"id": parked.key, "trace": parked.trace, "patient_control_number": parked.patient_control_number}
            for parked in await self.store.parked(limit)
        ]
