"""A worker for the offsets test: `shared.streaming` around a handler that records every attempt,
stores its effect by key, and — while the block file exists — hangs before storing, as a worker
waiting out a database outage does; once the crash file exists, a timer raises, which brings the
whole worker down as an unguarded timer once did. Run as `python -m tests.integration.offset_probe worker`."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import faust
from pydantic import BaseModel

from shared.mongo import async_database, insert_new
from shared.settings import get_settings
from shared.streaming import BatchHandler, worker_app

SERVICE = os.environ["PROBE_SERVICE"]
BLOCK = Path(os.environ["PROBE_BLOCK_FILE"])
CRASH = BLOCK.with_name("crash")


class Probe(BaseModel):
    key: str


async def build_handler(app: faust.App, settings: object) -> BatchHandler:
    db = async_database(get_settings(), os.environ["PROBE_DATABASE"])

    async def handle(batch: list[Probe]) -> None:
        await db["attempts"].insert_many([{"_id": uuid.uuid4().hex, "key": p.key} for p in batch])
        while BLOCK.exists():
            await asyncio.sleep(0.1)
        await insert_new(db["effects"], [{"_id": p.key} for p in batch])

    return handle


app = worker_app(SERVICE, os.environ["PROBE_TOPIC"], Probe, build_handler, get_settings(), batch=(100, 0.5))


@app.timer(interval=0.2)  # type: ignore[untyped-decorator]
async def crash_when_asked() -> None:
    if CRASH.exists():
        raise RuntimeError("probe crash")


if __name__ == "__main__":
    app.main()
