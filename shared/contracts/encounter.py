"""`encounter-completed` v1: the pipeline's only input contract.

Published as shared/contracts/published/encounter-completed.v1.schema.json (generated from this
model, with worked examples beside it). It mirrors the upstream contract the platforms are given
(../shared/contracts/encounter-completed.schema.json in a team checkout) field for field; a contract test
compares the exported JSON Schema with it. Unknown top-level keys are rejected, unknown keys
inside objects are ignored, exactly as the shared schema says.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.contracts.envelope import encounter_key
from shared.phi.fields import Phi

# Optional fields this project reads beyond the shared v1 schema. The shared schema ignores keys it
# does not name inside objects, so a platform may send them without a new version; each is optional.
V1_EXTENSIONS = (
    "encounter.longitudinal_care",
    "encounter.psychotherapy_minutes",
    "encounter.remote_monitoring.interpretation_minutes",
    "encounter.remote_monitoring.last_reading_date",
)

StateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Npi = Annotated[str, StringConstraints(pattern=r"^[0-9]{10}$")]
Taxonomy = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{9}X$")]
IcdCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")]
ProcedureCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{5}$")]
Minutes = Annotated[int, Field(ge=0, le=1440)]
Sex = Literal["F", "M", "U"]
Device = Literal[
    "blood_pressure_monitor",
    "glucometer",
    "pulse_oximeter",
    "spirometer",
    "weight_scale",
    "thermometer",
    "other",
]
PeripheralDevice = Literal[Device, "stethoscope", "otoscope"]
Modality = Literal[
    "audio_video",
    "audio_only",
    "store_and_forward",
    "e_visit",
    "virtual_check_in",
    "remote_monitoring",
]
PlanType = Literal["medicare", "medicare_advantage", "medicaid", "commercial", "self_pay"]


class Inner(BaseModel):
    """Objects inside the event: frozen, unknown keys ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)


class Address(Inner):
    line1: str
    line2: str | None = None
    city: str
    state: StateCode
    postal_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{5}([0-9]{4})?$")]


class PatientLocation(Inner):
    setting: Literal["home", "facility", "other"]
    state: StateCode | None = None
    facility_type: (
        Literal[
            "physician_office",
            "hospital",
            "critical_access_hospital",
            "rural_health_clinic",
            "fqhc",
            "skilled_nursing_facility",
            "community_mental_health_center",
        ]
        | None
    ) = None
    facility_npi: Npi | None = None


class ProviderLocation(Inner):
    state: StateCode | None = None
    setting: Literal["office", "home", "hospital"] | None = None


class RelatedEm(Inner):
    days_before: Annotated[int, Field(ge=0)] | None = None
    days_after: Annotated[int, Field(ge=0)] | None = None
    hours_after: Annotated[int, Field(ge=0)] | None = None


class RemoteMonitoring(Inner):
    period_start: date
    period_end: date
    reading_days: Annotated[int, Field(ge=0, le=31)]
    device: Device | None = None
    first_episode: bool | None = None
    management_minutes: Annotated[int, Field(ge=0)] | None = None
    interactive_communication: bool | None = None
    interpretation_minutes: Annotated[int, Field(ge=0)] | None = Field(
        None,
        description="An extension of v1 (optional): minutes the physician or QHP personally spent collecting and "
        "interpreting the digitally transmitted data in this period (99091).",
    )
    last_reading_date: date | None = Field(
        None,
        description="An extension of v1 (optional): the day of the period's last transmitted reading (the date of "
        "service of the device codes for payers that date them so).",
    )

    @model_validator(mode="after")
    def _period_in_order(self) -> RemoteMonitoring:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if self.last_reading_date and not self.period_start <= self.last_reading_date <= self.period_end:
            raise ValueError("last_reading_date is outside the period")
        return self


class Peripheral(Inner):
    device: PeripheralDevice
    documented: bool = False


class Encounter(Inner):
    encounter_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    date_of_service: date
    start: datetime | None = None
    end: datetime | None = None
    modality: Modality
    audio_only_reason: Literal["patient_declined_video", "patient_lacks_video", "technical_failure"] | None = None
    patient_location: PatientLocation
    provider_location: ProviderLocation | None = None
    new_patient: bool
    total_minutes: Minutes | None = None
    medical_discussion_minutes: Minutes | None = None
    time_documented: bool | None = None
    mdm_level: Literal["straightforward", "low", "moderate", "high"] | None = None
    consent_recorded: bool | None = None
    longitudinal_care: bool | None = Field(
        None,
        description="An extension of v1 (optional): the practitioner is the continuing focal point for all "
        "needed services, or gives ongoing care for a single serious or complex condition (G2211).",
    )
    psychotherapy_minutes: Minutes | None = Field(
        None,
        description="An extension of v1 (optional): minutes of psychotherapy in the visit. With an E/M they are "
        "billed as its add-on and not counted in the E/M's time (CPT); without one they are the session's time.",
    )
    diagnoses: Annotated[list[IcdCode], Field(min_length=1, max_length=12), Phi("diagnoses")]
    requested_codes: list[ProcedureCode] | None = None
    related_em: RelatedEm | None = None
    remote_monitoring: RemoteMonitoring | None = None
    peripherals: list[Peripheral] | None = None

    @model_validator(mode="after")
    def _visit_in_order(self) -> Encounter:
        if self.start is None or self.end is None:
            return self
        if (self.start.utcoffset() is None) != (self.end.utcoffset() is None):
            raise ValueError("start and end must both carry a UTC offset, or neither")
        if self.end < self.start:
            raise ValueError("end is before start")
        return self

    @model_validator(mode="after")
    def _psychotherapy_within_total(self) -> Encounter:
        total, psychotherapy = self.total_minutes, self.psychotherapy_minutes
        if total is not None and psychotherapy is not None and psychotherapy > total:
            raise ValueError("psychotherapy_minutes exceeds total_minutes, which includes it")
        return self


class Patient(Inner):
    patient_id: str
    first_name: Annotated[str, StringConstraints(min_length=1, max_length=35)]
    last_name: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    birth_date: date
    sex: Sex
    address: Address
    phone: str | None = None


class Subscriber(Inner):
    first_name: str | None = None
    last_name: str | None = None
    birth_date: date | None = None
    sex: Sex | None = None
    address: Address | None = None


class Coverage(Inner):
    plan_type: PlanType
    payer_id: str | None = None
    payer_name: str | None = None
    member_id: Annotated[str | None, Phi("member_id")] = None
    group_number: Annotated[str | None, Phi("group_number")] = None
    subscriber_relationship: Literal["self", "spouse", "child", "other"] = "self"
    subscriber: Annotated[Subscriber | None, Phi("subscriber")] = None


class RenderingProvider(Inner):
    npi: Npi
    first_name: str
    last_name: str
    taxonomy: Taxonomy | None = None


class BillingProvider(Inner):
    npi: Npi
    tax_id: Annotated[str, StringConstraints(pattern=r"^[0-9]{9}$")]
    organization_name: str
    taxonomy: Taxonomy | None = None
    organization_type: Literal["physician_group", "fqhc", "rural_health_clinic", "hospital_outpatient"] = (
        "physician_group"
    )
    address: Address


class EncounterCompleted(BaseModel):
    """What a telehealth platform emits when a visit, monitoring period or portal exchange is done."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="encounter-completed v1", hide_input_in_errors=True)

    event_id: uuid.UUID
    event_type: Literal["encounter-completed"]
    schema_version: Literal[1]
    occurred_at: datetime
    source: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    encounter: Encounter
    patient: Annotated[Patient, Phi("patient")]
    coverage: Coverage
    rendering_provider: RenderingProvider
    billing_provider: BillingProvider

    @property
    def key(self) -> str:
        return encounter_key(self.source, self.encounter.encounter_id)
