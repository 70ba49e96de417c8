"""`telebill code FILE.json [--policy-dir DIR]`: code one encounter-completed event, print one JSON object.

Exit 0 for coded or held, 2 for input that breaks the contract (every problem on stderr), 3 for
payer policies that do not load.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from services.coding.adapters.icd10 import is_billable
from services.coding.domain.engine import code_encounter
from services.coding.domain.model import CodingResult
from services.coding.domain.records import line_fields
from services.coding.domain.rules import RuleFileError, load_rules
from shared.contracts.encounter import EncounterCompleted

CONTRACT_BROKEN, POLICY_BROKEN = 2, 3


def read_encounter(path: Path) -> EncounterCompleted | list[str]:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as error:
        return [f"{path}: cannot read: {error}"]
    except json.JSONDecodeError as error:
        return [f"{path}: not JSON: {error}"]
    try:
        return EncounterCompleted.model_validate(data)
    except ValidationError as error:
        return [f"{path}: {'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in error.errors()]


def as_output(encounter: EncounterCompleted, result: CodingResult) -> dict[str, Any]:
    return {
        "encounter_id": encounter.encounter.encounter_id,
        "status": result.status,
        "place_of_service": result.place_of_service,
        "lines": [{k: v for k, v in line_fields(line).items() if k != "source"} for line in result.lines],
        "diagnoses": list(result.diagnoses),
        "holds": [{"reason": hold.reason, "message": hold.message} for hold in result.holds],
    }


def run(path: Path, policy_dir: Path | None) -> int:
    try:
        rules = load_rules(policy_dir=policy_dir)
    except RuleFileError as error:
        print(f"payer policies: {error}", file=sys.stderr)
        return POLICY_BROKEN
    encounter = read_encounter(path)
    if isinstance(encounter, list):
        print("\n".join(encounter), file=sys.stderr)
        return CONTRACT_BROKEN
    print(json.dumps(as_output(encounter, code_encounter(encounter, rules, is_billable))))
    return 0
