"""`encounter-completed` → verify coverage → `coverage-verified`; waiting encounters re-driven."""

import faust

from services.eligibility.bootstrap import build_worker
from services.eligibility.handlers.ports import SERVICE
from shared.settings import Settings, get_settings
from shared.streaming import BatchHandler, guarded, run_worker, worker_app
from shared.topics import COVERAGE_VERIFIED, ENCOUNTER_COMPLETED

CONSUMES, PRODUCES = (ENCOUNTER_COMPLETED,), (COVERAGE_VERIFIED,)  # and what it cannot read to <topic>.dlq


async def verify(app: faust.App, settings: Settings) -> BatchHandler:
    return (await build_worker(app, settings)).verify


settings = get_settings()
app = worker_app(SERVICE, ENCOUNTER_COMPLETED.name, ENCOUNTER_COMPLETED.model, verify, settings)


async def redrive_waiting() -> None:
    await (await build_worker(app, settings)).redrive()


redrive_timer = app.timer(interval=settings.eligibility_redrive_seconds, on_leader=True)
redrive_timer(guarded("eligibility-redrive", redrive_waiting))


if __name__ == "__main__":
    run_worker(app, SERVICE, settings)
