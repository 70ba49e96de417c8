"""835 parsing speed (MB/s) and claims posted per second (parse, balance, match, deny/underpay
checks, journal, events; in-memory store), on remittances the simulator writes. Figures for notes."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal

from deploy.clearinghouse.adjudicate import Adjustment, BilledClaim, BilledLine, ClaimDecision, LineDecision
from deploy.clearinghouse.x12_out import Payee, Payer, render_835
from services.claims.domain.claim import Address, Envelope
from services.remittance.adapters.memory import InMemoryRemittanceStore
from services.remittance.bootstrap import bootstrap
from services.remittance.domain.era import parse_835
from shared.contracts.events import ClaimSubmitted, SubmittedLine
from shared.messaging import RecordingPublisher

PAYER = Payer(
    "EXAMPLE COMMERCIAL", "87726", "991234567", Address("1 PAYER PLAZA", "HARTFORD", "CT", "06101"), "EDI", "8005550199"
)
PAYEE = Payee("LONE STAR TELEHEALTH PA", "1234567893")
DAY = date(2026, 3, 2)


def decision(n: int) -> ClaimDecision:
    pcn = f"TB{n:018d}"
    claim = BilledClaim(pcn, "87726", "EXAMPLE", "CI", 15000, (), "DOE", "JANE", f"W{n:09d}")
    line = BilledLine("99213", ("95",), 15000, Decimal(1), DAY)
    adjustments = (Adjustment("CO", "45", 3000), Adjustment("PR", "3", 3000))
    return ClaimDecision(claim, "1", f"ICN{n}", "12", (LineDecision(line, 12000, 9000, adjustments),))


def submitted(n: int) -> ClaimSubmitted:
    pcn = f"TB{n:018d}"
    line = SubmittedLine(
        line_number=1, code="99213", modifiers=["95"], units=1, charge_cents=15000, date_of_service=DAY
    )
    return ClaimSubmitted.caused_by(
        "c", f"acme:{n}", claim_id=pcn, patient_control_number=pcn, payer_id="87726", payer_name="EXAMPLE",
        plan_type="commercial", interchange_control_number="000000001", group_control_number="1",
        transaction_set_control_number="0001", file_name="x.837", total_charge_cents=15000, place_of_service="10",
        lines=[line],
    )  # fmt: skip


def main(claims: int) -> None:
    per_file = 500
    files = [
        render_835([decision(n) for n in range(start, start + per_file)], PAYER, PAYEE, f"T{start}", DAY,
                   Envelope("SIM", "LONESTARTH", start + 1, start + 1, 1, "2026-03-20T10:00:00"))
        for start in range(0, claims, per_file)
    ]  # fmt: skip
    size = sum(len(text.encode()) for text in files)
    started = time.perf_counter()
    for text in files:
        parse_835(text)
    parsed = time.perf_counter() - started
    store, publisher = InMemoryRemittanceStore(), RecordingPublisher()
    posting = bootstrap(store, publisher, clock=lambda: datetime(2026, 3, 20, tzinfo=UTC))
    asyncio.run(posting.record_submissions([submitted(n) for n in range(claims)]))
    started = time.perf_counter()
    for n, text in enumerate(files):
        asyncio.run(posting.post_file(f"{n}.835", text))
    posted = time.perf_counter() - started
    megabytes, count = size / 1e6, len(publisher.sent)
    print(
        f"remittance: parsed {megabytes:.1f} MB of 835 at {megabytes / parsed:.1f} MB/s "
        f"({claims / parsed:,.0f} claims/s); "
        f"posted {count} claims at {count / posted:,.0f} claims/s (in-memory store)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
