"""`telebill rebuild-read-model`: the ops read model dropped and read again from the topics ends
exactly where it was, while the pipeline itself is not touched."""

from __future__ import annotations

import io
import time

import pytest
from rich.console import Console

from deploy.ops.client import ops_client, post_events
from deploy.ops.read_model import rebuild
from deploy.ops.synthetic import batch
from deploy.ops.tracking import Tracker
from tests.e2e.conftest import read_model_settled
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


def test_a_rebuilt_read_model_ends_where_it_was(pipeline) -> None:  # type: ignore[no-untyped-def]
    events = batch(20, seed=int(time.time()), prefix=f"REBUILD-{time.time_ns()}-")
    status, body = post_events(events, settings=pipeline)
    assert status == 202, body
    keys = [item["key"] for item in body["accepted"]]
    Tracker(pipeline).wait(keys, timeout=180)
    with ops_client(pipeline) as api:
        before = read_model_settled(api)["states"]
        trail = api.get(f"/v1/encounters/{keys[0]}/trail").json()
        assert rebuild(pipeline, Console(file=io.StringIO())) == 0
        # A trail is read from the database itself; the states come through the API's shared reading
        # (reused for 5 s) and its lag through a broker reading (10 s): first the trail, then the states.
        eventually(lambda: api.get(f"/v1/encounters/{keys[0]}/trail").json() == trail, 300, "the trail", every=2)
        eventually(lambda: api.get("/v1/pipeline").json()["states"] == before, 300, "the states", every=2)
