"""Errors that say "try again later" (the database or the broker is unreachable for now), as
opposed to errors of the record itself, which retrying cannot fix."""

from __future__ import annotations

import asyncio

from pymongo.errors import ConnectionFailure

TRANSIENT = (ConnectionFailure, asyncio.TimeoutError, ConnectionError)
