"""Every 837P file the claims service writes passes pyx12 (map 837.5010.X222.A1): 700 synthetic
encounters coded by the real engine, assembled, scrubbed and batched by the real use case,
plus replacement (7) and void (8) claims — covering modalities, POS, modifiers, payers, dependents.
An integration test for its weight (pyx12 over some 700 claims takes seconds), though it needs no broker."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from deploy.clearinghouse.simulator import acknowledge
from deploy.clearinghouse.x12_out import Payer, parse_837_claims, render_277ca
from deploy.ops.synthetic import batch
from services.claims.domain.claim import Address, Envelope
from services.claims.handlers.correct_claim import Correction
from services.coding.domain.engine import code_encounter
from services.coding.domain.records import claim_coded as announce
from services.coding.domain.rules import load_rules
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import ClaimCoded, CoverageVerified
from shared.icd10 import is_billable
from tests.unit.claims_cases import VERIFIED, ClaimsWorld
from tests.unit.test_x837_pyx12 import pyx12_errors

pytestmark = pytest.mark.integration
MEDICARE = {"plan_type": "medicare", "payer_id": "MCRTX", "payer_name": "MEDICARE PART B TEXAS"}
CODING_RULES = load_rules()
PAYER = Payer("PAYER", "P", "991234567", Address("1 PAYER PLAZA", "HARTFORD", "CT", "06101"), "EDI", "8005550199")


def varied(count: int) -> list[EncounterCompleted]:
    raw = batch(count, seed=3, prefix="PYX-", start=date(2026, 3, 2))
    for n, item in enumerate(raw):
        if n % 9 == 0:
            item["billing_provider"] = item["billing_provider"] | {"organization_type": "fqhc"}
        if item["encounter"]["modality"] == "store_and_forward" and n % 2 == 0:  # Alaska: G2010, still no GQ
            item["encounter"]["patient_location"] = {"setting": "home", "state": "AK"}
            item["coverage"] = MEDICARE | {"member_id": f"M{n:04d}MCRTX"}
    return [EncounterCompleted.model_validate(item) for item in raw]


def claim_coded(encounter: EncounterCompleted) -> ClaimCoded | None:
    result = code_encounter(encounter, CODING_RULES, is_billable)
    if result.status != "coded":
        return None
    verified = CoverageVerified.caused_by(
        str(encounter.event_id), encounter.key, encounter=encounter, verification=VERIFIED
    )
    return announce(verified, result)


def test_every_file_the_claims_service_writes_passes_pyx12() -> None:
    world = ClaimsWorld(now=datetime(2026, 3, 20, tzinfo=UTC))
    events = [e for e in map(claim_coded, varied(700)) if e is not None]
    world.submit(*events)
    submitted = [key for key, doc in world.store.outbox.docs.items() if doc["status"] == "submitted"]
    corrected = correct_some(world, submitted[:30])
    claims = [c for text in world.exchange.outbound.values() for c in parse_837_claims(text)]

    assert len(claims) >= 500
    assert {f for f in Counter(c.frequency_code for c in claims)} == {"1", "7", "8"}
    modalities = {e.encounter.encounter.modality for e in events}
    assert modalities == {
        "audio_video",
        "audio_only",
        "remote_monitoring",
        "e_visit",
        "virtual_check_in",
        "store_and_forward",
    }
    texts = "".join(world.exchange.outbound.values())
    assert ":GQ" not in texts  # G2010 is not telehealth: no asynchronous-telehealth modifier
    for wanted in (
        "*10:B:",
        "*02:B:",
        "*11:B:",
        ":95",
        ":93",
        ":FQ",
        "HC:G2211",  # the visit complexity add-on, with Medicare telehealth E/M
        "SBR*P*18*",
        "PAT*19",
        "SBR*P**",
        "*MB~",
        "*CI~",
        "*MC~",
    ):
        assert wanted in texts, wanted
    assert corrected == 30
    for name, text in world.exchange.outbound.items():
        assert pyx12_errors(text) == [], name


def correct_some(world: ClaimsWorld, keys: list[str]) -> int:
    """The payer acknowledges them (277CA), then half are replaced and half voided."""
    claims = [c for text in world.exchange.outbound.values() for c in parse_837_claims(text)]
    envelope = Envelope("SIMCLEARING", "LONESTARTH", 900, 900, 1, "2026-03-21T08:00:00")
    asyncio.run(
        world.claims.lifecycle.apply_277ca(render_277ca([acknowledge(c) for c in claims], "T1", PAYER, envelope))
    )
    done = 0
    for n, key in enumerate(keys):
        kind = "replacement" if n % 2 else "void"
        result = asyncio.run(world.claims.correct(key, Correction(kind, "billing.lee", "drill")))
        done += result.status == "submitted"
    return done
