"""`claim-coded` → assemble, batch into 837P, drop for the clearinghouse → `claim-submitted`."""

from services.claims.bootstrap import build_worker_handler
from services.claims.handlers import SERVICE
from shared.contracts.events import ClaimCoded
from shared.settings import get_settings
from shared.streaming import run_worker, worker_app
from shared.topics import CLAIM_CODED

settings = get_settings()
app = worker_app(SERVICE, CLAIM_CODED.name, ClaimCoded, build_worker_handler, settings)

if __name__ == "__main__":
    run_worker(app, SERVICE, settings)
