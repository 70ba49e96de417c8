"""Processes found by pid rather than through supervisord, each proven ours before it is signalled:
pid files of the process manager before supervision (an upgrade must not leave them running), and
children a supervisord that was killed left behind."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Stray:
    name: str
    pid: int
    argv: tuple[str, ...]  # its command line when found: checked again before every signal


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    status = PROC / str(pid) / "status"  # a killed child stays a zombie until reaped: not alive
    try:
        return "(zombie)" not in status.read_text()
    except OSError:
        return not PROC.exists()


def runs(pid: int, argv: tuple[str, ...]) -> bool:
    """A pid file outlives its process when a machine ends everything (CI runs on the machine a
    session left): a recycled pid must not pass for ours, or stop() would signal a stranger's group."""
    if not (PROC / "self").exists():  # no procfs (not Linux): the pid is all there is to go by
        return True
    try:
        return tuple((PROC / str(pid) / "cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]) == argv
    except OSError:
        return False


def pid_file_stray(pid_file: Path) -> Stray | None:
    """The live process an old-style pid file names (pid, then the command line it ran), or None."""
    if not pid_file.exists():
        return None
    pid_text, _, argv_text = pid_file.read_text().partition("\n")
    pid, argv = int(pid_text.strip() or 0), tuple(argv_text.split("\0"))
    return Stray(pid_file.stem, pid, argv) if pid and alive(pid) and runs(pid, argv) else None


def pid_file_strays(run: Path, reserved: frozenset[str]) -> list[Stray]:
    found = (pid_file_stray(path) for path in sorted(run.glob("*.pid")) if path.stem not in reserved)
    return [stray for stray in found if stray is not None]


def supervised_by(server_url: str) -> list[Stray]:
    """Processes started by the supervisord listening at `server_url` (it puts the URL and the
    program's name in each child's environment): what is left when that supervisord was killed."""
    if not (PROC / "self").exists():
        return []
    marker = f"SUPERVISOR_SERVER_URL={server_url}".encode()
    return list(supervised_children(marker))


def supervised_children(marker: bytes) -> Iterator[Stray]:
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            variables = (entry / "environ").read_bytes().split(b"\0")
            argv = tuple((entry / "cmdline").read_bytes().decode(errors="replace").split("\0")[:-1])
        except OSError:
            continue  # gone, or another user's
        if marker in variables and alive(int(entry.name)):
            yield Stray(program_name(variables), int(entry.name), argv)


def program_name(variables: list[bytes]) -> str:
    prefix = b"SUPERVISOR_PROCESS_NAME="
    return next((v[len(prefix) :].decode(errors="replace") for v in variables if v.startswith(prefix)), "?")


def terminate(strays: list[Stray], grace: float) -> None:
    """TERM each process's group (a worker's children go with it), KILL what outlives the grace."""
    for stray in strays:
        signal_ours(stray, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(alive(stray.pid) for stray in strays) and time.monotonic() < deadline:
        time.sleep(0.1)
    for stray in strays:
        if alive(stray.pid):
            signal_ours(stray, signal.SIGKILL)


def signal_ours(stray: Stray, signum: signal.Signals) -> None:
    if runs(stray.pid, stray.argv):  # still the process found, not a pid recycled since
        signal_group(stray.pid, signum)


def signal_group(pid: int, signum: signal.Signals) -> None:
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signum)
        else:  # not a group leader: its group is someone else's
            os.kill(pid, signum)
    except ProcessLookupError:
        pass
