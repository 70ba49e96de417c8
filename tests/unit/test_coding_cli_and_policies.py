"""`telebill code` as a contract, and payer policies as validated data a practice can add to."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
from pathlib import Path

import pytest
import yaml

from services.coding.domain.rules import RULES_DIR, RuleFileError, load_rules
from services.coding.entrypoints.cli import run
from tests.conftest import EXAMPLES
from tests.unit.coding_cases import changed

LINE_KEYS = {"code", "modifiers", "units", "diagnosis_pointers", "date_of_service", "rule", "explanation"}
ACME = RULES_DIR / "payer_examples" / "acme-health.yaml"


def telebill_code(*args: str) -> subprocess.CompletedProcess[str]:
    """The command in process (the code set takes 1.5 s to load per process); see the test below for the real one."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        policy_dir = Path(args[2]) if len(args) > 2 and args[1] == "--policy-dir" else None
        status = run(Path(args[0]), policy_dir)
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


def test_every_valid_example_prints_exactly_one_json_object_of_the_contract_shape() -> None:
    for path in sorted(EXAMPLES.glob("0*.json")):
        done = telebill_code(str(path))
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert set(out) == {"encounter_id", "status", "place_of_service", "lines", "diagnoses", "holds"}
        assert out["status"] in {"coded", "held"}
        assert all(set(line) == LINE_KEYS for line in out["lines"])


def test_a_held_encounter_exits_zero_with_its_holds(tmp_path: Path) -> None:
    path = tmp_path / "held.json"
    path.write_text(json.dumps(changed("01-medicare-video-home-established.json", {"encounter.diagnoses": ["E11"]})))
    done = telebill_code(str(path))
    out = json.loads(done.stdout)
    assert done.returncode == 0 and out["status"] == "held" and out["lines"] == []
    assert out["holds"] == [
        {"reason": "diagnosis_not_billable", "message": "ICD-10-CM E11 is unknown or not a billable (leaf) code"}
    ]


def test_input_that_breaks_the_contract_exits_2_listing_every_problem() -> None:
    done = telebill_code(str(EXAMPLES / "90-invalid-several-errors.json"))
    assert done.returncode == 2 and done.stdout == ""
    for field in ("event_id", "encounter.modality", "encounter.diagnoses.1", "patient.birth_date", "unexpected"):
        assert f": {field}:" in done.stderr


@pytest.mark.parametrize("content", ["{not json", "[]", '"text"'])
def test_unreadable_input_exits_2(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert telebill_code(str(path)).returncode == 2
    assert telebill_code(str(tmp_path / "missing.json")).returncode == 2


def test_a_practice_policy_directory_changes_the_coding(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(ACME.read_text())
    path = tmp_path / "acme-visit.json"
    path.write_text(
        json.dumps(
            changed(
                "01-medicare-video-home-established.json",
                {"coverage.plan_type": "commercial", "coverage.payer_id": "ACMEH"},
            )
        )
    )
    default, practice = (
        json.loads(telebill_code(str(path)).stdout),
        json.loads(telebill_code(str(path), "--policy-dir", str(tmp_path)).stdout),
    )
    assert (default["lines"][0]["code"], default["lines"][0]["modifiers"]) == ("99213", ["95"])
    assert (practice["lines"][0]["code"], practice["lines"][0]["modifiers"]) == ("98005", [])


def broken_policy(tmp_path: Path, **changes: object) -> Path:
    policy = yaml.safe_load(ACME.read_text()) | changes
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(policy))
    return tmp_path


def test_a_broken_policy_names_the_file_and_every_problem(tmp_path: Path) -> None:
    directory = broken_policy(
        tmp_path, video_modifier="GT", prolonged_code="99999", telemedicine_codes="maybe", source=""
    )
    with pytest.raises(RuleFileError) as error:
        load_rules(policy_dir=directory)
    message = str(error.value)
    assert "broken.yaml" in message
    for field in ("video_modifier", "prolonged_code", "telemedicine_codes", "source"):
        assert field in message


def test_the_cli_refuses_a_broken_policy_directory_with_exit_3(tmp_path: Path) -> None:
    directory = broken_policy(tmp_path, effective={"from": "2026-01-01", "to": "2025-01-01"})
    done = telebill_code(str(EXAMPLES / "01-medicare-video-home-established.json"), "--policy-dir", str(directory))
    assert done.returncode == 3 and "before 'from'" in done.stderr


def test_policies_that_match_no_payer_and_empty_directories_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="no payer policy files"):
        load_rules(policy_dir=tmp_path)
    with pytest.raises(RuleFileError, match="matches no payer_ids and no plan_types"):
        load_rules(policy_dir=broken_policy(tmp_path, payer_ids=[]))


def test_a_practice_file_replaces_the_shipped_policy_of_the_same_name(tmp_path: Path) -> None:
    policy = yaml.safe_load((RULES_DIR / "payers" / "medicare.yaml").read_text()) | {"video_modifier": None}
    (tmp_path / "medicare.yaml").write_text(yaml.safe_dump(policy))
    rules = load_rules(policy_dir=tmp_path)
    assert [p.video_modifier for p in rules.policies if p.payer == "medicare"] == [None]
