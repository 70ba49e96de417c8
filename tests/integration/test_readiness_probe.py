"""The readiness probe every ops API answers /readyz with, against the real broker and database."""

from __future__ import annotations

import asyncio

import pytest

from shared.api import dependencies_probe
from shared.settings import Settings

pytestmark = pytest.mark.integration


def test_both_answer_on_the_running_stack(settings: Settings) -> None:
    assert asyncio.run(dependencies_probe(settings, "coding")()) == {"broker": True, "database": True}


def test_a_broker_that_is_not_there_is_named(settings: Settings) -> None:
    elsewhere = settings.model_copy(update={"kafka_bootstrap": "127.0.0.1:1"})
    assert asyncio.run(dependencies_probe(elsewhere, "coding")()) == {"broker": False, "database": True}


def test_a_database_that_is_not_there_is_named(settings: Settings) -> None:
    elsewhere = settings.model_copy(update={"mongo_url": "mongodb://127.0.0.1:1/"})
    assert asyncio.run(dependencies_probe(elsewhere, "coding")()) == {"broker": True, "database": False}
