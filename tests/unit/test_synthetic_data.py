"""The demo's synthetic encounters are data a real practice could send: a claim the demo stops must be
stopped for a reason the demo means to show, never for a typo in the generator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from deploy.ops.synthetic import batch
from services.claims.domain.scrubber import npi_valid


def npis(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("npi") and isinstance(item, str):
                yield f"{path}.{key}", item
            else:
                yield from npis(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from npis(item, path)


def test_every_npi_in_a_synthetic_batch_passes_the_scrubbers_check_digit() -> None:
    found = {(path, npi) for encounter in batch(2000) for path, npi in npis(encounter)}
    assert {path for path, _ in found} >= {".billing_provider.npi", ".rendering_provider.npi"}
    assert sorted((path, npi) for path, npi in found if not npi_valid(npi)) == []
