"""The stranded-payment case that reconcile exists for: remittance's offsets ran past a
`claim-submitted` it never stored (as faust's own acknowledgement once made them do), so the payer's
835 for that claim is parked unmatched. `telebill reconcile --redrive` finds the parked claim whose
claim exists, has claims announce it again, and the payment is posted, once."""

from __future__ import annotations

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata
from typer.testing import CliRunner

from deploy.ops import processes
from deploy.ops.cli import app
from deploy.ops.client import post_events
from shared.kafka import consumer_group
from shared.topics import CLAIM_SUBMITTED
from tests.conftest import example
from tests.e2e.conftest import ops_api, renamed
from tests.waiting import eventually

REMITTANCE_GROUP = consumer_group("remittance")


def skip_remittance_past_the_end(bootstrap: str) -> None:
    """Commit remittance's offsets on `claim-submitted` at the end: consumed, with no effect."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    partitions = [TopicPartition(CLAIM_SUBMITTED.name, p) for p in consumer.partitions_for_topic(CLAIM_SUBMITTED.name)]
    ends = consumer.end_offsets(partitions)
    consumer.close()
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.alter_group_offsets(REMITTANCE_GROUP, {p: OffsetAndMetadata(ends[p], "", -1) for p in partitions})
    finally:
        admin.close()


def test_reconcile_re_drives_a_payment_stranded_by_offsets_that_ran_ahead(pipeline, watch_factory, unique) -> None:  # type: ignore[no-untyped-def]
    settings = pipeline
    remittance = next(p for p in processes.pipeline_processes(settings) if p.name == "remittance")
    event = renamed(example("01-medicare-video-home-established.json"), unique)
    key = f"{event['source']}:{event['encounter']['encounter_id']}"
    submitted, posted = watch_factory("claim-submitted"), watch_factory("payment-posted")

    def mine(value: dict, _: bytes | None) -> bool:
        return value["correlation_id"] == key

    processes.stop(settings, "remittance")
    try:
        assert post_events([event], settings=settings)[0] == 202
        [claim] = submitted.collect(mine, 1)
        eventually(lambda: try_skip(settings.kafka_bootstrap), 60, "remittance's group is empty and skipped ahead")
    finally:
        log = processes.log_path(settings, "remittance")
        since = log.stat().st_size if log.exists() else 0
        processes.start(settings, remittance)
        processes.wait_ready(settings, remittance, since)

    with ops_api(settings, settings.remittance_api_port) as api:

        def parked() -> bool:
            entries = api.get("/v1/reconcile/parked").json()["parked"]
            return any(entry["patient_control_number"] == claim["patient_control_number"] for entry in entries)

        eventually(parked, 120, "the payer's 835 for the claim is parked unmatched")
    assert posted.collect(mine, 1, timeout=5) == []  # stranded: nothing posted

    result = CliRunner().invoke(app, ["reconcile", "--older-than", "1s", "--redrive"])
    assert "parked" in result.output.lower(), result.output
    payments = posted.collect(mine, 1, timeout=90)
    payments += posted.collect(mine, 10, timeout=5)
    assert len({(p["era_trace_number"], p["claim_id"]) for p in payments}) == 1


def try_skip(bootstrap: str) -> bool:
    try:
        skip_remittance_past_the_end(bootstrap)
    except Exception:  # noqa: BLE001 - the group still has a member leaving: try again
        return False
    return True
