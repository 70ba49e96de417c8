"""Coding rules as data: code tables and payer policies, validated when loaded, indexed once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.coding.domain.remote_monitoring import RpmTable
from shared.contracts.encounter import Modality, PeripheralDevice
from shared.rules import Effective, RuleFileError, Sourced, load_rule_file

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
MdmLevel = Literal["straightforward", "low", "moderate", "high"]
BriefService = Literal["virtual_check_in", "e_visit", "store_and_forward"]
Device = PeripheralDevice


class Row(BaseModel):
    """A table row: may narrow the table's effective dates and name a more precise source."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    source: str | None = None
    effective: Effective | None = None
    successor: str | None = Field(
        None,
        description="What follows this row after its end date, or 'none: <why>' (tests/unit/test_rule_freshness.py)",
    )

    def in_force(self, on: date) -> bool:
        return self.effective is None or self.effective.covers(on)


class EmLevel(Row):
    code: str = Field(pattern=r"^[0-9]{5}$")
    family: Literal["office", "telemedicine"]
    modality: Literal["any", "audio_video", "audio_only"] = "any"
    patient: Literal["new", "established"]
    min_minutes: int = Field(ge=1)
    mdm: MdmLevel
    min_discussion_minutes: int | None = Field(None, ge=1)
    office_equivalent: str | None = None


class EmTable(Sourced):
    levels: list[EmLevel] = Field(min_length=1)


class ProlongedRow(Row):
    code: str = Field(pattern=r"^[0-9A-Z]{5}$")
    after: str
    first_unit_minutes: int = Field(ge=1)
    unit_minutes: int = Field(ge=1)


class ProlongedTable(Sourced):
    rows: list[ProlongedRow] = Field(min_length=1)


class BriefCode(Row):
    code: str = Field(pattern=r"^[0-9A-Z]{5}$")
    service: BriefService
    billed_by: Literal["em", "non_em"] = Field(
        "em", description="non_em: the code for practitioners who cannot bill E/M (provider_types.yaml)"
    )
    minutes_from: Literal["medical_discussion_minutes", "total_minutes", "none"]
    min_minutes: int = Field(ge=0)
    max_minutes: int | None = None


class BundlingWindow(Row):
    service: BriefService
    days_before: int | None = Field(None, ge=0)
    days_after: int | None = Field(None, ge=0)
    hours_after: int | None = Field(None, ge=0)


class Addon(Row):
    """An add-on code reported with certain E/M codes when the encounter says the fact it needs."""

    code: str = Field(pattern=r"^[0-9A-Z]{5}$")
    with_codes: list[str] = Field(min_length=1)
    requires: Literal["longitudinal_care"]
    not_with_modifiers: list[str] = Field(default_factory=list)


class AddonTable(Sourced):
    addons: list[Addon]


class ProviderClass(Row):
    taxonomy_prefix: str = Field(pattern=r"^[0-9A-Z]{2,10}$")
    provider_class: str = Field(pattern=r"^[a-z_]+$")
    bills_em: bool


class ProviderTypes(Sourced):
    classes: list[ProviderClass] = Field(min_length=1)
    reserved_to_em: frozenset[str] = Field(min_length=1)

    def class_of(self, taxonomy: str, on: date) -> ProviderClass | None:
        matching = [c for c in self.classes if taxonomy.startswith(c.taxonomy_prefix) and c.in_force(on)]
        return max(matching, key=lambda c: len(c.taxonomy_prefix)) if matching else None


class MentalHealthHomeSite(BaseModel):
    """Medicare: the home is a permanent originating site for mental-health telehealth (SSA 1834(m)(7)),
    with an in-person visit required first from a date the law keeps delaying."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    in_person_required_from: date
    in_person_within_months: int = Field(ge=1)
    source: str = Field(min_length=3)


class MentalHealthVisits(Sourced):
    """How an RHC/FQHC telehealth visit is known to be a mental-health one (billed as a clinic visit)."""

    first_diagnosis_prefixes: list[str] = Field(min_length=1)

    def covers(self, diagnoses: tuple[str, ...], on: date) -> bool:
        first = diagnoses[0] if diagnoses else ""
        return self.effective.covers(on) and first.startswith(tuple(self.first_diagnosis_prefixes))


class TimeCode(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[0-9]{5}$")
    min_minutes: int = Field(ge=1)
    max_minutes: int | None = None


class Crisis(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    first: str = Field(pattern=r"^[0-9]{5}$")
    first_minutes: int = Field(ge=1)
    first_covers_to: int = Field(ge=1)
    each_additional: str = Field(pattern=r"^[0-9]{5}$")
    additional_minutes: int = Field(ge=1)


class PsychotherapyTable(Sourced):
    time_codes: list[TimeCode] = Field(min_length=1)
    with_em_addons: list[TimeCode] = Field(min_length=1)
    evaluation: str = Field(pattern=r"^[0-9]{5}$")
    medical_evaluation: str = Field(pattern=r"^[0-9]{5}$")
    interactive_complexity: str = Field(pattern=r"^[0-9]{5}$")
    crisis: Crisis

    def codes(self) -> list[str]:
        timed = [c.code for c in (*self.time_codes, *self.with_em_addons)]
        singles = [self.evaluation, self.medical_evaluation, self.interactive_complexity]
        return [*timed, *singles, self.crisis.first, self.crisis.each_additional]

    def requested_instead_of_em(self) -> set[str]:
        """Codes a clinician asks for that replace the E/M of the visit rather than add to it."""
        return {self.evaluation, self.medical_evaluation, self.crisis.first}


class TimeWindow(Row):
    """The period a service's cumulative minutes must fall in, counted from the patient's initiation."""

    service: BriefService
    days: int = Field(ge=1)


class BriefTable(Sourced):
    codes: list[BriefCode] = Field(min_length=1)
    bundling: list[BundlingWindow] = Field(default_factory=list)
    time_windows: list[TimeWindow] = Field(default_factory=list)


class OriginatingSite(Sourced):
    code: str = Field(pattern=r"^[0-9A-Z]{5}$")


class DeviceService(Row):
    device: Device
    code: str = Field(pattern=r"^[0-9A-Z]{5}$")


class PeripheralTable(Sourced):
    services: list[DeviceService]


class CatalogueCode(Row):
    code: str = Field(pattern=r"^[0-9A-Z]{5}$")
    kind: str


class CodeCatalogue(Sourced):
    codes: list[CatalogueCode]


class PlaceOfService(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    home: str = Field(pattern=r"^[0-9]{2}$")
    elsewhere: str = Field(pattern=r"^[0-9]{2}$")


class Demonstration(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    modifier: str
    patient_states: list[str] = Field(min_length=1)


class PayerPolicy(Sourced):
    """One payer's telehealth settings. The README's "Payer policies" section documents each field."""

    payer: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    plan_types: list[Literal["medicare", "medicare_advantage", "medicaid", "commercial"]] = Field(default_factory=list)
    payer_ids: list[str] = Field(default_factory=list)
    video_modifier: Literal["95"] | None = Field(description="'95', or null for payers that do not want it")
    audio_only_modifier: Literal["93"]
    rural_clinic_audio_only_modifier: Literal["93", "FQ"]
    place_of_service: PlaceOfService
    non_telehealth_place_of_service: str = Field(pattern=r"^[0-9]{2}$")
    audio_only_requires_home: bool
    audio_only_reasons: list[Literal["patient_declined_video", "patient_lacks_video", "technical_failure"]]
    home_site_windows: list[Effective] | None
    mental_health_home_site: MentalHealthHomeSite | None = Field(
        None,
        description="Home as a permanent originating site for mental-health services, and from when an "
        "in-person visit must come first (null: home_site_windows apply to them too)",
    )
    telemedicine_codes: Literal["adopted", "not_paid"]
    prolonged_code: Literal["G2212", "99417"]
    em_addons_paid: list[str] = Field(
        default_factory=list, description="E/M add-on codes (em_addons.yaml) this payer pays, e.g. G2211"
    )
    consent_required_for: list[Modality]
    device_services_paid: list[Device]
    asynchronous_demonstration: Demonstration | None
    rural_clinic_telehealth_code: str | None = Field(pattern=r"^[0-9A-Z]{5}$")

    def allows_home_site(self, on: date) -> bool:
        return self.home_site_windows is None or any(window.covers(on) for window in self.home_site_windows)


@dataclass(frozen=True)
class CodingRules:
    """Every rule table plus the indexes the engine reads on its hot path."""

    em_office: EmTable
    em_telemedicine: EmTable
    prolonged: ProlongedTable
    brief: BriefTable
    rpm_table: RpmTable
    originating_site: OriginatingSite
    peripherals: PeripheralTable
    catalogue: CodeCatalogue
    em_addons: AddonTable
    provider_types: ProviderTypes
    mental_health: MentalHealthVisits
    psychotherapy: PsychotherapyTable
    policies: tuple[PayerPolicy, ...]
    known: dict[str, list[tuple[str, Row | Sourced]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "known", index_known_codes(self))

    def policy_for(self, payer_id: str | None, plan_type: str, on: date) -> PayerPolicy | None:
        live = [p for p in self.policies if p.effective.covers(on)]
        by_id = [p for p in live if payer_id and payer_id in p.payer_ids]
        by_plan = [p for p in live if plan_type in p.plan_types]
        found = by_id or by_plan
        return found[0] if found else None

    def em_levels(self, family: str, modality: str, new_patient: bool, on: date) -> list[EmLevel]:
        table = self.em_office if family == "office" else self.em_telemedicine
        patient = "new" if new_patient else "established"
        rows = [
            lvl
            for lvl in table.levels
            if lvl.patient == patient and lvl.modality in ("any", modality) and lvl.in_force(on)
        ]
        return sorted(rows, key=lambda lvl: lvl.min_minutes) if table.effective.covers(on) else []

    def telemedicine_level(self, code: str) -> EmLevel | None:
        return next((lvl for lvl in self.em_telemedicine.levels if lvl.code == code), None)

    def prolonged_row(self, code: str, after: str, on: date) -> ProlongedRow | None:
        rows = self.prolonged.rows
        return next((r for r in rows if r.code == code and r.after == after and r.in_force(on)), None)

    def brief_codes(self, service: str, on: date, bills_em: bool = True) -> list[BriefCode]:
        billed_by = "em" if bills_em else "non_em"
        return [c for c in self.brief.codes if c.service == service and c.billed_by == billed_by and c.in_force(on)]

    def bundling(self, service: str, on: date) -> BundlingWindow | None:
        return next((w for w in self.brief.bundling if w.service == service and w.in_force(on)), None)

    def addons_for(self, em_code: str, on: date) -> list[Addon]:
        return [a for a in self.em_addons.addons if em_code in a.with_codes and a.in_force(on)]

    def time_window(self, service: str, on: date) -> TimeWindow | None:
        return next((w for w in self.brief.time_windows if w.service == service and w.in_force(on)), None)

    def device_service(self, device: str, on: date) -> DeviceService | None:
        return next((s for s in self.peripherals.services if s.device == device and s.in_force(on)), None)

    def kinds_in_force(self, code: str, on: date) -> list[str]:
        return [kind for kind, row in self.known.get(code, []) if row_in_force(row, on)]

    def billed_in_units(self, code: str, on: date) -> bool:
        """Prolonged time, RPM add-ons and additional crisis time count units; every other code is billed once."""
        return bool(UNIT_KINDS & set(self.kinds_in_force(code, on)))


UNIT_KINDS = {"prolonged", "rpm", "psychotherapy_additional"}  # codes billed per unit of time


def row_in_force(row: Row | Sourced, on: date) -> bool:
    return row.in_force(on) if isinstance(row, Row) else row.effective.covers(on)


def index_known_codes(rules: CodingRules) -> dict[str, list[tuple[str, Row | Sourced]]]:
    """Every code the rule data can emit or accept, with its kind and the row that says when."""
    known: dict[str, list[tuple[str, Row | Sourced]]] = defaultdict(list)
    for level in rules.em_office.levels:
        known[level.code].append(("em", level))
    for level in rules.em_telemedicine.levels:
        known[level.code].append(("telemedicine_em", level))
    for row in rules.prolonged.rows:
        known[row.code].append(("prolonged", row))
    for brief in rules.brief.codes:
        known[brief.code].append((brief.service if brief.billed_by == "em" else f"{brief.service}_non_em", brief))
    for rpm in rules.rpm_table.codes:
        known[rpm.code].append(("rpm", rpm))
    for device in rules.peripherals.services:
        known[device.code].append(("device", device))
    for addon in rules.em_addons.addons:
        known[addon.code].append(("em_addon", addon))
    for code in rules.psychotherapy.codes():
        kind = "psychotherapy_additional" if code == rules.psychotherapy.crisis.each_additional else "psychotherapy"
        known[code].append((kind, rules.psychotherapy))
    for extra in rules.catalogue.codes:
        known[extra.code].append((extra.kind, extra))
    known[rules.originating_site.code].append(("originating_site", rules.originating_site))
    return dict(known)


def load_policies(directory: Path) -> list[PayerPolicy]:
    files = sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))
    if not files:
        raise RuleFileError(f"no payer policy files (*.yaml) in {directory}")
    return [load_rule_file(path, PayerPolicy) for path in files]


def merge_policies(shipped: list[PayerPolicy], practice: list[PayerPolicy]) -> tuple[PayerPolicy, ...]:
    """A practice's file replaces the shipped policy of the same payer name and adds the others."""
    by_name = {p.payer: p for p in shipped} | {p.payer: p for p in practice}
    problems = [
        f"payer policy {p.payer!r} matches no payer_ids and no plan_types"
        for p in by_name.values()
        if not p.payer_ids and not p.plan_types
    ]
    if problems:
        raise RuleFileError("; ".join(problems))
    return tuple(sorted(by_name.values(), key=lambda p: -len(p.payer_ids)))


def load_rules(rules_dir: Path = RULES_DIR, policy_dir: Path | None = None) -> CodingRules:
    shipped = load_policies(rules_dir / "payers")
    practice = load_policies(policy_dir) if policy_dir else []
    return CodingRules(
        em_office=load_rule_file(rules_dir / "em_office.yaml", EmTable),
        em_telemedicine=load_rule_file(rules_dir / "em_telemedicine.yaml", EmTable),
        prolonged=load_rule_file(rules_dir / "prolonged.yaml", ProlongedTable),
        brief=load_rule_file(rules_dir / "brief_services.yaml", BriefTable),
        rpm_table=load_rule_file(rules_dir / "remote_monitoring.yaml", RpmTable),
        originating_site=load_rule_file(rules_dir / "originating_site.yaml", OriginatingSite),
        peripherals=load_rule_file(rules_dir / "peripherals.yaml", PeripheralTable),
        catalogue=load_rule_file(rules_dir / "code_catalogue.yaml", CodeCatalogue),
        em_addons=load_rule_file(rules_dir / "em_addons.yaml", AddonTable),
        provider_types=load_rule_file(rules_dir / "provider_types.yaml", ProviderTypes),
        mental_health=load_rule_file(rules_dir / "mental_health.yaml", MentalHealthVisits),
        psychotherapy=load_rule_file(rules_dir / "psychotherapy.yaml", PsychotherapyTable),
        policies=merge_policies(shipped, practice),
    )


__all__ = ["CodingRules", "EmLevel", "EmTable", "PayerPolicy", "RuleFileError", "load_rules"]
