"""`telebill`: what an operator runs. Each command is a thin call into deploy.ops."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.table import Table

from deploy.ops import dlq as dead_letters
from deploy.ops import processes
from shared.errors import is_transient
from shared.kafka import ensure_topics
from shared.settings import get_settings

app = typer.Typer(help="Telehealth billing pipeline: local operations.", no_args_is_help=True)
console = Console()
INFRA = processes.REPO / "deploy" / "local" / "infra.sh"


def cannot_reach(error: Exception) -> bool:
    """An API, supervisord, Kafka or the database is not there (or not answering for now)."""
    return isinstance(error, httpx.TransportError | processes.SupervisorUnreachable) or is_transient(error)


def main() -> None:
    """The `telebill` console script. Exit codes: 0 done, 1 something failed or is down or cannot be
    reached (said in one line, never a traceback), 2 bad arguments."""
    try:
        app()
    except httpx.HTTPStatusError as error:
        answer = error.response
        said = f"{answer.request.method} {answer.request.url.path} answered {answer.status_code}"
        console.print(f"[red]{said}: {answer.text[:200]}[/red]")
        sys.exit(1)
    except Exception as error:
        if not cannot_reach(error):
            raise
        console.print(f"[red]cannot reach the stack: {type(error).__name__}: {error}[/red] (is it up? telebill status)")
        sys.exit(1)


def infra_exit_code(command: str) -> int:
    """deploy/local/infra.sh's answer: 0 done (for `status`: Kafka and FerretDB both running)."""
    return subprocess.run(["bash", str(INFRA), command], check=False).returncode


def infra(command: str) -> None:
    returncode = infra_exit_code(command)
    if returncode != 0:
        console.print(f"[red]infra {command} failed (exit {returncode})[/red]")
        raise typer.Exit(returncode)


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
    """Kafka and FerretDB, then each supervised process: state, pid, uptime, restarts, the last restart's
    exit-to-ready time and its log. Exits 1 if anything is not running or supervisord does not answer."""
    from deploy.ops.process_status import problem, status_table

    infrastructure_up = infra_exit_code("status") == 0
    try:
        listed = processes.status(get_settings())
    except processes.SupervisorUnreachable as unreachable:
        console.print(f"[red]{unreachable}[/red]")
        raise typer.Exit(1) from None
    console.print(status_table(listed))
    trouble = problem(listed, infrastructure_up)
    if trouble:
        console.print(f"[red]{trouble}[/red]")
        raise typer.Exit(1)


@app.command()
def send(files: list[Path], url: str = typer.Option("", help="Ingest API base URL")) -> None:
    """POST encounter-completed JSON files to the ingest API, signed for their source; exit 1 unless
    every file was accepted (202)."""
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


@app.command()
def reconcile(
    older_than: Annotated[str, typer.Option(help="Only encounters accepted this long ago (90s, 10m, 2h).")] = "10m",
    redrive: Annotated[bool, typer.Option(help="Ask each stage to re-send the events of stranded encounters.")] = False,
    limit: Annotated[int, typer.Option(help="How many accepted encounters to follow, oldest first.")] = 10_000,
) -> None:
    """Find encounters stranded between two stages (and parked 835 claims); exit 1 while any remain."""
    from datetime import UTC, datetime

    from deploy.ops.reconcile import parse_age, run

    try:
        age = parse_age(older_than)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    raise typer.Exit(run(get_settings(), age, redrive, limit, datetime.now(UTC), console))


@app.command("rebuild-read-model")
def rebuild_read_model() -> None:
    """Read every topic again into an empty ops read model (the pipeline is not touched)."""
    from deploy.ops.read_model import rebuild

    raise typer.Exit(rebuild(get_settings(), console))


era = typer.Typer(help="835 remittance files.", no_args_is_help=True)
app.add_typer(era, name="era")


@era.command("import")
def era_import(
    directory: Path,
    pattern: Annotated[str, typer.Option(help="Which files to read.")] = "*.835",
) -> None:
    """Post a backlog of 835 files (all or nothing per file; a file seen before posts nothing)."""
    from deploy.ops.era_import import exit_code, import_directory

    raise typer.Exit(exit_code(import_directory(directory, pattern, get_settings(), console)))


dlq = typer.Typer(
    help="Dead letters: records a service could not process, kept on <topic>.dlq with the reason and the raw "
    "bytes. Exit codes: 0 ok, 1 a failure (or Kafka unreachable), 2 bad arguments.",
    no_args_is_help=True,
)
app.add_typer(dlq, name="dlq")

SourceTopic = Annotated[
    str | None, typer.Option("--topic", help="Only dead letters from this source topic (reads only its .dlq).")
]
FailingService = Annotated[str | None, typer.Option("--service", help="Only those this service dead-lettered.")]
ReasonText = Annotated[str | None, typer.Option("--reason", help="Only reasons containing this text (any case).")]
RecordKey = Annotated[str | None, typer.Option("--key", help="Only this record key (source:encounter_id).")]
FailedSince = Annotated[
    str | None, typer.Option("--since", help="Only those that failed at or after this ISO date/time (UTC if no zone).")
]
DlqTopics = Annotated[
    list[str] | None,
    typer.Option("--dlq-topic", help="Read this dead-letter topic (repeatable) instead of the pipeline's."),
]


def dlq_filters(
    topic: str | None, service: str | None, reason: str | None, key: str | None, since: str | None
) -> dead_letters.Filters:
    try:
        moment = dead_letters.parse_since(since) if since else None
    except ValueError as error:
        raise typer.BadParameter(f"{since!r} is not an ISO date or time", param_hint="'--since'") from error
    return dead_letters.Filters(topic, service, reason, key, moment)


def dlq_ids(ids: list[str]) -> list[dead_letters.DlqId]:
    try:
        return [dead_letters.DlqId.parse(text) for text in ids]
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="'ID'") from error


@dlq.command("list")
def dlq_list(
    topic: SourceTopic = None,
    service: FailingService = None,
    reason: ReasonText = None,
    key: RecordKey = None,
    since: FailedSince = None,
    limit: Annotated[int, typer.Option(min=1, help="How many, oldest first.")] = 50,
    dlq_topic: DlqTopics = None,
) -> None:
    """Dead letters, oldest first: id, when, which service, where from, key, reason (never the record)."""
    filters = dlq_filters(topic, service, reason, key, since)
    bootstrap = get_settings().kafka_bootstrap
    raise typer.Exit(dead_letters.list_command(bootstrap, filters, limit, dlq_topic or [], console))


@dlq.command("show")
def dlq_show(
    dead_letter_id: Annotated[str, typer.Argument(metavar="ID", help="<dlq-topic>:<partition>:<offset>")],
    raw: Annotated[bool, typer.Option("--raw", help="Write only the record's raw bytes to stdout.")] = False,
) -> None:
    """One dead letter: its metadata, errors and the record decoded (it holds patient data)."""
    [wanted] = dlq_ids([dead_letter_id])
    raw_out = sys.stdout.buffer if raw else None
    raise typer.Exit(dead_letters.show_command(get_settings().kafka_bootstrap, wanted, console, raw_out))


@dlq.command("replay")
def dlq_replay(
    ids: Annotated[list[str] | None, typer.Argument(metavar="ID", help="Dead letters to replay.")] = None,
    topic: SourceTopic = None,
    service: FailingService = None,
    reason: ReasonText = None,
    key: RecordKey = None,
    since: FailedSince = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many, oldest first.")] = None,
    dlq_topic: DlqTopics = None,
    every: Annotated[bool, typer.Option("--all", help="Replay every dead letter read (no filter).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only print what would be replayed.")] = False,
) -> None:
    """Produce dead letters' raw bytes again to their source topic, with the original key and a
    `telebill-replayed-from: ID` header, and wait for the broker. Pick them by ID or by the filters of
    `list` (or --all). The services are idempotent by key, so replaying a record twice is harmless;
    a record that is still invalid is dead-lettered again."""
    filters = dlq_filters(topic, service, reason, key, since)
    if ids and (filters.given() or every or limit or dlq_topic):
        raise typer.BadParameter("give IDs or filters (--topic, --service, ... or --all), not both")
    if not ids and not (filters.given() or every):
        raise typer.BadParameter("say which dead letters: IDs, a filter, or --all")
    request = dead_letters.ReplayRequest(dlq_ids(ids or []), filters, limit, dlq_topic or [], dry_run)
    raise typer.Exit(dead_letters.replay_command(get_settings().kafka_bootstrap, request, console))


api_keys = typer.Typer(
    help="Operators' API keys: only each key's SHA-256 is kept, in TELEBILL_API_KEYS_FILE "
    "(default <state>/api-keys.json). The APIs read the file again when it changes.",
    no_args_is_help=True,
)
app.add_typer(api_keys, name="api-keys")
Scope = Annotated[list[str], typer.Option("--scope", help="ops:read, ops:write or admin (repeatable).")]


@api_keys.command("add")
def api_keys_add(name: str, scope: Scope) -> None:
    """Create a key for a person; it is printed once and cannot be shown again."""
    from shared.access import SCOPES, add_key

    unknown = sorted(set(scope) - set(SCOPES))
    if unknown:
        raise typer.BadParameter(f"unknown scope(s) {', '.join(unknown)}: use {', '.join(SCOPES)}")
    settings = get_settings()
    console.print(add_key(settings.keys_file, name, scope))
    console.print(f"[dim]{name} ({', '.join(scope)}) added to {settings.keys_file}; the key is not stored[/dim]")


@api_keys.command("list")
def api_keys_list() -> None:
    """Who has a key, with which scopes (never the keys)."""
    from shared.access import stored_entries

    for entry in stored_entries(get_settings().keys_file):
        console.print(f"{entry.name}\t{', '.join(entry.scopes)}")


@api_keys.command("revoke")
def api_keys_revoke(name: str) -> None:
    """Remove every key of a person (exit 1 when there was none)."""
    from shared.access import revoke_name

    removed = revoke_name(get_settings().keys_file, name)
    console.print(f"{removed} key(s) of {name} revoked")
    raise typer.Exit(0 if removed else 1)


audit = typer.Typer(help="The APIs' audit log: who read or changed what, hash-chained.", no_args_is_help=True)
app.add_typer(audit, name="audit")


@audit.command("verify")
def audit_verify() -> None:
    """Check every audit chain of every service (exit 1 when an entry was changed or removed)."""
    from deploy.ops.audit import verify

    raise typer.Exit(verify(get_settings(), console))


@audit.command("list")
def audit_list(service: str, limit: int = typer.Option(20, help="How many of the newest entries.")) -> None:
    """The newest audit entries of one service's APIs."""
    from deploy.ops.audit import SERVICES, newest

    if service not in SERVICES:
        raise typer.BadParameter(f"service is one of {', '.join(SERVICES)}")
    for entry in newest(get_settings(), service, limit):
        keys = ",".join(entry["keys"])
        console.print(
            f"{entry['at']}  {entry['who']:<16} {entry['action']:<5} {entry['resource']} {keys}  "
            f"{entry['outcome']}  {entry['purpose']}"
        )


phi = typer.Typer(help="Keys that seal protected health information.", no_args_is_help=True)
app.add_typer(phi, name="phi")


@phi.command("new-key")
def phi_new_key() -> None:
    """A new random 32-byte key (base64) to add to TELEBILL_PHI_KEYS under a new key id."""
    from shared.phi.keyring import new_key_text

    console.print(new_key_text())


@app.command()
def demo(count: int = typer.Option(300, help="How many synthetic encounters to send.")) -> None:
    """Start everything, push realistic encounters through, and report what happened."""
    from deploy.ops.demo import run_demo

    up(services=True)
    sys.exit(run_demo(get_settings(), count, console))


if __name__ == "__main__":
    main()
