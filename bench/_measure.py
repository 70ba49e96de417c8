"""What a bench run cost each process: database commands (from each process's `/metrics`, counted by
`shared.health.CommandWatch`) and CPU seconds (from /proc), as the difference of two snapshots."""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from deploy.ops import processes
from shared.metrics import SERVICE_PORT_OFFSET
from shared.settings import Settings

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Usage:
    cpu_seconds: float = 0.0
    commands: Counter[tuple[str, str]] = field(default_factory=Counter)  # (collection, command) → count

    def minus(self, before: Usage) -> Usage:
        return Usage(self.cpu_seconds - before.cpu_seconds, self.commands - before.commands)


def metrics_url(settings: Settings, name: str) -> str | None:
    if name in SERVICE_PORT_OFFSET and name != "ingest":
        return f"http://{settings.metrics_host}:{settings.metrics_base_port + SERVICE_PORT_OFFSET[name]}/metrics"
    ports = {
        "ingest": settings.ingest_port,
        "coding-api": settings.coding_api_port,
        "claims-api": settings.claims_api_port,
        "eligibility-api": settings.eligibility_api_port,
        "remittance-api": settings.remittance_api_port,
    }
    return f"http://{settings.ingest_host}:{ports[name]}/metrics/" if name in ports else None


def commands_of(url: str | None) -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    if url is None:
        return found
    try:
        text = httpx.get(url, timeout=5, follow_redirects=True).text
    except httpx.HTTPError:
        return found
    for family in text_string_to_metric_families(text):
        if family.name == "telebill_db_commands":
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    found[(sample.labels["collection"], sample.labels["command"])] += int(sample.value)
    return found


def cpu_seconds(pid: int | None) -> float:
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def infra_pid(settings: Settings, name: str) -> int | None:
    try:
        return int((settings.state_dir / f"{name}.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def snapshot(settings: Settings) -> dict[str, Usage]:
    found = {
        p.name: Usage(cpu_seconds(processes.pid_of(settings, p.name)), commands_of(metrics_url(settings, p.name)))
        for p in processes.pipeline_processes(settings)
    }
    for name in ("ferretdb", "kafka"):
        found[name] = Usage(cpu_seconds(infra_pid(settings, name)))
    return found


def report(before: dict[str, Usage], after: dict[str, Usage], encounters: int) -> list[str]:
    lines = []
    for name, usage in after.items():
        spent = usage.minus(before.get(name, Usage()))
        total = sum(spent.commands.values())
        if not total and spent.cpu_seconds < 0.05:
            continue
        top = ", ".join(
            f"{command} {collection or '-'} {n / encounters:.2f}"
            for (collection, command), n in spent.commands.most_common(4)
        )
        lines.append(
            f"  {name:16} cpu {spent.cpu_seconds * 1000 / encounters:6.1f} s/1,000 encounters   "
            f"db commands {total / encounters:5.1f}/encounter" + (f"   ({top})" if top else "")
        )
    return lines


def settled(
    settings: Settings, quiet_seconds: float = 5.0, background_per_second: float = 15.0, timeout: float = 300.0
) -> dict[str, Usage]:
    """A snapshot once the processes send no more database commands than their timers' polling
    (inbox and re-drive rounds), so the work encounters cause after they are accounted for (the claims
    lifecycle follows payments a little behind) is counted too."""
    deadline, last = time.monotonic() + timeout, snapshot(settings)
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < quiet_seconds and time.monotonic() < deadline:
        time.sleep(1.0)
        now = snapshot(settings)
        if total_commands(now) - total_commands(last) > background_per_second:
            quiet_since = time.monotonic()
        last = now
    return last


def total_commands(usage: dict[str, Usage]) -> int:
    return sum(sum(u.commands.values()) for u in usage.values())
