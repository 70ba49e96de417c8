"""supervisord event listener: notes every program's exits and how long it took to be ready again.

supervisord runs it as `python -m deploy.ops.restart_watch RUN_DIR` and talks to it over stdin and
stdout (the event listener protocol), so it writes nothing else there; its own log is stderr.
Readiness is watched in a thread per outage, so events keep being read while a worker starts.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path

from supervisor import childutils

from deploy.ops.programs import Process, load_programs, log_size, ready_now
from deploy.ops.restarts import RestartBook, load_records, save_records

PROGRAMS_FILE = "programs.json"
EXITS = {"PROCESS_STATE_EXITED", "PROCESS_STATE_BACKOFF"}
RESPAWNED_FROM = {"EXITED", "BACKOFF"}  # supervisord's own restarts; from STOPPED or FATAL someone asked
WATCH_SECONDS = 900.0
POLL_SECONDS = 0.2

log = logging.getLogger("restart-watch")
saving = threading.Lock()


def main() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    run = Path(sys.argv[1])
    book = RestartBook(load_records(run))
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        try:
            on_event(book, run, headers["eventname"], childutils.get_headers(payload))
        except Exception:  # one bad event must not stop the measuring; supervisord would only restart us
            log.exception("could not note %s", headers.get("eventname"))
        childutils.listener.ok(sys.stdout)


def on_event(book: RestartBook, run: Path, event: str, data: dict[str, str]) -> None:
    programs = {process.name: (process, log) for process, log in load_programs(run / PROGRAMS_FILE)}
    if data.get("processname") not in programs:
        return  # this listener, or a program of a configuration that is being replaced
    process, program_log = programs[data["processname"]]
    if event in EXITS:
        book.exited(process.name, time.time(), time.monotonic(), log_size(program_log))
    elif event == "PROCESS_STATE_STOPPED":
        book.stopped(process.name)
    elif event == "PROCESS_STATE_STARTING":
        if data.get("from_state") in RESPAWNED_FROM:
            book.respawned(process.name)
            persist(book, run)
        watch_readiness(book, run, process, program_log)


def watch_readiness(book: RestartBook, run: Path, process: Process, program_log: Path) -> None:
    if book.outage(process.name) is not None:
        threading.Thread(target=wait_until_ready, args=(book, run, process, program_log), daemon=True).start()


def wait_until_ready(book: RestartBook, run: Path, process: Process, program_log: Path) -> None:
    """Until ready, or until the program exits or is stopped again (the next event takes over)."""
    pending = book.outage(process.name)
    if pending is None:
        return
    outage, generation = pending
    deadline = time.monotonic() + WATCH_SECONDS
    while book.is_current(process.name, generation) and time.monotonic() < deadline:
        if ready_now(process, program_log, outage.log_offset):
            if book.ready(process.name, generation, time.time(), time.monotonic()):
                persist(book, run)
                log.info("%s ready again after %s", process.name, book.records()[process.name].last_restart_seconds)
            return
        time.sleep(POLL_SECONDS)


def persist(book: RestartBook, run: Path) -> None:
    with saving:  # the snapshot is taken inside: an older one can never be written over a newer one
        save_records(run, book.records())


if __name__ == "__main__":
    main()
