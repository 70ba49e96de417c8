"""Each worker names the topics it consumes and produces side by side (CONSUMES, PRODUCES in its
worker.py); they agree with the topic registry and with what its use cases publish."""

from __future__ import annotations

import ast
import re

import pytest

from shared.topics import PIPELINE
from tests.conftest import REPO

SERVICES = ["eligibility", "coding", "claims", "remittance", "ops"]
BY_CONSTANT = {name.replace("-", "_").upper(): topic for topic in PIPELINE for name in [topic.name]}


def declared(service: str) -> tuple[set[str], set[str]]:
    """The topic names a worker.py declares, read from its source (importing it would start an app)."""
    tree = ast.parse((REPO / "services" / service / "entrypoints" / "worker.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "(CONSUMES, PRODUCES)":
            consumes, produces = node.value.elts  # type: ignore[attr-defined]
            return names(consumes), names(produces)
    raise AssertionError(f"services/{service}/entrypoints/worker.py does not declare CONSUMES, PRODUCES")


def names(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Name) and node.id == "PIPELINE":
        return {topic.name for topic in PIPELINE}
    return {BY_CONSTANT[element.id].name for element in node.elts}  # type: ignore[attr-defined]


@pytest.mark.parametrize("service", SERVICES)
def test_a_workers_declared_topics_agree_with_the_registry(service: str) -> None:
    consumes, produces = declared(service)
    assert consumes == {topic.name for topic in PIPELINE if service in topic.consumers}
    assert produces == {topic.name for topic in PIPELINE if topic.producer == service}


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_publishes_only_to_the_topics_its_worker_declares(service: str) -> None:
    source = "".join(p.read_text() for p in (REPO / "services" / service).rglob("*.py"))
    published = {BY_CONSTANT[name].name for name in re.findall(r"Outgoing\.of\(([A-Z_]+)\.name", source)}
    assert published == declared(service)[1]
