"""What a local process is, where its files live, and how to tell it is ready: shared by the process
manager, the supervisord configuration and the restart watcher (which runs inside supervisord)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from shared.settings import Settings

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Process:
    name: str
    argv: tuple[str, ...]
    ready_line: str = ""
    ready_url: str = ""
    start_seconds: int = 5  # alive this long after a spawn counts as started; dying sooner is a failed start
    start_retries: int = 5  # failed starts in a row before supervisord gives up (FATAL); each waits 1 s longer
    environment: tuple[tuple[str, str], ...] = ()  # set for this program only (a worker's instance number)


def run_dir(settings: Settings) -> Path:
    path = settings.state_dir / "run"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_path(settings: Settings, name: str) -> Path:
    path = settings.state_dir / "logs" / f"{name}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def log_size(log: Path) -> int:
    return log.stat().st_size if log.exists() else 0


def ready_now(process: Process, log: Path, since: int) -> bool:
    """Ready: the API answers its ready URL, or the worker logged its ready line after byte `since`."""
    if process.ready_url:
        return answers(process.ready_url)
    if not log.exists():
        return False
    with log.open("rb") as out:
        out.seek(since)
        return process.ready_line.encode() in out.read()


def answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def to_json(process: Process, log: Path) -> dict[str, Any]:
    return {**asdict(process), "log": str(log)}


def from_json(entry: dict[str, Any]) -> tuple[Process, Path]:
    fields = {key: value for key, value in entry.items() if key != "log"}
    environment = tuple((name, value) for name, value in fields.get("environment", ()))
    return Process(**{**fields, "argv": tuple(fields["argv"]), "environment": environment}), Path(entry["log"])


def save_programs(path: Path, programs: list[tuple[Process, Path]]) -> None:
    """The programs supervisord runs, for the restart watcher (readiness) and later merges."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps([to_json(process, log) for process, log in programs], indent=1))
    temporary.replace(path)


def load_programs(path: Path) -> list[tuple[Process, Path]]:
    if not path.exists():
        return []
    return [from_json(entry) for entry in json.loads(path.read_text())]
