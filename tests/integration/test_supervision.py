"""Real supervisord over toy programs in a state dir of each test (no Kafka, no database, no ports):
a killed program comes back by itself and its restart is timed, a deliberate stop holds, a crash
loop backs off and gives up, and stop_all leaves nothing behind, even after supervisord was killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from deploy.ops import processes, supervision
from deploy.ops.pids import alive, supervised_by
from shared.settings import Settings
from tests.eventually import eventually

T = TypeVar("T")
READY_AFTER = 0.3
STEADY_CODE = (
    "import os, time; print('mark', os.environ.get('TELEBILL_TOY_MARK'), flush=True); "
    f"time.sleep({READY_AFTER}); print('toy ready', flush=True); time.sleep(600)"
)


def steady(name: str = "steady") -> processes.Process:
    """Prints the caller's TELEBILL_TOY_MARK, is ready after a moment, then only sleeps."""
    return processes.Process(name, (sys.executable, "-u", "-c", STEADY_CODE), "toy ready", start_seconds=1)


def crashing(spawns: Path) -> processes.Process:
    """Notes the time of every spawn and exits at once: a crash loop."""
    code = f"import sys, time; open({str(spawns)!r}, 'a').write(f'{{time.time()}}\\n'); sys.exit(3)"
    return processes.Process("crashing", (sys.executable, "-c", code), "never", start_seconds=1, start_retries=2)


def state(settings: Settings, name: str) -> str:
    info = supervision.program_info(settings, name)
    return str(info["statename"]) if info else "unknown"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("TELEBILL_TOY_MARK", uuid.uuid4().hex)
    settings = Settings(state_dir=tmp_path / "state")
    try:
        yield settings
    finally:
        processes.stop_all(settings)


def test_a_killed_program_comes_back_by_itself_and_its_restart_is_timed(settings: Settings) -> None:
    [(_, pid)] = processes.start_all(settings, [steady()])
    assert f"mark {os.environ['TELEBILL_TOY_MARK']}" in processes.log_path(settings, "steady").read_text()

    os.kill(pid, signal.SIGKILL)

    new_pid = eventually(lambda: processes.pid_of(settings, "steady"), lambda found: found not in (None, pid))
    assert new_pid not in (None, pid) and alive(new_pid or 0)
    record = eventually(
        lambda: processes.restart_records(settings).get("steady"),
        lambda found: found is not None and found.last_restart_seconds is not None,
    )
    assert record is not None and record.restarts == 1
    assert record.last_restart_seconds is not None and READY_AFTER <= record.last_restart_seconds < 15
    [status] = eventually(lambda: processes.status(settings, [steady()]), lambda found: found[0].running)
    assert (status.state, status.pid, status.restarts) == ("RUNNING", new_pid, 1)  # RUNNING: up for startsecs


def test_a_deliberate_stop_holds_until_started_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEBILL_TOY_MARK", "deep")
    settings = Settings(state_dir=tmp_path / ("d" * 70) / "state")  # its socket cannot live there
    try:
        processes.start_all(settings, [steady(), steady("other")])

        assert processes.stop(settings, "steady") is True

        time.sleep(3)  # longer than supervisord's wait before a restart
        assert (state(settings, "steady"), processes.pid_of(settings, "steady")) == ("STOPPED", None)
        assert processes.stop(settings, "steady") is False
        assert state(settings, "other") == "RUNNING"
        assert processes.restart_records(settings).get("steady") is None  # a stop is not a restart
        again = processes.start(settings, steady())
        assert again and processes.pid_of(settings, "steady") == again
    finally:
        processes.stop_all(settings)


def test_a_crash_loop_backs_off_then_gives_up(settings: Settings, tmp_path: Path) -> None:
    spawns = tmp_path / "spawns"
    program = crashing(spawns)

    with pytest.raises(RuntimeError, match="crashing is FATAL"):
        processes.start_all(settings, [program])

    times = [float(line) for line in spawns.read_text().split()]
    assert len(times) == program.start_retries + 1  # the first start, then one per retry
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert gaps[0] >= 0.95 and gaps[1] >= 1.95  # supervisord waits 1 s, then 2 s: never spinning
    time.sleep(2)
    assert len(spawns.read_text().split()) == len(times) and state(settings, "crashing") == "FATAL"
    assert processes.restart_records(settings)["crashing"].restarts == program.start_retries


def test_stop_all_leaves_nothing_running(settings: Settings, tmp_path: Path) -> None:
    started = dict(processes.start_all(settings, [steady(), steady("other")]))
    legacy = old_style_process(settings, "legacy")
    supervisord = supervision.supervisord_process(supervision.paths(settings))
    assert supervisord is not None

    stopped = processes.stop_all(settings)

    assert sorted(stopped) == ["legacy", "other", "steady"]
    assert not [pid for pid in (*started.values(), legacy, supervisord.pid) if alive(pid)]
    assert supervised_by(supervision.paths(settings).server_url) == []
    assert not supervision.reachable(supervision.paths(settings))
    assert processes.stop_all(settings) == []  # nothing left, and no error for a supervisord not running


def test_stop_all_stops_what_a_killed_supervisord_left(settings: Settings) -> None:
    [(_, pid)] = processes.start_all(settings, [steady()])
    supervisord = supervision.supervisord_process(supervision.paths(settings))
    assert supervisord is not None
    os.kill(supervisord.pid, signal.SIGKILL)
    assert not eventually(lambda: alive(supervisord.pid), lambda up: not up)
    assert alive(pid)  # an orphan now: nothing supervises it

    assert processes.stop_all(settings) == ["steady"]

    assert not eventually(lambda: alive(pid), lambda up: not up)


def test_an_idle_supervisord_is_replaced_when_the_callers_environment_changed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    processes.start_all(settings, [steady()])
    processes.stop(settings, "steady")
    monkeypatch.setenv("TELEBILL_TOY_MARK", "changed")

    processes.start_all(settings, [steady()])

    assert "mark changed" in processes.log_path(settings, "steady").read_text()


def old_style_process(settings: Settings, name: str) -> int:
    """A process as `telebill up` left it before supervision: detached, with a pid file."""
    argv = (sys.executable, "-c", "import time; time.sleep(600)")
    child = subprocess.Popen(argv, start_new_session=True)
    eventually(lambda: Path(f"/proc/{child.pid}/cmdline").read_bytes(), bool)
    (processes.run_dir(settings) / f"{name}.pid").write_text(f"{child.pid}\n" + "\0".join(argv))
    return child.pid
