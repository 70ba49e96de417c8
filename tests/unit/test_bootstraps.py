"""Every service's composition root has one shape: `build_worker` builds one frozen object once per
process (`shared.once.once_per_process`), and its API is made of one frozen object too."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from shared.once import OncePerProcess

SERVICES = sorted(path.parent.name for path in (Path(__file__).parents[2] / "services").glob("*/bootstrap.py"))
WORKERS = [
    name for name in SERVICES if (Path(__file__).parents[2] / "services" / name / "entrypoints" / "worker.py").exists()
]


def built_by(module: ModuleType, function: Callable[..., object]) -> type:
    """The class a builder is annotated to return, found by name in its module (annotations are
    strings here; evaluating the others would import faust's lazily loaded classes)."""
    returned = getattr(module, function.__annotations__["return"])
    assert isinstance(returned, type), f"{function} returns {returned}"
    return returned


# imported while collecting, as the other unit modules import theirs (faust's lazy imports do not
# finish inside a running test)
BOOTSTRAPS = {name: importlib.import_module(f"services.{name}.bootstrap") for name in SERVICES}


@pytest.mark.parametrize("service", WORKERS)
def test_a_worker_builds_one_frozen_object_once_per_process(service: str) -> None:
    bootstrap = BOOTSTRAPS[service]
    assert isinstance(bootstrap.build_worker, OncePerProcess)
    assert is_frozen(built_by(bootstrap, bootstrap.build_worker.build))


@pytest.mark.parametrize("service", SERVICES)
def test_an_api_is_made_of_one_frozen_object(service: str) -> None:
    bootstrap = BOOTSTRAPS[service]
    builder = getattr(bootstrap, "build_api", None) or bootstrap.build  # ingest's API is all it has
    assert is_frozen(built_by(bootstrap, builder))


def is_frozen(product: type) -> bool:
    return dataclasses.is_dataclass(product) and bool(product.__dataclass_params__.frozen)  # type: ignore[attr-defined]


def test_every_service_with_a_worker_is_checked() -> None:
    assert set(WORKERS) == {"claims", "coding", "eligibility", "ops", "remittance"}
