"""A clock a test moves on by hand: a signed request's time and the server's agree, and each request
is signed at a new second, as a platform signs each attempt afresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass
class Clock:
    at: datetime

    def __call__(self) -> datetime:
        return self.at

    def tick(self, seconds: float = 1.0) -> datetime:
        self.at += timedelta(seconds=seconds)
        return self.at
