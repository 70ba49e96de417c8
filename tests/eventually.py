"""The one way tests wait for an asynchronous pipeline: read until the reading is accepted, or fail
naming what was awaited and the last reading. No test sleeps a fixed time and hopes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class NeverHappened(AssertionError):
    pass


def eventually(
    read: Callable[[], T],
    accept: Callable[[T], bool] = bool,
    *,
    timeout: float = 60.0,
    every: float = 0.5,
    what: str = "the condition",
) -> T:
    """`read()` every `every` seconds until `accept` takes its value; that value is returned. A read
    that raises counts as not yet (the service may still be starting), and its error is reported
    if the time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value: T | None = read()
            failure: Exception | None = None
        except Exception as error:  # noqa: BLE001 - not yet; said below if it never stops
            value, failure = None, error
        if failure is None and accept(value):  # type: ignore[arg-type]
            return value  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            last = f"{type(failure).__name__}: {failure}" if failure else repr(value)[:500]
            raise NeverHappened(f"{what} did not happen within {timeout:.0f}s; last reading: {last}")
        time.sleep(every)
