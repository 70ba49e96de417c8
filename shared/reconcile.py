"""What `telebill reconcile` asks every stage service and what each answers: where each encounter
stands there, and how many events a forced re-send put back on the way."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_KEYS = 500


class ReconcileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keys: list[str] = Field(max_length=MAX_KEYS)
    redrive: bool = False


@dataclass(frozen=True)
class KeyState:
    """`final`: the encounter stops at this stage for now. `pcn`: claims only, the current version's
    patient control number, by which remittance expects the claim."""

    key: str
    known: bool
    state: str
    final: bool
    pcn: str | None = None


@dataclass(frozen=True)
class Reconciled:
    keys: list[KeyState]
    redriven: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "keys": [{k: v for k, v in asdict(state).items() if k != "pcn" or v is not None} for state in self.keys],
            "redriven": self.redriven,
        }


class KeyStateOut(BaseModel):
    key: str
    known: bool
    state: str
    final: bool
    pcn: str | None = Field(None, description="claims only: the current version's patient control number")


class ReconciledOut(BaseModel):
    """Where each key stands here, and how many events were re-sent (`redrive`)."""

    keys: list[KeyStateOut]
    redriven: int
