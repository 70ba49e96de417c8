"""The clearinghouse simulator: a process of its own behind the SFTP-style folders.

It picks up every 837P the claims service drops in `outbound/`, answers at once with a 999
acknowledgement in `inbound/`, adjudicates each claim against the payer fee table
(`payer_fees.json`) and, after a short delay, drops one 835 per payer and payee in `inbound/`;
one delay later, an 835 that reverses and pays again the claims of reprocessing members.
An interchange control number it has seen before is not adjudicated twice, as a real
clearinghouse rejects a duplicate ISA13.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from prometheus_client import Counter

from deploy.clearinghouse.adjudicate import (
    BilledClaim,
    ClaimDecision,
    FeeRules,
    adjudicate,
    load_fee_rules,
    reprocessed,
)
from deploy.clearinghouse.x12_out import (
    ClaimAcknowledgement,
    Payee,
    Payer,
    parse_837_claims,
    remittance_batches,
    render_277ca,
    render_835,
    render_999,
)
from services.claims.domain.claim import Address, Envelope
from shared.metrics import serve_metrics
from shared.settings import Settings, get_settings
from shared.x12.segments import tokenize

log = logging.getLogger("clearinghouse")
SENDER_ID = "SIMCLEARING"
RECEIVED = Counter("telebill_clearinghouse_interchanges_total", "837P interchanges received", ["outcome"])
PAYER_ADDRESS = Address("1 PAYER PLAZA", "HARTFORD", "CT", "06101")


@dataclass
class Ledger:
    """What the simulator has seen and numbered, kept in a JSON file so restarts keep it."""

    path: Path
    seen: set[str] = field(default_factory=set)
    next_number: int = 1

    @classmethod
    def load(cls, path: Path) -> Ledger:
        if not path.exists():
            return cls(path)
        data = json.loads(path.read_text())
        return cls(path, set(data["seen"]), data["next_number"])

    def number(self) -> int:
        self.next_number += 1
        return self.next_number - 1

    def save(self) -> None:
        write_atomically(self.path, json.dumps({"seen": sorted(self.seen), "next_number": self.next_number}))


def write_atomically(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name("." + path.name + ".part")
    partial.write_text(content)
    os.replace(partial, path)


def interchange_control_number(x12: str) -> str:
    segments, _ = tokenize(x12)
    return segments[0].elements[12] if segments and segments[0].tag == "ISA" else ""


class Clearinghouse:
    def __init__(self, root: Path, rules: FeeRules, delay_seconds: float) -> None:
        self.outbound, self.inbound = root / "outbound", root / "inbound"
        self.rules, self.delay = rules, delay_seconds
        self.ledger = Ledger.load(root / ".clearinghouse-ledger.json")
        self.held = root / "clearinghouse-held"  # adjudicated 835s waiting for their delivery time
        self.scheduled: list[tuple[float, Path]] = [(0.0, path) for path in sorted(self.held.glob("*.835"))]

    def step(self, now: float) -> None:
        for path in sorted(self.outbound.glob("*.837")) if self.outbound.is_dir() else []:
            self.receive(path, now)
        self.deliver_due(now)

    def receive(self, path: Path, now: float) -> None:
        x12 = path.read_text()
        try:
            icn = interchange_control_number(x12)
            outcome = "duplicate" if icn in self.ledger.seen else "accepted"
            if outcome == "accepted":
                self.answer(path.stem, x12, now)
        except ValueError as error:  # X12SyntaxError and Claim837ParseError are ValueErrors
            log.error("rejected %s: %s", path.name, error)
            outcome = "rejected"
        if outcome == "accepted":
            self.ledger.seen.add(icn)
            self.ledger.save()
        RECEIVED.labels(outcome).inc()
        archive(path, self.outbound / "processed" / outcome)

    def answer(self, stem: str, x12: str, now: float) -> None:
        write_atomically(self.inbound / f"{stem}.999", render_999(x12, self.envelope()))
        acks = [acknowledge(claim) for claim in parse_837_claims(x12)]
        payer = Payer(
            acks[0].claim.payer_name or "PAYER", acks[0].claim.payer_id, "991234567", PAYER_ADDRESS, "EDI", "8005550199"
        )
        write_atomically(self.inbound / f"{stem}.277", render_277ca(acks, stem, payer, self.envelope()))
        decisions = adjudicate([ack.claim for ack in acks if ack.accepted], self.rules)
        self.schedule_remittances(stem, decisions, now + self.delay)
        later = reprocessed(decisions, self.rules)
        self.schedule_remittances(f"{stem}RP", later, now + 2 * self.delay)
        log.info("received %s: %d claims adjudicated, %d to reprocess", stem, len(decisions), len(later) // 2)

    def schedule_remittances(self, stem: str, decisions: list[ClaimDecision], due: float) -> None:
        """One 835 per payer and payee, held until it is due (names sort in the order they are due)."""
        for n, ((payer_id, npi), batch) in enumerate(remittance_batches(decisions).items(), start=1):
            trace = f"{stem}{n:02d}"
            held = self.held / f"{trace}.835"
            write_atomically(held, self.remittance(batch, payer_id, npi, trace))
            self.scheduled.append((due, held))

    def remittance(self, batch: list[ClaimDecision], payer_id: str, npi: str, trace: str) -> str:
        first = batch[0].claim
        payer = Payer(first.payer_name or payer_id, payer_id, "991234567", PAYER_ADDRESS, "EDI SUPPORT", "8005550199")
        payee = Payee(first.billing_provider_name, npi)
        return render_835(batch, payer, payee, trace, date.today(), self.envelope())

    def envelope(self) -> Envelope:
        number = self.ledger.number()
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return Envelope(SENDER_ID, "LONESTARTH", number, number, 1, stamp)

    def deliver_due(self, now: float) -> None:
        due = [item for item in self.scheduled if item[0] <= now]
        for item in due:
            self.inbound.mkdir(parents=True, exist_ok=True)
            os.replace(item[1], self.inbound / item[1].name)
            self.scheduled.remove(item)


def acknowledge(claim: BilledClaim) -> ClaimAcknowledgement:
    """The simulated payer front end refuses members whose id starts with REJ (A7:164, invalid
    contract/member number); every other claim is accepted into adjudication (A2:20)."""
    if claim.member_id.upper().startswith("REJ"):
        return ClaimAcknowledgement(claim, False, "A7:164:IL")
    return ClaimAcknowledgement(claim, True, "A2:20")


def archive(path: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    os.replace(path, folder / path.name)


def main(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] [%(name)s] %(message)s")
    serve_metrics("clearinghouse", settings.metrics_base_port, settings.metrics_host)
    rules = load_fee_rules()
    house = Clearinghouse(settings.exchange_dir, rules, settings.simulator_delay_seconds)
    log.info("clearinghouse ready, watching %s", house.outbound)
    while True:
        house.step(time.monotonic())
        time.sleep(settings.poll_seconds)


if __name__ == "__main__":
    main()
