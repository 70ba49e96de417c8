"""ICD-10-CM code set adapter over the `simple-icd-10-cm` package (the CMS code set, bundled)."""

from __future__ import annotations

from functools import lru_cache

import simple_icd_10_cm as icd


@lru_cache(maxsize=65536)
def is_billable(code: str) -> bool:
    """Known to the code set and a leaf: only leaf codes may be reported on a claim."""
    return bool(icd.is_valid_item(code) and icd.is_leaf(code))
