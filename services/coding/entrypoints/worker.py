"""`coverage-verified` → code the encounter → `claim-coded` (or a hold)."""

import faust

from services.coding.bootstrap import build_worker
from services.coding.handlers.ports import SERVICE
from shared.settings import Settings, get_settings
from shared.streaming import BatchHandler, run_worker, worker_app
from shared.topics import CLAIM_CODED, COVERAGE_VERIFIED

CONSUMES, PRODUCES = (COVERAGE_VERIFIED,), (CLAIM_CODED,)  # and what it cannot read to <topic>.dlq


async def code(app: faust.App, settings: Settings) -> BatchHandler:
    return (await build_worker(app, settings)).code


settings = get_settings()
app = worker_app(SERVICE, COVERAGE_VERIFIED.name, COVERAGE_VERIFIED.model, code, settings)

if __name__ == "__main__":
    run_worker(app, SERVICE, settings)
