"""The claims lifecycle on the real server and real folders: a 999 rejection and a 277CA rejection
move claims to `rejected` with the reason; a replacement claim goes out with frequency 7 and the
payer's original claim number."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from deploy.clearinghouse.simulator import acknowledge
from deploy.clearinghouse.x12_out import ClaimAcknowledgement, Payer, parse_837_claims, render_277ca, render_999
from services.claims.adapters.exchange import ack_inbox
from services.claims.adapters.repository import MongoClaimStore
from services.claims.domain.claim import Address, Envelope
from services.claims.domain.records import ClaimRecord
from services.claims.handlers.correct_claim import Correction
from shared.mongo import async_database
from tests.unit.claims_cases import claims_over_folders, coded, line

pytestmark = pytest.mark.integration
PAYER = Payer(
    "MEDICARE", "MCRTX", "991234567", Address("1 PAYER PLAZA", "HARTFORD", "CT", "06101"), "EDI", "8005550199"
)
ENVELOPE = Envelope("SIMCLEARING", "LONESTARTH", 77, 77, 1, "2026-03-11T08:00:00")


def test_rejections_and_a_replacement_through_the_real_store_and_folders(settings, unique, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> tuple[dict[str, ClaimRecord], str, list[str]]:
        db = async_database(settings, f"test_{unique}")
        store = MongoClaimStore(db)
        await store.ensure_indexes()
        claims = claims_over_folders(store, tmp_path)
        inbox, outbound = ack_inbox(tmp_path), tmp_path / "outbound"

        await claims.submit([coded("A"), coded("B", lines=[line(day="2026-03-03")])])  # interchange 1
        first = next(outbound.glob("*.837")).read_text()
        await claims.submit([coded("C", lines=[line(day="2026-03-04")])])  # interchange 2
        second = max(outbound.glob("*.837")).read_text()
        (tmp_path / "inbound").mkdir()
        (tmp_path / "inbound" / "one.999").write_text(render_999(first, ENVELOPE, reject=True))
        rejected_277 = [ClaimAcknowledgement(c, False, "A7:562:85") for c in parse_837_claims(second)]
        (tmp_path / "inbound" / "two.277").write_text(render_277ca(rejected_277, "T2", PAYER, ENVELOPE))
        await claims.lifecycle.post_inbox(inbox)

        await claims.submit([coded("D", lines=[line(day="2026-03-05")])])  # accepted, then replaced
        third = max(outbound.glob("*.837")).read_text()
        (tmp_path / "inbound" / "three.277").write_text(
            render_277ca([acknowledge(c) for c in parse_837_claims(third)], "T3", PAYER, ENVELOPE)
        )
        await claims.lifecycle.post_inbox(inbox)
        result = await claims.correct(
            "acme-video:D",
            Correction(
                "replacement",
                "billing.lee",
                "level was 99214",
                [line("99214", day="2026-03-05").model_dump(mode="json")],
            ),
        )
        assert result.status == "submitted"
        records = await store.records(
            ["acme-video:A", "acme-video:B", "acme-video:C", "acme-video:D", result.record_id]
        )
        text = max(outbound.glob("*.837")).read_text()
        archived = sorted(p.name for p in (tmp_path / "inbound" / "claims-archive" / "processed").iterdir())
        await db.client.drop_database(db.name)
        return records, text, archived

    records, text, archived = asyncio.run(scenario())
    for key in ("acme-video:A", "acme-video:B"):
        assert records[key].status == "rejected"
        assert (
            records[key].history[-1]["note"].startswith("999 rejected: segment NM1@9: Segment has data element errors")
        )
    assert records["acme-video:C"].status == "rejected"
    assert (
        "277CA A7:562 Acknowledgement/Rejected for Invalid Information" in records["acme-video:C"].history[-1]["note"]
    )
    original = records["acme-video:D"]
    assert original.status == "corrected" and original.versions == ("acme-video:D~7~1",)
    assert original.history[-1]["note"] == "replacement acme-video:D~7~1 by billing.lee: level was 99214"
    replacement = records["acme-video:D~7~1"]
    assert (replacement.status, replacement.frequency_code) == ("submitted", "7")
    assert replacement.submission and replacement.submission.original_payer_claim_number == original.payer_claim_number
    assert f"REF*F8*{original.payer_claim_number}~" in text and ":B:7*" in text
    assert archived == ["one.999", "three.277", "two.277"]
