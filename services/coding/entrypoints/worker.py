"""`coverage-verified` → code the encounter → `claim-coded` (or a hold)."""

from services.coding.bootstrap import build_worker_handler
from services.coding.handlers import SERVICE
from shared.settings import get_settings
from shared.streaming import run_worker, worker_app
from shared.topics import CLAIM_CODED, COVERAGE_VERIFIED

CONSUMES, PRODUCES = (COVERAGE_VERIFIED,), (CLAIM_CODED,)  # and what it cannot read to <topic>.dlq
settings = get_settings()
app = worker_app(SERVICE, COVERAGE_VERIFIED.name, COVERAGE_VERIFIED.model, build_worker_handler, settings)

if __name__ == "__main__":
    run_worker(app, SERVICE, settings)
