"""`claim-coded` → scrubbed 837P claims → `claim-submitted`; 999/277CA files and `payment-posted`
move each claim along its lifecycle."""

import faust

from services.claims.adapters.exchange import ack_inbox
from services.claims.bootstrap import build_worker
from services.claims.handlers.ports import SERVICE
from shared.settings import Settings, get_settings
from shared.streaming import BatchHandler, add_agent, guarded, run_worker, worker_app
from shared.topics import CLAIM_CODED, CLAIM_SUBMITTED, PAYMENT_POSTED

CONSUMES, PRODUCES = (CLAIM_CODED, PAYMENT_POSTED), (CLAIM_SUBMITTED,)  # and what it cannot read to <topic>.dlq


async def submit(app: faust.App, settings: Settings) -> BatchHandler:
    return (await build_worker(app, settings)).submit


async def record_payments(app: faust.App, settings: Settings) -> BatchHandler:
    return (await build_worker(app, settings)).lifecycle.record_payments


settings = get_settings()
interchanges = (settings.claims_interchange_max_claims, settings.claims_interchange_max_age_seconds)
app = worker_app(SERVICE, CLAIM_CODED.name, CLAIM_CODED.model, submit, settings, batch=interchanges)
add_agent(app, SERVICE, PAYMENT_POSTED.name, PAYMENT_POSTED.model, record_payments, settings)
inbox = ack_inbox(settings.exchange_dir)


async def read_acknowledgements() -> None:
    await (await build_worker(app, settings)).lifecycle.post_inbox(inbox)


app.timer(interval=settings.poll_seconds, on_leader=True)(guarded("claims-acknowledgements", read_acknowledgements))


if __name__ == "__main__":
    run_worker(app, SERVICE, settings)
