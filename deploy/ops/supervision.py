"""The local processes under supervisord: one per state directory, configured from the program list,
spoken to over its XML-RPC unix socket.

Each program restarts by itself when it exits (`autorestart`); one that dies within `startsecs` of a
spawn failed to start, and supervisord retries it after 1 s, 2 s, 3 s… until `startretries`, then
leaves it FATAL rather than spinning. Programs never start with supervisord (`autostart=false`):
`start`/`start_all` start them, in order, so a deliberate `stop` holds until someone starts it again.
A restart watcher (an event listener, `restart_watch`) records each outage from exit to ready.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shlex
import stat
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from supervisor.xmlrpc import Faults, SupervisorTransport

from deploy.ops.pids import Stray, alive, pid_file_stray, pid_file_strays, supervised_by, terminate
from deploy.ops.programs import REPO, Process, load_programs, log_path, run_dir, save_programs
from deploy.ops.restart_watch import PROGRAMS_FILE
from deploy.ops.restarts import forget_records
from shared.settings import Settings

LISTENER = "telebill-restart-watch"
KEPT_GOING = {"STARTING", "RUNNING", "BACKOFF"}  # supervisord keeps these up (or is trying to)
LIVE = {"STARTING", "RUNNING", "STOPPING"}  # a process exists
STOP_SECONDS = 15
SOCKET_PATH_LIMIT = 100  # a unix socket path has 108 bytes with its NUL; keep a margin
UNREACHABLE = (OSError, http.client.HTTPException, xmlrpc.client.Error)


class SupervisorUnreachable(RuntimeError):
    pass


@dataclass(frozen=True)
class Paths:
    run: Path
    config: Path
    socket: Path
    pidfile: Path
    log: Path
    listener_log: Path
    programs: Path

    @property
    def server_url(self) -> str:
        return f"unix://{self.socket}"


def paths(settings: Settings) -> Paths:
    run = run_dir(settings)
    return Paths(
        run=run,
        config=run / "supervisord.conf",
        socket=socket_path(run),
        pidfile=run / "supervisord.pid",
        log=log_path(settings, "supervisord"),
        listener_log=log_path(settings, "restart-watch"),
        programs=run / PROGRAMS_FILE,
    )


def socket_path(run: Path) -> Path:
    wanted = run / "supervisor.sock"
    if len(os.fsencode(wanted)) <= SOCKET_PATH_LIMIT:
        return wanted
    digest = hashlib.sha256(os.fsencode(run.resolve())).hexdigest()[:16]  # one socket per state dir
    return private_temp_dir() / f"{digest}.sock"


def private_temp_dir() -> Path:
    """For sockets of state dirs too deep for a socket path: a directory only this user can enter."""
    path = Path(tempfile.gettempdir()) / f"telebill-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise RuntimeError(f"{path} is not a private directory of this user: no socket goes there")
    return path


# --- configuration -------------------------------------------------------------------------------


def render_config(where: Paths, programs: list[tuple[Process, Path]], python: str = sys.executable) -> str:
    sections = [supervisord_sections(where), listener_section(where, python)]
    sections += [program_section(process, log, 100 + index) for index, (process, log) in enumerate(programs)]
    return "\n".join(sections)


def supervisord_sections(where: Paths) -> str:
    return f"""[unix_http_server]
file={ini(where.socket)}
chmod=0700

[supervisord]
logfile={ini(where.log)}
pidfile={ini(where.pidfile)}
childlogdir={ini(where.run)}
directory={ini(REPO)}
identifier=telebill

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{ini(where.socket)}
"""


def listener_section(where: Paths, python: str) -> str:
    return f"""[eventlistener:{LISTENER}]
command={ini(shlex.join([python, "-m", "deploy.ops.restart_watch", str(where.run)]))}
directory={ini(REPO)}
events=PROCESS_STATE
buffer_size=100
priority=1
autostart=true
autorestart=true
stdout_logfile=NONE
stderr_logfile={ini(where.listener_log)}
stderr_logfile_maxbytes=1MB
stderr_logfile_backups=1
"""


def program_section(process: Process, log: Path, priority: int) -> str:
    """Priority orders starts and supervisord's own shutdown (highest first: the reverse of start)."""
    return f"""[program:{process.name}]
command={ini(shlex.join(process.argv))}
directory={ini(REPO)}
priority={priority}
autostart=false
autorestart=true
startsecs={process.start_seconds}
startretries={process.start_retries}
stopsignal=TERM
stopwaitsecs={STOP_SECONDS}
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile={ini(log)}
stdout_logfile_maxbytes=0
stdout_logfile_backups=0
""" + (f"environment={environment_value(process.environment)}\n" if process.environment else "")


def environment_value(variables: tuple[tuple[str, str], ...]) -> str:
    """supervisord's KEY="value",... form; %% because supervisord expands %(name)s in every value."""
    return ",".join(f'{name}="{value.replace("%", "%%")}"' for name, value in variables)


def ini(value: object) -> str:
    """A value for supervisord's ini file. Refused: a line break (it would start a new key) and `%`
    (supervisord expands some keys once, log file names twice: no one escape fits every key)."""
    text = str(value)
    if any(character in text for character in "%\n\r"):
        raise ValueError(f"supervisord's configuration cannot hold a '%' or a line break: {text!r}")
    return text


# --- supervisord itself ----------------------------------------------------------------------------


def connect(where: Paths) -> Any:
    """The `supervisor` namespace of supervisord's XML-RPC API."""
    transport = SupervisorTransport(None, None, where.server_url)
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor


def reachable(where: Paths) -> bool:
    try:
        return cast(str, connect(where).getState()["statename"]) == "RUNNING"
    except UNREACHABLE:
        return False


def supervise(settings: Settings, wanted: list[Process]) -> Paths:
    """supervisord running for this state dir and knowing every wanted program (and those it had)."""
    where = paths(settings)
    retire_pid_files(where, [process.name for process in wanted], STOP_SECONDS)
    programs = [(process, log_path(settings, process.name)) for process in wanted]
    if reachable(where) and idle(where) and stale_environment(where):
        shutdown(where)  # its children would get the environment it was started with, not the caller's
    if reachable(where):
        apply_programs(where, merged(load_programs(where.programs), programs))
    else:
        clear_strays(where)
        write_programs(where, programs)
        launch(where)
    return where


def merged(known: list[tuple[Process, Path]], wanted: list[tuple[Process, Path]]) -> list[tuple[Process, Path]]:
    by_name = {process.name: (process, log) for process, log in known}
    by_name.update({process.name: (process, log) for process, log in wanted})
    return list(by_name.values())


def write_programs(where: Paths, programs: list[tuple[Process, Path]]) -> None:
    save_programs(where.programs, programs)
    where.config.write_text(render_config(where, programs))


def apply_programs(where: Paths, programs: list[tuple[Process, Path]]) -> None:
    """What `supervisorctl update` does: new programs added, changed ones replaced (and restarted if
    they ran); none removed, so a program started alone never takes the others' entries away."""
    write_programs(where, programs)
    supervisor = connect(where)
    added, changed, _removed = supervisor.reloadConfig()[0]
    for name in changed:
        replace_group(supervisor, name)
    for name in added:
        supervisor.addProcessGroup(name)


def replace_group(supervisor: Any, name: str) -> None:
    was_running = supervisor.getProcessInfo(name)["statename"] in KEPT_GOING
    if was_running:
        supervisor.stopProcess(name, True)
    supervisor.removeProcessGroup(name)
    supervisor.addProcessGroup(name)
    if was_running:
        supervisor.startProcess(name, False)


def launch(where: Paths, timeout: float = 30.0) -> None:
    """supervisord daemonizes itself once its socket is bound (errors before that reach us), with
    this caller's environment: the programs read their TELEBILL_* settings from it."""
    forget_records(where.run)
    command = [sys.executable, "-m", "supervisor.supervisord", "-c", str(where.config)]
    result = subprocess.run(command, cwd=REPO, env=os.environ.copy(), capture_output=True, text=True, timeout=timeout)
    deadline = time.monotonic() + timeout
    while not reachable(where):
        if time.monotonic() > deadline or (result.returncode != 0 and not supervisord_process(where)):
            said = (result.stderr or result.stdout).strip().splitlines()
            raise RuntimeError(f"supervisord did not start: {said[-1] if said else 'no answer'}; see {where.log}")
        time.sleep(0.1)


def idle(where: Paths) -> bool:
    return not [info for info in all_info(where) if info["statename"] in KEPT_GOING and info["name"] != LISTENER]


def stale_environment(where: Paths) -> bool:
    theirs = telebill_environment_of(int(connect(where).getPID()))
    return theirs is not None and theirs != telebill_environment(os.environ)


def telebill_environment(variables: Mapping[str, str]) -> dict[str, str]:
    return {key: value for key, value in variables.items() if key.startswith("TELEBILL_")}


def telebill_environment_of(pid: int) -> dict[str, str] | None:
    """What a running process was started with (only the TELEBILL_* settings), or None if unknown."""
    try:
        entries = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return None
    return telebill_environment(dict(entry.partition("=")[::2] for entry in entries if "=" in entry))


def shutdown(where: Paths, timeout: float = 120.0) -> None:
    """supervisord stops what still runs (in reverse start order), then exits."""
    supervisor = connect(where)
    pid = int(supervisor.getPID())
    supervisor.shutdown()
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


def supervisord_process(where: Paths) -> Stray | None:
    """The supervisord of this state dir by its pid file, proven by its command line."""
    try:
        pid = int(where.pidfile.read_text().strip())
        argv = tuple(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1])
    except (OSError, ValueError):
        return None  # no pid file, or no such process (or no procfs to prove it is ours: left alone)
    return Stray("supervisord", pid, argv) if alive(pid) and str(where.config) in argv else None


def clear_strays(where: Paths) -> list[str]:
    """Before a new supervisord, and after stopping one: an unreachable supervisord of this state dir,
    children a killed one left, and processes of the pid-file era. Each is proven ours first."""
    hung = supervisord_process(where)
    if hung is not None:
        terminate([hung], STOP_SECONDS * 2)  # on TERM it stops its programs first
    orphans = supervised_by(where.server_url)
    terminate(orphans, STOP_SECONDS)
    legacy = retire_pid_files(where, None, STOP_SECONDS)
    return [stray.name for stray in orphans if stray.name != LISTENER] + legacy


def retire_pid_files(where: Paths, names: Iterable[str] | None, grace: float) -> list[str]:
    """Stop what the pid files of the process manager before supervision name (all, or `names`)."""
    reserved = frozenset({where.pidfile.stem})
    if names is None:
        strays = pid_file_strays(where.run, reserved)
    else:
        found = (pid_file_stray(where.run / f"{name}.pid") for name in names if name not in reserved)
        strays = [stray for stray in found if stray is not None]
    terminate(strays, grace)
    for stray in strays:
        (where.run / f"{stray.name}.pid").unlink(missing_ok=True)
    return [stray.name for stray in strays]


# --- programs --------------------------------------------------------------------------------------


def all_info(where: Paths) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], connect(where).getAllProcessInfo())


def program_info(settings: Settings, name: str) -> dict[str, Any] | None:
    """supervisord's view of one program; None if supervisord does not answer or has no such program."""
    try:
        return cast(dict[str, Any], connect(paths(settings)).getProcessInfo(name))
    except xmlrpc.client.Fault as fault:
        if fault.faultCode == Faults.BAD_NAME:
            return None
        raise
    except UNREACHABLE:
        return None


def live_pid(info: dict[str, Any] | None) -> int | None:
    if info is None or info["statename"] not in LIVE or not info["pid"]:
        return None
    return int(info["pid"]) if alive(int(info["pid"])) else None


def start_program(settings: Settings, name: str, timeout: float = 30.0) -> int:
    """Start one program (if not started) and return its pid once it has one; 0 if it never got one
    (it failed to start until supervisord gave up: the caller's wait for readiness says so)."""
    supervisor = connect(paths(settings))
    try:
        supervisor.startProcess(name, False)
    except xmlrpc.client.Fault as fault:
        if fault.faultCode not in (Faults.ALREADY_STARTED, Faults.SPAWN_ERROR):
            raise
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = program_info(settings, name)
        if live_pid(info) or info is None or info["statename"] not in KEPT_GOING:
            return live_pid(info) or 0
        time.sleep(0.05)
    return 0


def stop_program(settings: Settings, name: str) -> bool:
    """A deliberate stop: supervisord does not restart a program it stopped. False if not running."""
    info = program_info(settings, name)
    if info is None or info["statename"] not in KEPT_GOING:
        return False
    try:
        connect(paths(settings)).stopProcess(name, True)
    except xmlrpc.client.Fault as fault:
        if fault.faultCode != Faults.NOT_RUNNING:  # it ended by itself meanwhile
            raise
    return True


def stop_everything(settings: Settings) -> list[str]:
    """Every program in reverse start order, then supervisord, then any stray of this state dir."""
    where = paths(settings)
    stopped: list[str] = []
    if reachable(where):
        for process, _log in reversed(load_programs(where.programs)):
            if stop_program(settings, process.name):
                stopped.append(process.name)
        shutdown(where)
    stopped += [name for name in clear_strays(where) if name not in stopped]
    return stopped


def supervisor_info(settings: Settings) -> dict[str, dict[str, Any]]:
    where = paths(settings)
    try:
        return {info["name"]: info for info in all_info(where)}
    except UNREACHABLE as error:
        raise SupervisorUnreachable(
            f"the process supervisor of {settings.state_dir} does not answer ({type(error).__name__}): "
            "`telebill up` starts it"
        ) from error

