"""The Grafana dashboards: every panel's query names only metrics the running processes export (a
renamed metric would leave a panel silently empty), and the JSON files are what their builder writes."""

from __future__ import annotations

import json
import re
import runpy
from pathlib import Path

import pytest

from deploy.ops import processes, scrape

pytestmark = pytest.mark.e2e
DASHBOARDS = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "dashboards"
METRIC = re.compile(r"\btelebill_[a-z_]+")
SAMPLE_SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")


def family(name: str) -> str:
    """The metric family a sample name belongs to (`# TYPE` lines name families)."""
    for suffix in SAMPLE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def queried() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(DASHBOARDS.glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel["targets"]:
                for name in METRIC.findall(target["expr"]):
                    found.setdefault(family(name), set()).add(f"{path.name}: {panel['title']}")
    return found


def exported(settings) -> set[str]:  # type: ignore[no-untyped-def]
    """Families as Prometheus's parser names them (a counter without `_total`)."""
    return {
        family.name
        for name in scrape.program_names(settings)
        if processes.pid_of(settings, name) is not None
        for family in scrape.families(settings, name)
    }


def test_every_panel_queries_metrics_the_processes_export(pipeline) -> None:  # type: ignore[no-untyped-def]
    wanted = queried()
    assert len(wanted) >= 10
    missing = {name: sorted(panels) for name, panels in wanted.items() if name not in exported(pipeline)}
    assert missing == {}


def test_the_dashboards_are_what_their_builder_writes(tmp_path: Path) -> None:
    builder = runpy.run_path(str(DASHBOARDS / "build.py"))
    for uid, (title, panels) in builder["DASHBOARDS"].items():
        assert json.loads((DASHBOARDS / f"{uid}.json").read_text()) == builder["dashboard"](uid, title, panels)
