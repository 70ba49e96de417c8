"""Realistic synthetic `encounter-completed` events for the demo, the e2e tests and the benches."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

from deploy.clearinghouse.adjudicate import load_fee_rules

PAYERS = [
    {"plan_type": "medicare", "payer_id": "MCRTX", "payer_name": "MEDICARE PART B TEXAS"},
    {"plan_type": "commercial", "payer_id": "87726", "payer_name": "EXAMPLE COMMERCIAL HEALTH PLAN"},
    {"plan_type": "commercial", "payer_id": "60054", "payer_name": "SECOND COMMERCIAL PLAN"},
    {"plan_type": "medicaid", "payer_id": "TXMCD", "payer_name": "TEXAS MEDICAID"},
    {"plan_type": "medicare_advantage", "payer_id": "MA001", "payer_name": "EXAMPLE MEDICARE ADVANTAGE"},
]
REPROCESSING_PAYER = "87726"  # its roster pattern admits the reprocessing prefix (payer_roster.json)
REPROCESSING = load_fee_rules().reprocessing  # the simulated payer's drill: whose claims it reverses
DIAGNOSES = ["E11.9", "I10", "F41.1", "J45.40", "Z79.51", "E78.5", "F32.A", "M54.50", "K21.9", "G47.33"]
FIRST = ["JANE", "JOHN", "MARIA", "WEI", "AISHA", "CARLOS", "EMMA", "NOAH", "OLIVIA", "LIAM"]
LAST = ["DOE", "SMITH", "GARCIA", "CHEN", "KHAN", "LOPEZ", "BROWN", "NGUYEN", "PATEL", "JONES"]
MODALITIES = [
    ("audio_video", 60),
    ("audio_only", 20),
    ("remote_monitoring", 12),
    ("e_visit", 4),
    ("virtual_check_in", 4),
    ("store_and_forward", 2),
]
BILLING = {
    "npi": "1234567893",
    "tax_id": "741234567",
    "organization_name": "LONE STAR TELEHEALTH PA",
    "taxonomy": "207Q00000X",
    "organization_type": "physician_group",
    "address": {"line1": "500 CONGRESS AVE", "city": "AUSTIN", "state": "TX", "postal_code": "787011234"},
}
BRIEF = {"e_visit", "virtual_check_in", "store_and_forward"}
RENDERING = {"npi": "1987654328", "first_name": "ALAN", "last_name": "GRANT", "taxonomy": "207Q00000X"}
THERAPIST = {"npi": "1760543219", "first_name": "RUTH", "last_name": "ELLIS", "taxonomy": "1041C0700X"}
SYNCHRONOUS = {"audio_video", "audio_only"}


def pick_modality(rng: random.Random) -> str:
    return rng.choices([m for m, _ in MODALITIES], weights=[w for _, w in MODALITIES])[0]


def patient(rng: random.Random, n: int, prefix: str = "") -> dict[str, Any]:
    return {
        "patient_id": f"P-{prefix}{n:06d}",  # per batch: another run's patients are other people
        "first_name": rng.choice(FIRST),
        "last_name": rng.choice(LAST),
        "birth_date": (date(1940, 1, 1) + timedelta(days=rng.randint(0, 25000))).isoformat(),
        "sex": rng.choice("FM"),
        "address": {"line1": f"{rng.randint(1, 999)} ELM ST", "city": "AUSTIN", "state": "TX", "postal_code": "78701"},
    }


def coverage(rng: random.Random, n: int) -> dict[str, Any]:
    if rng.random() < 0.05:
        return {"plan_type": "self_pay"}
    payer = rng.choice(PAYERS)
    cov: dict[str, Any] = {**payer, "member_id": member_id(payer["payer_id"], n), "subscriber_relationship": "self"}
    if payer["plan_type"] == "commercial":
        cov["group_number"] = "GRP7788"
        if rng.random() < 0.2:
            cov["subscriber_relationship"] = "child"
            cov["subscriber"] = {"first_name": "PAT", "last_name": "PARENT", "birth_date": "1975-05-05", "sex": "F"}
    return cov


def member_id(payer_id: str, n: int) -> str:
    """Some members of one commercial payer are ones the simulated payer reprocesses (reverses and
    pays again: `reprocessing` in payer_fees.json); derived from n, so seeded batches draw as before."""
    if REPROCESSING and payer_id == REPROCESSING_PAYER and n % 10 == 7:
        return f"{REPROCESSING.member_prefix}{n % 97:04d}"
    return f"M{n % 97:04d}{payer_id}"


def visit(rng: random.Random, encounter_id: str, day: date, modality: str) -> dict[str, Any]:
    home = rng.random() < 0.8
    location: dict[str, Any] = (
        {"setting": "home", "state": "TX"}
        if home
        else {
            "setting": "facility",
            "state": "NM",
            "facility_type": "rural_health_clinic",
            "facility_npi": "1456789019",
        }
    )
    minutes = rng.choice([8, 12, 18, 22, 27, 33, 41, 47, 55, 62])
    body: dict[str, Any] = {
        "encounter_id": encounter_id,
        "date_of_service": day.isoformat(),
        "modality": modality,
        "patient_location": location,
        "provider_location": {"state": "TX", "setting": "office"},
        "new_patient": rng.random() < 0.25,
        "total_minutes": minutes,
        "time_documented": rng.random() < 0.9,
        "consent_recorded": True,
        "diagnoses": rng.sample(DIAGNOSES, rng.randint(1, 4)),
    }
    if rng.random() < 0.3:
        body["mdm_level"] = rng.choice(["straightforward", "low", "moderate", "high"])
    if modality == "audio_only":
        body["audio_only_reason"] = rng.choice(["patient_declined_video", "patient_lacks_video", "technical_failure"])
        body["medical_discussion_minutes"] = max(minutes - 4, 1)
    if modality in BRIEF:
        body["new_patient"] = False
        body["total_minutes"] = rng.choice([4, 7, 15, 24])
        body["medical_discussion_minutes"] = rng.choice([6, 9, 14, 18])
        if rng.random() < 0.15:
            body["related_em"] = {"days_before": rng.randint(1, 10)}
    if rng.random() < 0.1:
        body["requested_codes"] = [rng.choice(["99213", "99214", "98005", "98013"])]
    if modality == "remote_monitoring":
        body["new_patient"] = False
        body["remote_monitoring"] = {
            "period_start": (day - timedelta(days=29)).isoformat(),
            "period_end": day.isoformat(),
            "reading_days": rng.randint(3, 30),
            "device": "blood_pressure_monitor",
            "first_episode": rng.random() < 0.3,
            "management_minutes": rng.choice([0, 12, 24, 45]),
            "interactive_communication": True,
        }
    return body


def recent_start(today: date | None = None) -> date:
    """Synthetic visits happened in the last 60 days: inside every payer's timely filing limit."""
    return (today or date.today()) - timedelta(days=60)


def encounter(
    rng: random.Random,
    n: int,
    source: str = "acme-video",
    day: date | None = None,
    prefix: str = "SYN-",
    start: date | None = None,
) -> dict[str, Any]:
    day = day or (start or recent_start()) + timedelta(days=rng.randint(0, 55))
    event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))  # draws in the order they always did
    visited = visit(rng, f"{prefix}{n:06d}", day, pick_modality(rng))
    rendering = behavioral_health(visited, n)  # from n, not the generator: seeded batches draw as before
    if visited["modality"] in SYNCHRONOUS and n % 3 == 0 and rendering is RENDERING:
        visited["longitudinal_care"] = True
    return {
        "event_id": event_id,
        "event_type": "encounter-completed",
        "schema_version": 1,
        "occurred_at": f"{day.isoformat()}T18:00:00Z",
        "source": source,
        "encounter": visited,
        "patient": patient(rng, n, prefix),
        "coverage": coverage(rng, n),
        "rendering_provider": rendering,
        "billing_provider": BILLING,
    }


def behavioral_health(visited: dict[str, Any], n: int) -> dict[str, Any]:
    """Some visits are a clinical social worker's psychotherapy sessions, some E/M visits carry
    psychotherapy, and monitoring periods name their last reading day: who renders the visit."""
    if visited["modality"] == "remote_monitoring":
        period = visited["remote_monitoring"]
        period["last_reading_date"] = (date.fromisoformat(period["period_end"]) - timedelta(days=n % 3)).isoformat()
        if n % 4 == 0:
            period["interpretation_minutes"], period["management_minutes"] = 35, 0
    if visited["modality"] not in SYNCHRONOUS:
        return RENDERING
    if n % 10 == 4:
        visited["diagnoses"] = ["F41.1", *[d for d in visited["diagnoses"] if d != "F41.1"]][:4]
        visited.pop("requested_codes", None)
        return THERAPIST
    if n % 10 == 5 and visited["total_minutes"] >= 33:
        visited["psychotherapy_minutes"] = visited["total_minutes"] // 2
    return RENDERING


def invalid(rng: random.Random, n: int, source: str = "acme-video", prefix: str = "BAD-") -> dict[str, Any]:
    """A contract violation the ingest API must reject with every problem named."""
    bad = encounter(rng, n, source, prefix=prefix)
    bad["encounter"]["modality"] = "hologram"
    del bad["patient"]["birth_date"]
    return bad


def batch(
    count: int, seed: int = 7, source: str = "acme-video", prefix: str = "SYN-", start: date | None = None
) -> list[dict[str, Any]]:
    """`start`: the first possible date of service (default: 60 days ago); tests pin it."""
    rng = random.Random(seed)
    return [encounter(rng, n, source, prefix=prefix, start=start) for n in range(count)]
