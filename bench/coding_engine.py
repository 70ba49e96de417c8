"""Pure coding engine throughput on one core: parsed encounters in, coded results out (no I/O).
Also reports parse + code, the work the worker does per record. Figures for closing notes."""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import date

from deploy.ops.synthetic import batch
from services.coding.adapters.icd10 import is_billable
from services.coding.domain.engine import code_encounter
from services.coding.domain.rules import load_rules
from shared.contracts.encounter import EncounterCompleted


def main(count: int) -> None:
    rules, raw = load_rules(), batch(count, seed=11, start=date(2026, 3, 2))
    started = time.perf_counter()
    encounters = [EncounterCompleted.model_validate(item) for item in raw]
    parsed = time.perf_counter() - started
    for encounter in encounters[:500]:  # warm the ICD-10-CM lookup cache, as a running worker has
        code_encounter(encounter, rules, is_billable)
    started = time.perf_counter()
    results = [code_encounter(encounter, rules, is_billable) for encounter in encounters]
    coded = time.perf_counter() - started
    outcomes = Counter(result.status for result in results)
    print(
        f"coding engine: {count} encounters in {coded:.2f}s = {count / coded:,.0f} encounters/s on one core "
        f"(parse + code {count / (coded + parsed):,.0f}/s); {dict(outcomes)}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
