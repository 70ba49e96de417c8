"""The local process manager knows its own processes and never signals someone else's."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from deploy.ops import processes
from shared.settings import Settings

SLEEPER = processes.Process("sleeper", (sys.executable, "-c", "import time; time.sleep(60)"))


def settings_in(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path)


def test_a_started_process_is_found_at_once_and_stopped(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    for _ in range(10):  # found right after start: a child still inside execve shows no command line
        pid = processes.start(settings, SLEEPER)

        assert processes.pid_of(settings, "sleeper") == pid
        assert processes.stop(settings, "sleeper", grace=5) is True
        assert processes.pid_of(settings, "sleeper") is None and not processes.alive(pid)


def test_a_pid_file_whose_pid_now_belongs_to_another_program_is_not_ours(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    stale = processes.run_dir(settings) / "sleeper.pid"
    stale.write_text(f"{os.getpid()}\n" + "\0".join(SLEEPER.argv))  # this test runner, recycled into the old pid

    assert processes.pid_of(settings, "sleeper") is None
    assert processes.stop(settings, "sleeper") is False


def test_a_pid_file_from_before_the_command_line_was_recorded_is_not_trusted(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    (processes.run_dir(settings) / "sleeper.pid").write_text(str(os.getpid()))

    assert processes.pid_of(settings, "sleeper") is None
