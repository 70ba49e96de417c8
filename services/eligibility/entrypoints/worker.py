"""`encounter-completed` → verify coverage → `coverage-verified`; waiting encounters re-driven."""

import logging

from services.eligibility.bootstrap import build_worker, build_worker_handler
from services.eligibility.handlers import SERVICE
from shared.contracts.encounter import EncounterCompleted
from shared.settings import get_settings
from shared.streaming import run_worker, worker_app
from shared.topics import ENCOUNTER_COMPLETED

settings = get_settings()
app = worker_app(SERVICE, ENCOUNTER_COMPLETED.name, EncounterCompleted, build_worker_handler, settings)


@app.timer(interval=settings.eligibility_redrive_seconds, on_leader=True)  # type: ignore[untyped-decorator]
async def redrive_waiting() -> None:
    try:
        await (await build_worker(app, settings)).redrive()
    except Exception:  # a failed round is retried on the next tick; the waiting entries stay
        logging.getLogger(SERVICE).exception("re-drive round failed")


if __name__ == "__main__":
    run_worker(app, SERVICE, settings)
