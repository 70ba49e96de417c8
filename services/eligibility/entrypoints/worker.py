"""`encounter-completed` → verify coverage → `coverage-verified`."""

from services.eligibility.bootstrap import build_worker_handler
from services.eligibility.handlers import SERVICE
from shared.contracts.encounter import EncounterCompleted
from shared.settings import get_settings
from shared.streaming import run_worker, worker_app
from shared.topics import ENCOUNTER_COMPLETED

settings = get_settings()
app = worker_app(SERVICE, ENCOUNTER_COMPLETED.name, EncounterCompleted, build_worker_handler, settings)

if __name__ == "__main__":
    run_worker(app, SERVICE, settings)
