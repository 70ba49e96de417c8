"""The unit layer is pure and fast: a test here that starts a process fails, naming where it belongs."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest


class StartsAProcess(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise StartsAProcess(f"a unit test started a process ({args[:1]}): move it to tests/integration")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
