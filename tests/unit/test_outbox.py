"""The in-memory outbox store (what every service's unit tests use): a record's events are re-sent
on redelivery only while no marker says the broker acknowledged them."""

from __future__ import annotations

import asyncio

import pytest

from shared.messaging import Outgoing, RecordingPublisher
from shared.outbox import InMemoryOutboxStore, Record
from tests.publishers import BrokerDown, DiesOnce, FailingPublisher
from tests.unit.claims_cases import ClaimsWorld, coded


def records(count: int, prefix: str = "k", value: str = "{}") -> list[Record]:
    return [({"_id": f"{prefix}{n}"}, [Outgoing(topic="t", key=f"{prefix}{n}", value=value)]) for n in range(count)]


def keys(publisher: RecordingPublisher) -> list[str]:
    return sorted(message.key for message in publisher.sent)


def test_new_records_are_published_once_and_a_redelivery_re_sends_nothing() -> None:
    store, first, again = InMemoryOutboxStore(), RecordingPublisher(), RecordingPublisher()
    inserted = asyncio.run(store.save_and_publish(records(3), first))
    redelivered = asyncio.run(store.save_and_publish(records(3), again))
    assert inserted == {"k0", "k1", "k2"} and redelivered == set()
    assert keys(first) == ["k0", "k1", "k2"] and again.sent == []


def test_a_record_saved_but_never_published_is_re_sent_exactly_once() -> None:
    store, publisher = InMemoryOutboxStore(), RecordingPublisher()
    asyncio.run(store.save(records(2)))  # the worker died before publishing
    asyncio.run(store.save_and_publish(records(2), publisher))
    asyncio.run(store.save_and_publish(records(2), publisher))
    assert keys(publisher) == ["k0", "k1"]


def test_a_publish_the_broker_never_acknowledged_leaves_the_events_pending() -> None:
    store, publisher = InMemoryOutboxStore(), RecordingPublisher()
    with pytest.raises(BrokerDown):
        asyncio.run(store.save_and_publish(records(1), FailingPublisher()))
    assert asyncio.run(store.marked(["k0"])) == set()
    asyncio.run(store.save_and_publish(records(1), publisher))
    assert keys(publisher) == ["k0"]


def test_a_redelivery_re_sends_the_stored_events_not_the_redelivered_ones() -> None:
    store, publisher = InMemoryOutboxStore(), RecordingPublisher()
    asyncio.run(store.save(records(1, value='{"first": true}')))
    asyncio.run(store.save_and_publish(records(1, value='{"second": true}'), publisher))
    assert [message.value for message in publisher.sent] == ['{"first": true}']


def test_a_batch_mixing_new_published_and_pending_records_sends_only_the_new_and_the_pending() -> None:
    store, publisher = InMemoryOutboxStore(), RecordingPublisher()
    asyncio.run(store.save_and_publish(records(1, "done"), RecordingPublisher()))
    asyncio.run(store.save(records(1, "pending")))
    asyncio.run(store.save_and_publish(records(1, "done") + records(1, "pending") + records(1, "new"), publisher))
    assert keys(publisher) == ["new0", "pending0"]


def test_of_two_records_with_one_id_in_a_batch_only_the_stored_first_is_published() -> None:
    store, publisher = InMemoryOutboxStore(), RecordingPublisher()
    batch = records(1, value='{"n": 1}') + records(1, value='{"n": 2}')
    asyncio.run(store.save_and_publish(batch, publisher))
    assert [message.value for message in publisher.sent] == ['{"n": 1}']


def test_records_without_events_publish_nothing_and_are_not_marked() -> None:
    store, publisher = InMemoryOutboxStore(), RecordingPublisher()
    asyncio.run(store.save_and_publish([({"_id": "held"}, [])], publisher))
    asyncio.run(store.save_and_publish([({"_id": "held"}, [])], publisher))
    assert publisher.sent == [] and store.published == set()


def test_claims_announce_a_dropped_claim_once_after_a_crash_and_never_again() -> None:
    world = ClaimsWorld(publisher=DiesOnce())
    with pytest.raises(BrokerDown):
        world.submit(coded())
    assert len(world.exchange.outbound) == 1 and world.publisher.sent == []
    recovered = world.submit(coded())
    assert [e.claim_id for e in recovered] == [world.record("acme-video:E1").claim_id]
    assert world.submit(coded()) == [] and len(world.exchange.outbound) == 1


def test_claims_announce_a_submitted_claim_once_however_often_it_is_redelivered() -> None:
    world = ClaimsWorld()
    assert len(world.submit(coded())) == 1
    assert world.submit(coded(), coded()) == []
    assert world.store.outbox.published == {"acme-video:E1"}
