"""`claim-submitted` → expect a payment; 835 files in the inbound folder → `payment-posted`."""

import faust

from services.remittance.adapters.inbox import era_inbox
from services.remittance.bootstrap import build_worker
from services.remittance.handlers.ports import SERVICE
from shared.settings import Settings, get_settings
from shared.streaming import BatchHandler, guarded, run_worker, worker_app
from shared.topics import CLAIM_SUBMITTED, PAYMENT_POSTED

CONSUMES, PRODUCES = (CLAIM_SUBMITTED,), (PAYMENT_POSTED,)  # and 835 files; dead letters to <topic>.dlq


async def record_submissions(app: faust.App, settings: Settings) -> BatchHandler:
    return (await build_worker(app, settings)).posting.record_submissions


settings = get_settings()
app = worker_app(SERVICE, CLAIM_SUBMITTED.name, CLAIM_SUBMITTED.model, record_submissions, settings)
inbox = era_inbox(settings.exchange_dir)


async def post_waiting_remittances() -> None:
    await (await build_worker(app, settings)).posting.post_inbox(inbox)


app.timer(interval=settings.poll_seconds, on_leader=True)(guarded("remittance-835-inbox", post_waiting_remittances))


if __name__ == "__main__":
    run_worker(app, SERVICE, settings)
