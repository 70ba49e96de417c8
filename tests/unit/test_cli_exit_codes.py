"""`telebill` exit codes: non-zero whenever something failed or cannot be reached, said in one line."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator

import pytest

from deploy.ops import cli
from deploy.ops.era_import import exit_code
from shared.settings import get_settings
from tests.conftest import EXAMPLES


@pytest.fixture
def nothing_listening(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for port in ("TELEBILL_CODING_API_PORT", "TELEBILL_INGEST_PORT"):
        monkeypatch.setenv(port, "1")  # nothing listens on port 1
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "argv",
    [["holds"], ["send", str(EXAMPLES / "01-medicare-video-home-established.json")]],
    ids=["holds", "send"],
)
def test_a_stack_that_cannot_be_reached_is_one_line_and_exit_1(
    argv: list[str], nothing_listening: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["telebill", *argv])
    with pytest.raises(SystemExit) as done:
        cli.main()
    said = capsys.readouterr()
    assert done.value.code == 1
    assert "cannot reach the stack" in said.out and "Traceback" not in said.out + said.err


@pytest.mark.parametrize(
    ("counts", "code"),
    [
        ({"posted": 3}, 0),
        ({"posted": 2, "duplicate": 1}, 0),
        ({"posted": 2, "failed": 1}, 1),
        ({"unreadable": 1}, 1),
        ({"posted": 5, "unbalanced": 1}, 1),
    ],
)
def test_era_import_exits_1_when_any_file_needs_a_person(counts: dict[str, int], code: int) -> None:
    assert exit_code(Counter(counts)) == code


def test_an_error_that_is_not_about_reaching_the_stack_is_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "app", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main()
