"""Fixtures shared by the three test layers.

Integration and e2e tests run against a real Kafka broker and a real MongoDB-wire server:
testcontainers (official apache/kafka and mongo images) when a Docker engine answers, otherwise
the locally installed Kafka + FerretDB that `deploy/local/infra.sh` starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "shared" / "contracts" / "published" / "examples"  # the project's own worked examples
# The team's reference material beside a checkout: public X12 corpora from other projects and the
# upstream contract. CI has it; a clone of the repository alone does not, and the tests that read it
# skip with this reason.
SHARED = REPO.parent / "shared"
X12_SAMPLES = SHARED / "x12-samples"
ABSENT = f"reads the public X12 corpora beside the checkout, and {X12_SAMPLES} is absent (a clone alone has none)"
needs_x12_corpus = pytest.mark.skipif(not X12_SAMPLES.is_dir(), reason=ABSENT)


def corpus_files(folder: Path, pattern: str) -> list[Path]:
    """The files of a public corpus folder, or none when the corpora are not beside the checkout."""
    return sorted(folder.glob(pattern)) if folder.is_dir() else []


def docker_answers() -> bool:
    try:
        import docker

        return bool(docker.from_env(timeout=3).ping())
    except Exception:  # noqa: BLE001 - any failure means "no engine here"
        return False


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[dict[str, str]]:
    if docker_answers():
        yield from containers()
        return
    subprocess.run(["bash", str(REPO / "deploy" / "local" / "infra.sh"), "up"], check=True)
    yield {
        "TELEBILL_KAFKA_BOOTSTRAP": os.environ.get("TELEBILL_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
        "TELEBILL_MONGO_URL": os.environ.get("TELEBILL_MONGO_URL", "mongodb://127.0.0.1:27017/"),
    }


def containers() -> Iterator[dict[str, str]]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.mongodb import MongoDbContainer

    with KafkaContainer("apache/kafka:3.9.1").with_kraft() as kafka, MongoDbContainer("mongo:7") as mongo:
        env = {
            "TELEBILL_KAFKA_BOOTSTRAP": kafka.get_bootstrap_server(),
            "TELEBILL_MONGO_URL": mongo.get_connection_url(),
        }
        os.environ.update(env)
        yield env


@pytest.fixture(scope="session")
def settings(infrastructure: dict[str, str]):  # type: ignore[no-untyped-def]
    from shared.kafka import ensure_topics
    from shared.settings import Settings

    live = Settings(
        kafka_bootstrap=infrastructure["TELEBILL_KAFKA_BOOTSTRAP"], mongo_url=infrastructure["TELEBILL_MONGO_URL"]
    )
    ensure_topics(live)
    return live


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())
