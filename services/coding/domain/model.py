"""What the engine produces: billable lines with their reasons, or holds with theirs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

from services.coding.domain.rules import CodingRules, PayerPolicy, ProviderClass
from shared.contracts.encounter import Encounter, EncounterCompleted

MAX_POINTERS = 4


@dataclass(frozen=True)
class Hold:
    reason: str
    message: str


@dataclass(frozen=True)
class Line:
    code: str
    modifiers: tuple[str, ...]
    units: int
    diagnosis_pointers: tuple[int, ...]
    date_of_service: date
    rule: str
    source: str
    explanation: str

    def noted(self, note: str) -> Line:
        return replace(self, explanation=f"{self.explanation}; {note}") if note else self


@dataclass(frozen=True)
class CodingResult:
    status: str  # coded | held (the worker adds self_pay)
    place_of_service: str | None
    diagnoses: tuple[str, ...]
    lines: tuple[Line, ...] = ()
    holds: tuple[Hold, ...] = field(default_factory=tuple)

    @classmethod
    def held(cls, diagnoses: tuple[str, ...], *holds: Hold, place: str | None = None) -> CodingResult:
        return cls("held", place, diagnoses, holds=tuple(holds))


@dataclass(frozen=True)
class Case:
    """One encounter being coded, with the policy and facts every rule reads."""

    encounter: EncounterCompleted
    rules: CodingRules
    policy: PayerPolicy
    diagnoses: tuple[str, ...]

    @property
    def visit(self) -> Encounter:
        return self.encounter.encounter

    @property
    def day(self) -> date:
        return self.encounter.encounter.date_of_service

    @property
    def at_home(self) -> bool:
        return self.encounter.encounter.patient_location.setting == "home"

    @cached_property
    def provider_class(self) -> ProviderClass | None:
        """The rendering provider's kind by its taxonomy (provider_types.yaml); None without a match."""
        taxonomy = self.encounter.rendering_provider.taxonomy
        return self.rules.provider_types.class_of(taxonomy, self.day) if taxonomy else None

    @property
    def bills_em(self) -> bool:
        """False for a rendering provider whose kind bills psychotherapy instead (provider_types.yaml);
        True when the encounter names no taxonomy or one no class matches (held later, by the engine)."""
        return self.provider_class is None or self.provider_class.bills_em

    @property
    def rural_clinic(self) -> bool:
        return self.encounter.billing_provider.organization_type in {"fqhc", "rural_health_clinic"}

    @property
    def pointers(self) -> tuple[int, ...]:
        return tuple(range(1, min(MAX_POINTERS, len(self.diagnoses)) + 1))

    def line(self, code: str, rule: str, source: str, explanation: str, **extra: object) -> Line:
        values: dict[str, object] = {
            "modifiers": (),
            "units": 1,
            "diagnosis_pointers": self.pointers,
            "date_of_service": self.day,
        } | extra
        return Line(code=code, rule=rule, source=source, explanation=explanation, **values)  # type: ignore[arg-type]
