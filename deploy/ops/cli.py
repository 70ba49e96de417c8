"""`telebill`: what an operator runs. Each command is a thin call into deploy.ops."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from deploy.ops import processes
from shared.kafka import ensure_topics
from shared.settings import get_settings

app = typer.Typer(help="Telehealth billing pipeline: local operations.", no_args_is_help=True)
console = Console()
INFRA = processes.REPO / "deploy" / "local" / "infra.sh"


def infra(command: str) -> None:
    result = subprocess.run(["bash", str(INFRA), command], check=False)
    if result.returncode != 0:
        console.print(f"[red]infra {command} failed (exit {result.returncode})[/red]")
        raise typer.Exit(result.returncode)


@app.command()
def up(services: bool = typer.Option(True, help="Also start the workers, simulator and ingest API.")) -> None:
    """Start Kafka and FerretDB (installing them if needed), create the topics, start the pipeline."""
    infra("up")
    created = ensure_topics(get_settings())
    console.print(f"topics ready ({len(created)} created)")
    if services:
        for name, pid in processes.start_all(get_settings()):
            console.print(f"{name:14} running  pid {pid}")


@app.command()
def down(infrastructure: bool = typer.Option(True, help="Also stop Kafka and FerretDB.")) -> None:
    """Stop the pipeline's processes, then the local infrastructure."""
    for name in processes.stop_all(get_settings()):
        console.print(f"{name:14} stopped")
    if infrastructure:
        infra("down")


@app.command()
def status() -> None:
    """What is running, and where."""
    infra("status")
    settings = get_settings()
    for process in processes.pipeline_processes(settings):
        pid = processes.pid_of(settings, process.name)
        state = f"running  pid {pid}" if pid else "stopped"
        console.print(f"{process.name:14} {state:18} log {processes.log_path(settings, process.name)}")


@app.command()
def send(files: list[Path], url: str = typer.Option("", help="Ingest API base URL")) -> None:
    """POST encounter-completed JSON files to the ingest API, signed for their source."""
    from deploy.ops.client import post_file

    failed = 0
    for path in files:
        status_code, body = post_file(path, url or None)
        failed += status_code != 202
        console.print(f"{path.name}: {status_code} {body}")
    raise typer.Exit(1 if failed else 0)


@app.command()
def code(
    file: Path,
    policy_dir: Annotated[Path | None, typer.Option("--policy-dir", help="A practice's own payer policies.")] = None,
) -> None:
    """Code one encounter-completed JSON file and print the result as one JSON object."""
    from services.coding.entrypoints.cli import run

    raise typer.Exit(run(file, policy_dir))


@app.command()
def holds(
    reason: Annotated[str | None, typer.Option(help="Only holds with this reason.")] = None,
    limit: Annotated[int, typer.Option(help="How many, oldest first.")] = 50,
) -> None:
    """The coding worklist: encounters held for a coder, with their reasons (from the coding ops API)."""
    from deploy.ops.client import coding_holds

    listed = coding_holds(get_settings(), reason, limit)
    table = Table(title=f"{len(listed)} held encounter(s), oldest first")
    for column in ("key", "date", "modality", "payer", "reasons"):
        table.add_column(column)
    for hold in listed:
        reasons = "; ".join(f"{h['reason']}: {h['message']}" for h in hold["holds"])
        table.add_row(hold["key"], hold["date_of_service"], hold["modality"], hold["payer_id"] or "-", reasons)
    console.print(table)


era = typer.Typer(help="835 remittance files.", no_args_is_help=True)
app.add_typer(era, name="era")


@era.command("import")
def era_import(
    directory: Path,
    pattern: Annotated[str, typer.Option(help="Which files to read.")] = "*.835",
) -> None:
    """Post a backlog of 835 files (all or nothing per file; a file seen before posts nothing)."""
    from deploy.ops.era_import import import_directory

    counts = import_directory(directory, pattern, get_settings(), console)
    raise typer.Exit(1 if counts.get("unreadable") or counts.get("unbalanced") else 0)


@app.command()
def demo(count: int = typer.Option(300, help="How many synthetic encounters to send.")) -> None:
    """Start everything, push realistic encounters through, and report what happened."""
    from deploy.ops.demo import run_demo

    up(services=True)
    sys.exit(run_demo(get_settings(), count, console))


if __name__ == "__main__":
    app()
