"""The local process manager: the supervisord configuration it writes (read back by supervisord's own
parser), the restart bookkeeping, what `telebill status` says, and that it never signals a process
that is not its own. Starting real supervisord is in tests/integration/test_supervision.py."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from supervisor.datatypes import RestartUnconditionally
from supervisor.events import ProcessStateEvent
from supervisor.options import ServerOptions
from typer.testing import CliRunner

from deploy.ops import cli, processes, supervision
from deploy.ops.process_status import NOT_STARTED, cells, problem, process_status
from deploy.ops.restarts import RestartBook, RestartRecord, load_records, save_records
from shared.metrics import SERVICE_PORT_OFFSET, metrics_port
from shared.settings import Settings
from tests.conftest import REPO

SLEEPER = processes.Process("sleeper", (sys.executable, "-c", "import time; time.sleep(60)"))


def settings_in(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path)


def parsed_by_supervisord(settings: Settings, listed: list[processes.Process]) -> ServerOptions:
    where = supervision.paths(settings)
    supervision.write_programs(where, [(p, processes.log_path(settings, p.name)) for p in listed])
    options = ServerOptions()
    options.realize(args=["-c", str(where.config)])
    return options


def program_configs(options: ServerOptions) -> dict[str, Any]:
    return {
        config.name: config
        for group in options.process_group_configs
        for config in group.process_configs
        if config.name != supervision.LISTENER
    }


# --- configuration ---------------------------------------------------------------------------------


def test_every_pipeline_process_is_a_program_that_supervisord_restarts(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    pipeline = processes.pipeline_processes(settings)

    programs = program_configs(parsed_by_supervisord(settings, pipeline))

    assert list(programs) == [p.name for p in pipeline]
    for process in pipeline:
        config = programs[process.name]
        assert config.autorestart is RestartUnconditionally
        assert config.autostart is False  # started in order by start_all, not all at once by supervisord
        assert (config.startsecs, config.startretries) == (process.start_seconds, process.start_retries)
        assert config.stopasgroup and config.killasgroup
        assert shlex.split(config.command) == list(process.argv)
        assert Path(config.stdout_logfile) == processes.log_path(settings, process.name)
        assert config.redirect_stderr and config.stdout_logfile_maxbytes == 0  # no rotation: offsets hold
    priorities = [programs[p.name].priority for p in pipeline]
    assert priorities == sorted(priorities)  # start order; supervisord stops in the reverse


def test_the_environment_passes_through_untouched(tmp_path: Path) -> None:
    """Programs get supervisord's environment, which is the caller's: nothing in the file replaces it
    (and no secret from it is written there)."""
    settings = settings_in(tmp_path)

    programs = program_configs(parsed_by_supervisord(settings, processes.pipeline_processes(settings)))

    assert all(not config.environment for config in programs.values())
    assert not [line for line in supervision.paths(settings).config.read_text().splitlines() if "environment=" in line]


def test_each_worker_runs_as_many_instances_as_set_each_told_its_number(tmp_path: Path) -> None:
    settings = settings_in(tmp_path).model_copy(update={"worker_instances": 2})

    programs = program_configs(parsed_by_supervisord(settings, processes.pipeline_processes(settings)))

    for service in processes.WORKERS:
        assert programs[service].environment in (None, {})
        assert programs[f"{service}-2"].environment == {"TELEBILL_INSTANCE": "1"}
        assert programs[f"{service}-2"].command == programs[service].command  # same program, same group
        assert processes.service_instance(f"{service}-2") == (service, 1)
        assert processes.service_instance(service) == (service, 0)
    ports = [
        metrics_port(service, settings.metrics_base_port, instance)
        for service in processes.WORKERS
        for instance in range(6)
    ]
    assert len(set(ports)) == len(ports)  # no two instances of any worker share a metrics port
    assert processes.service_instance("clearinghouse-rt") == ("clearinghouse-rt", 0)


def test_supervisord_keeps_its_files_in_the_state_dir_and_a_restart_watcher_listens(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)

    options = parsed_by_supervisord(settings, [SLEEPER])

    for path in (options.logfile, options.pidfile, options.childlogdir, options.server_configs[0]["file"]):
        assert Path(path).is_relative_to(tmp_path)
    listener = next(g for g in options.process_group_configs if g.name == supervision.LISTENER)
    assert listener.pool_events == [ProcessStateEvent]  # every state change of every program
    assert listener.process_configs[0].autorestart is RestartUnconditionally


def test_a_deep_state_dir_gets_a_short_private_socket_of_its_own(tmp_path: Path) -> None:
    deep, other = tmp_path / ("d" * 80) / "state", tmp_path / ("e" * 80) / "state"

    socket = supervision.paths(settings_in(deep)).socket

    assert len(os.fsencode(socket)) < 108
    assert socket == supervision.paths(settings_in(deep)).socket != supervision.paths(settings_in(other)).socket
    assert socket.parent.stat().st_mode & 0o077 == 0 and socket.parent.stat().st_uid == os.getuid()
    assert supervision.paths(settings_in(tmp_path)).socket.is_relative_to(tmp_path)  # short enough: in place


def test_what_supervisord_would_misread_is_refused(tmp_path: Path) -> None:
    for bad in ("50%", "two\nlines"):
        with pytest.raises(ValueError, match="cannot hold"):
            supervision.program_section(processes.Process("x", ("echo", bad)), tmp_path / "x.log", 100)


def test_a_program_started_alone_keeps_the_others_known() -> None:
    logs = Path("/logs")
    a, b, b_changed = (processes.Process(n, ("true", v)) for n, v in (("a", "1"), ("b", "1"), ("b", "2")))

    programs = supervision.merged([(a, logs / "a"), (b, logs / "b")], [(b_changed, logs / "b")])

    assert programs == [(a, logs / "a"), (b_changed, logs / "b")]


# --- restart bookkeeping ---------------------------------------------------------------------------


def test_a_restart_is_timed_from_the_first_exit_to_ready() -> None:
    book = RestartBook({})
    book.exited("coding", at=1000.0, monotonic=50.0, log_offset=10)
    book.respawned("coding")
    book.exited("coding", at=1001.0, monotonic=51.0, log_offset=20)  # died again while starting: backoff
    book.respawned("coding")
    outage, generation = book.outage("coding") or pytest.fail("no open outage")

    assert book.ready("coding", generation, at=1004.5, monotonic=54.5)

    assert outage.log_offset == 20  # a ready line must come after the latest exit
    assert book.records()["coding"] == RestartRecord("coding", 2, 1000.0, 1004.5, 4.5)
    assert book.outage("coding") is None


def test_a_deliberate_stop_ends_the_outage_unmeasured() -> None:
    book = RestartBook({"coding": RestartRecord("coding", 1, 1.0, 2.0, 1.0)})
    book.exited("coding", at=1000.0, monotonic=50.0, log_offset=0)
    _, generation = book.outage("coding") or pytest.fail("no open outage")
    book.stopped("coding")

    assert not book.ready("coding", generation, at=1009.0, monotonic=59.0)
    assert book.records()["coding"] == RestartRecord("coding", 1, 1.0, 2.0, 1.0)


def test_readiness_seen_for_an_attempt_that_has_died_since_does_not_count() -> None:
    book = RestartBook({})
    book.exited("claims", at=1000.0, monotonic=50.0, log_offset=0)
    _, stale = book.outage("claims") or pytest.fail("no open outage")
    book.exited("claims", at=1001.0, monotonic=51.0, log_offset=5)

    assert not book.ready("claims", stale, at=1002.0, monotonic=52.0)
    assert book.outage("claims") is not None


def test_restart_records_are_read_back_from_the_state_dir(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    records = {"coding": RestartRecord("coding", 3, 1000.0, 1002.25, 2.25), "claims": RestartRecord("claims")}
    assert processes.restart_records(settings) == {}

    save_records(processes.run_dir(settings), records)

    assert processes.restart_records(settings) == records == load_records(tmp_path / "run")


# --- status ----------------------------------------------------------------------------------------


def info(state: str, pid: int = 0, start: int = 0, now: int = 0) -> dict[str, Any]:
    return {"name": "coding", "statename": state, "pid": pid, "start": start, "now": now}


def test_a_running_process_shows_pid_uptime_restarts_and_last_restart_time() -> None:
    record = RestartRecord("coding", restarts=2, last_restart_seconds=3.456)

    status = process_status("coding", info("RUNNING", 4242, start=1000, now=1000 + 90061), record, Path("/l/c.log"))

    assert cells(status) == ("coding", "RUNNING", "4242", "1d 1:01:01", "2", "3.5s", "/l/c.log")


def test_a_process_not_running_shows_no_pid_nor_uptime() -> None:
    fatal = process_status("coding", info("FATAL", start=1000, now=1100), None, Path("/l/c.log"))
    unknown = process_status("coding", None, None, Path("/l/c.log"))

    assert cells(fatal) == ("coding", "FATAL", "-", "-", "0", "-", "/l/c.log")
    assert cells(unknown)[1:3] == (NOT_STARTED, "-")


def test_the_problem_line_names_every_process_not_running() -> None:
    log = Path("/l/x.log")
    running = process_status("ingest", info("RUNNING", 1, 1, 2), None, log)
    fatal = process_status("coding", info("FATAL"), None, log)
    stopped = process_status("claims", info("STOPPED"), None, log)

    assert problem([running]) is None
    assert problem([running, fatal, stopped]) == "not running: coding (FATAL), claims (STOPPED)"
    assert problem([running], infrastructure_up=False) == "Kafka or FerretDB is not running (see above)"


@pytest.fixture
def status_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """`telebill status` against a state dir of this test; infra.sh answers what the yielded map says."""
    answers = {"status": 0}
    monkeypatch.setattr(cli, "infra_exit_code", lambda command: answers[command])
    monkeypatch.setattr(cli, "get_settings", lambda: settings_in(tmp_path / "state"))
    yield answers


def test_status_exits_1_with_one_line_when_supervisord_does_not_answer(status_command: dict[str, int]) -> None:
    result = CliRunner().invoke(cli.app, ["status"])

    assert result.exit_code == 1
    assert "the process supervisor of" in result.output and "does not answer" in " ".join(result.output.split())


def statuses(*states: str) -> list[processes.ProcessStatus]:
    return [process_status(f"p{n}", info(s, 7, 1, 2), None, Path("/l")) for n, s in enumerate(states)]


@pytest.mark.parametrize(
    ("states", "infra_rc", "exit_code", "says"),
    [
        (("RUNNING", "RUNNING"), 0, 0, None),
        (("RUNNING", "BACKOFF"), 0, 1, "not running: p1 (BACKOFF)"),
        (("RUNNING",), 3, 1, "Kafka or FerretDB is not running"),
    ],
)
def test_status_exit_code(
    status_command: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    states: tuple[str, ...],
    infra_rc: int,
    exit_code: int,
    says: str | None,
) -> None:
    status_command["status"] = infra_rc
    monkeypatch.setattr(processes, "status", lambda settings: statuses(*states))

    result = CliRunner().invoke(cli.app, ["status"], terminal_width=200)

    assert result.exit_code == exit_code
    assert "p0" in result.output and "RUNNING" in result.output
    if says is None:
        assert "not running" not in result.output
    else:
        assert says in result.output.strip().splitlines()[-1]


# --- processes that are not ours -------------------------------------------------------------------


def test_a_pid_file_whose_pid_now_belongs_to_another_program_is_not_ours(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    stale = processes.run_dir(settings) / "sleeper.pid"
    stale.write_text(f"{os.getpid()}\n" + "\0".join(SLEEPER.argv))  # this test runner, recycled into the old pid

    assert processes.pid_of(settings, "sleeper") is None
    assert processes.stop(settings, "sleeper") is False
    assert processes.stop_all(settings) == [] and processes.alive(os.getpid())


def test_a_pid_file_from_before_the_command_line_was_recorded_is_not_trusted(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    (processes.run_dir(settings) / "sleeper.pid").write_text(str(os.getpid()))

    assert processes.pid_of(settings, "sleeper") is None


# --- docker compose --------------------------------------------------------------------------------


def compose_services() -> dict[str, Any]:
    return dict(yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"])


def readiness_port(process: processes.Process, settings: Settings) -> int:
    if process.ready_url:
        return int(urlparse(process.ready_url).port or 0)
    return settings.metrics_base_port + SERVICE_PORT_OFFSET[process.name]  # a worker's metrics port


def test_every_compose_service_restarts_and_each_pipeline_one_probes_its_readiness() -> None:
    services, settings = compose_services(), Settings()

    assert {name for name, service in services.items() if service.get("restart") != "unless-stopped"} == {"topics"}
    for process in processes.pipeline_processes(settings):
        probe = " ".join(services[process.name]["healthcheck"]["test"])
        assert f"http://127.0.0.1:{readiness_port(process, settings)}/readyz" in probe, process.name
