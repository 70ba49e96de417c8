"""Every pipeline topic and every dead-letter topic → the ops read model (one agent per topic, one
projection per process). What ops cannot read goes to its own dead-letter topic, never back into the
pipeline's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import faust
from pydantic import BaseModel

from services.ops.bootstrap import build_worker
from services.ops.domain import facts
from services.ops.handlers.ports import SERVICE
from shared.contracts.events import DeadLetter
from shared.settings import Settings, get_settings
from shared.streaming import BatchHandler, add_agent, make_app, run_worker
from shared.topics import (
    CLAIM_CODED,
    CLAIM_SUBMITTED,
    COVERAGE_VERIFIED,
    ENCOUNTER_COMPLETED,
    OPS_DEAD_LETTERS,
    PAYMENT_POSTED,
    PIPELINE,
)

CONSUMES, PRODUCES = PIPELINE, ()  # every topic and its dead letters; what it cannot read goes to ops.dlq
Reader = Callable[[Any], facts.Keyed]
READERS: dict[str, Reader] = {
    ENCOUNTER_COMPLETED.name: facts.received,
    COVERAGE_VERIFIED.name: facts.verified,
    CLAIM_CODED.name: facts.coded,
    CLAIM_SUBMITTED.name: facts.submitted,
    PAYMENT_POSTED.name: facts.posted,
}


def projecting(read: Reader) -> Callable[[faust.App, Settings], Any]:
    async def build(app: faust.App, settings: Settings) -> BatchHandler:
        projection = await build_worker(app, settings)

        async def handle(events: list[Any]) -> None:
            await projection.project([read(event) for event in events])

        return handle

    return build


def ops_app(settings: Settings) -> faust.App:
    app = make_app(SERVICE, settings)
    batch = (settings.ops_batch_size, settings.ops_batch_seconds)
    for topic in PIPELINE:
        model: type[BaseModel] = topic.model
        add_agent(app, SERVICE, topic.name, model, projecting(READERS[topic.name]), settings, batch, OPS_DEAD_LETTERS)
        add_agent(
            app, SERVICE, topic.dlq, DeadLetter, projecting(facts.dead_lettered), settings, batch, OPS_DEAD_LETTERS
        )
    return app


settings = get_settings()
app = ops_app(settings)


@app.on_partitions_revoked.connect
def forget_remembered_trails(app: Any, /, *_: Any, signal: Any, **__: Any) -> None:
    """Partitions may move to another instance, which then writes their trails: what this process
    remembers of them would be stale."""
    if build_worker.built is not None:
        build_worker.built.remembered.forget()


if __name__ == "__main__":
    run_worker(app, SERVICE, settings)
