"""What a bench run cost each process: database commands and their time by shape (from each process's
`/metrics`, counted by `shared.health.CommandWatch`) and CPU seconds (from /proc), as the difference
of two snapshots."""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploy.ops import processes, scrape
from shared.settings import Settings

TICKS = os.sysconf("SC_CLK_TCK")


Shape = tuple[str, str, str]  # (collection, command, shape)


@dataclass
class Usage:
    cpu_seconds: float = 0.0
    commands: Counter[tuple[str, str]] = field(default_factory=Counter)  # (collection, command) → count
    shape_counts: Counter[Shape] = field(default_factory=Counter)
    shape_seconds: Counter[Shape] = field(default_factory=Counter)

    def minus(self, before: Usage) -> Usage:
        return Usage(
            self.cpu_seconds - before.cpu_seconds,
            self.commands - before.commands,
            self.shape_counts - before.shape_counts,
            self.shape_seconds - before.shape_seconds,
        )


def usage_of(settings: Settings, name: str, cpu: float) -> Usage:
    found = Usage(cpu)
    for family in scrape.families(settings, name):
        if family.name == "telebill_db_commands":
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    found.commands[(sample.labels["collection"], sample.labels["command"])] += int(sample.value)
        elif family.name == "telebill_db_command_shape_seconds":
            for sample in family.samples:
                shape = (sample.labels["collection"], sample.labels["command"], sample.labels["shape"])
                if sample.name.endswith("_count"):
                    found.shape_counts[shape] += int(sample.value)
                elif sample.name.endswith("_sum"):
                    found.shape_seconds[shape] += sample.value
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
        name: usage_of(settings, name, cpu_seconds(processes.pid_of(settings, name)))
        for name in scrape.program_names(settings)
    }
    for name in ("ferretdb", "kafka"):
        found[name] = Usage(cpu_seconds(infra_pid(settings, name)))
    return found


def top_shapes(before: dict[str, Usage], after: dict[str, Usage], encounters: int, n: int = 8) -> list[dict[str, Any]]:
    """The command shapes that took the most database time per encounter, over all processes (the
    instances of one worker are added up under the worker's name)."""
    counts: Counter[tuple[str, Shape]] = Counter()
    seconds: Counter[tuple[str, Shape]] = Counter()
    for name, usage in after.items():
        spent = usage.minus(before.get(name, Usage()))
        service = processes.service_instance(name)[0]
        for shape, count in spent.shape_counts.items():
            counts[(service, shape)] += count
            seconds[(service, shape)] += spent.shape_seconds[shape]
    return [
        {
            "process": service,
            "collection": collection,
            "command": command,
            "shape": shape,
            "per_encounter": round(counts[(service, (collection, command, shape))] / encounters, 3),
            "mean_ms": round(total * 1000 / max(1, counts[(service, (collection, command, shape))]), 3),
            "ms_per_encounter": round(total * 1000 / encounters, 3),
        }
        for (service, (collection, command, shape)), total in seconds.most_common(n)
    ]


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
