"""The locally built FerretDB starts on whatever an interrupted run left in its data directory.

CI runs on the machine a session used, after every process the session left running was ended: a
server killed between creating a database file and creating its metadata table leaves a file that
stock FerretDB 1.24 refuses to start on. Each test runs its own server on a scratch directory.
"""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pymongo import MongoClient

from tests.conftest import REPO, docker_answers

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(docker_answers(), reason="with a Docker engine the tests use the official mongo image"),
]


@pytest.fixture(scope="module")
def ferretdb_binary() -> Path:
    found = subprocess.run(
        ["bash", str(REPO / "deploy" / "local" / "infra.sh"), "ferretdb-bin"],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(found.stdout.strip())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(binary: Path, data: Path) -> Iterator[tuple[subprocess.Popen[bytes], MongoClient]]:
    port = free_port()
    log = (data.parent / f"ferretdb-{port}.log").open("wb")
    server = subprocess.Popen([str(binary), "-listen", f"127.0.0.1:{port}", "-data", str(data)], stdout=log, stderr=log)
    client: MongoClient = MongoClient(f"mongodb://127.0.0.1:{port}/", serverSelectionTimeoutMS=10_000)
    try:
        wait_until_answering(server, client, data.parent / f"ferretdb-{port}.log")
        yield server, client
    finally:
        client.close()
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)
        log.close()


def wait_until_answering(server: subprocess.Popen[bytes], client: MongoClient, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"ferretdb exited with {server.returncode}: {log.read_text()[-2000:]}")
        try:
            client.admin.command("ping")
            return
        except Exception:  # noqa: BLE001 - not listening yet
            time.sleep(0.2)
    pytest.fail(f"ferretdb did not answer within 20 s: {log.read_text()[-2000:]}")


def test_an_empty_database_file_left_by_a_crash_is_removed_and_a_foreign_one_kept_aside(
    ferretdb_binary: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "telebill_claims.sqlite").touch()
    for orphan in ("dropped.sqlite-wal", "dropped.sqlite-shm"):  # their database was dropped
        (data / orphan).write_bytes(b"\0" * 64)
    with sqlite3.connect(data / "notes.sqlite") as foreign:
        foreign.execute("CREATE TABLE note (text TEXT)")
        foreign.execute("INSERT INTO note VALUES ('keep me')")

    with running_server(ferretdb_binary, data) as (_, client):
        client["telebill_claims"]["claims"].insert_one({"_id": "enc-1", "status": "created"})
        assert client["telebill_claims"]["claims"].find_one({"_id": "enc-1"}) == {"_id": "enc-1", "status": "created"}

    assert sorted(data.glob("dropped.*")) == []
    kept = list(data.glob("notes.sqlite.not-ferretdb-*"))
    assert not (data / "notes.sqlite").exists() and len(kept) == 1
    with sqlite3.connect(kept[0]) as moved:
        assert moved.execute("SELECT text FROM note").fetchall() == [("keep me",)]


def test_a_server_killed_while_writing_restarts_with_what_it_had_acknowledged(
    ferretdb_binary: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with running_server(ferretdb_binary, data) as (server, client):
        for n in range(20):
            client[f"db_{n}"]["records"].insert_one({"_id": f"r-{n}", "n": n})
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)

    with running_server(ferretdb_binary, data) as (_, client):
        found = [client[f"db_{n}"]["records"].find_one({"_id": f"r-{n}"}) for n in range(20)]
    assert found == [{"_id": f"r-{n}", "n": n} for n in range(20)]


def test_a_dropped_database_stays_dropped_across_a_restart(ferretdb_binary: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(ferretdb_binary, data) as (_, client):
        for n in range(10):
            client[f"scratch_{n}"]["records"].insert_one({"_id": n})
            client.drop_database(f"scratch_{n}")
        time.sleep(2.5)  # one pass of the wrapper's _id-index sidecar, which must not re-create them

    assert sorted(data.glob("scratch_*")) == []
    with running_server(ferretdb_binary, data) as (_, client):
        assert [name for name in client.list_database_names() if name.startswith("scratch_")] == []
