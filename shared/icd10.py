"""The ICD-10-CM code set (CMS, bundled by the `simple-icd-10-cm` package), shared by the services
that must check diagnoses: coding picks them, claims scrubs them before anything leaves."""

from __future__ import annotations

from functools import lru_cache

import simple_icd_10_cm as icd


@lru_cache(maxsize=65536)
def is_billable(code: str) -> bool:
    """Known to the code set and a leaf: only leaf codes may be reported on a claim."""
    return bool(icd.is_valid_item(code) and icd.is_leaf(code))
