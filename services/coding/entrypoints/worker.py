"""`coverage-verified` → code the encounter → `claim-coded` (or a hold)."""

from services.coding.bootstrap import build_worker_handler
from services.coding.handlers import SERVICE
from shared.contracts.events import CoverageVerified
from shared.settings import get_settings
from shared.streaming import run_worker, worker_app
from shared.topics import COVERAGE_VERIFIED

settings = get_settings()
app = worker_app(SERVICE, COVERAGE_VERIFIED.name, CoverageVerified, build_worker_handler, settings)

if __name__ == "__main__":
    run_worker(app, SERVICE, settings)
