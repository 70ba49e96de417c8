"""`telebill era import DIR`: post a backlog of 835 files through the remittance use case, with a
progress bar and a summary by outcome. Files stay where they are; the digest makes re-runs safe."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from services.remittance.bootstrap import build_api
from services.remittance.domain.files import FileOutcome
from shared.kafka import ProducerPublisher, make_producer
from shared.settings import Settings


def import_directory(directory: Path, pattern: str, settings: Settings, console: Console) -> Counter[str]:
    files = sorted(p for p in directory.glob(pattern) if p.is_file())
    producer = make_producer(settings)
    try:
        counts, problems = asyncio.run(post_all(files, settings, ProducerPublisher(producer)))
    finally:
        producer.close()
    console.print(summary(counts, len(files)))
    for name, said in problems:
        console.print(f"[yellow]{name}[/yellow]: {'; '.join(said)[:300]}")
    return counts


async def post_all(
    files: list[Path], settings: Settings, publisher: ProducerPublisher
) -> tuple[Counter[str], list[tuple[str, list[str]]]]:
    desk = build_api(settings, publisher)
    counts: Counter[str] = Counter()
    problems: list[tuple[str, list[str]]] = []
    with Progress() as progress:
        task = progress.add_task("posting 835s", total=len(files))
        for path in files:
            outcome, said = await desk.posting.post_file_explained(path.name, path.read_text(errors="replace"))
            counts[outcome] += 1
            if said:
                problems.append((path.name, said))
            progress.advance(task)
        await desk.posting.rematch_parked()
    return counts, problems


def exit_code(counts: Counter[str]) -> int:
    """1 when any file needs a person (unreadable, unbalanced or failed), else 0."""
    return 1 if any(FileOutcome(outcome).needs_a_person for outcome in counts) else 0


def summary(counts: Counter[str], total: int) -> Table:
    table = Table(title=f"{total} file(s)")
    table.add_column("outcome")
    table.add_column("files", justify="right")
    for outcome, count in counts.most_common():
        table.add_row(outcome, str(count))
    return table
