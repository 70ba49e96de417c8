"""`claim-submitted` → expect a payment; 835 files in the inbound folder → `payment-posted`."""

import asyncio

from services.remittance.adapters.inbox import EraInbox
from services.remittance.bootstrap import build_posting
from services.remittance.handlers import SERVICE
from shared.contracts.events import ClaimSubmitted
from shared.metrics import serve_metrics
from shared.settings import get_settings
from shared.streaming import worker_app
from shared.topics import CLAIM_SUBMITTED


async def record_submissions(app, settings):  # type: ignore[no-untyped-def]
    return (await build_posting(app, settings)).record_submissions


settings = get_settings()
app = worker_app(SERVICE, CLAIM_SUBMITTED.name, ClaimSubmitted, record_submissions, settings)
inbox = EraInbox(settings.exchange_dir)
posting = None


@app.timer(interval=settings.poll_seconds, on_leader=True)
async def post_waiting_remittances() -> None:
    global posting
    posting = posting or await build_posting(app, settings)
    for path in inbox.waiting():
        outcome = await posting.post_file(path.name, await asyncio.to_thread(path.read_text))
        inbox.archive_file(path, outcome)
    await posting.rematch_parked()


if __name__ == "__main__":
    serve_metrics(SERVICE, settings.metrics_base_port, settings.metrics_host)
    app.main()
