"""What the pipeline asks the database per encounter, counted by every process (command monitoring,
by the shape of each filter): each query is a lookup by a text `_id` (an index search, on FerretDB
too) or reads a collection whose size is bounded by open work, never by stored history."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from deploy.ops import processes, scrape
from deploy.ops.client import post_events
from deploy.ops.synthetic import batch
from deploy.ops.tracking import Tracker, stage_counts
from services.claims.domain.lifecycle import ADJUDICATED
from shared.mongo import sync_database
from shared.settings import Settings
from tests.eventually import eventually

pytestmark = pytest.mark.e2e
AFTER_PAYMENT = {*ADJUDICATED, "reversed"}
Shape = tuple[str, str, str]  # collection, command, shape
QUERIES = {"find", "update", "delete", "findAndModify", "count", "aggregate", "distinct"}
LOOKUP = "{_id=str}"
BOUNDED: dict[Shape, str] = {  # why reading the whole collection does not grow with history
    ("drops_pending", "find", "{}"): "interchanges stored but not yet handed to the clearinghouse",
    ("interchanges", "find", "{} sort _id"): "once per process start, for the last control number",
    ("interchanges", "find", "{_id:$type}"): "once per process start: numeric ids stored by older versions",
    ("interchanges", "delete", "{_id:$in}"): "the same, once moved",
    ("drops_pending", "find", "{_id:$type}"): "the same",
    ("drops_pending", "delete", "{_id:$in}"): "the same",
    ("waiting", "find", "{}"): "encounters waiting for a person or a payer's answer",
    ("waiting", "find", "{kind=str}"): "the same, by kind",
    ("waiting", "delete", "{_id:$in}"): "the same, once resolved",
    ("unmatched", "find", "{}"): "835 claims not matched to a submission yet",
    ("unmatched", "delete", "{_id:$in}"): "the same, once matched",
    ("held", "find", "{}"): "the coders' open holds",
    ("worklist", "find", "{status=str}"): "claims waiting for a person",
    ("accepted", "find", "{accepted_at:$lt}"): "ingest keys within the replay window; older ones are deleted",
    ("accepted", "delete", "{_id:$in}"): "the same clean-up",
}

# The ops read model's API is no part of the pipeline's path: its dashboard queries run every few
# seconds whatever the traffic, each over a field it indexes (MongoTrailStore.ensure_indexes).
READ_SIDE = {"ops-api"}


def shape_counts(settings: Settings) -> Counter[tuple[str, Shape]]:
    counts: Counter[tuple[str, Shape]] = Counter()
    for name in scrape.program_names(settings):
        for family in scrape.families(settings, name):
            if family.name == "telebill_db_command_shape_seconds":
                for sample in family.samples:
                    if sample.name.endswith("_count"):
                        shape = (sample.labels["collection"], sample.labels["command"], sample.labels["shape"])
                        counts[(processes.service_instance(name)[0], shape)] += int(sample.value)
    return counts


def test_every_query_of_the_pipeline_is_an_id_lookup_or_reads_only_open_work(pipeline) -> None:  # type: ignore[no-untyped-def]
    before = shape_counts(pipeline)
    events = batch(60, seed=int(time.time()), prefix=f"HOT-{time.time_ns()}-")
    tracker = Tracker(pipeline)
    status, body = post_events(events, settings=pipeline)
    assert status == 202, body
    found = tracker.wait([item["key"] for item in body["accepted"]], timeout=180, late_payments=False)
    posted = [key for key, outcome in found.items() if outcome.stage == "posted"]
    claims = sync_database(pipeline, "claims")["claims"]
    eventually(  # the claims lifecycle follows the payments a moment behind
        lambda: {d["status"] for d in claims.find({"_id": {"$in": posted}}, {"status": 1})},
        lambda statuses: bool(statuses) and statuses <= AFTER_PAYMENT,
        timeout=60,
        what="the claims of the posted encounters following their payments",
    )
    used = shape_counts(pipeline) - before

    assert stage_counts(found)["posted"] > 0 and "in_flight" not in stage_counts(found)
    queries = {(service, shape) for service, shape in used if shape[1] in QUERIES and service not in READ_SIDE}
    assert any(shape[2] == LOOKUP for _, shape in queries)
    unbounded = sorted((service, shape) for service, shape in queries if shape[2] != LOOKUP and shape not in BOUNDED)
    assert unbounded == [], "queries that are neither a text _id lookup nor over open work"
