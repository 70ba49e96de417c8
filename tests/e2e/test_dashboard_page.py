"""The built-in dashboard in a real browser: the demo's encounters go through the whole pipeline,
headless Chromium opens the page the ops API serves, waits for its panels, and every figure it shows
equals what the ops API answers at the same quiet moment: stage counts, worklist depths, and aging
buckets that add up to the outstanding A/R. A screenshot is kept under test-artifacts/."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from deploy.ops.client import ops_client
from deploy.ops.demo import dashboard_url, run_demo
from tests.e2e.conftest import read_model_settled

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(os.environ.get("TELEBILL_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))
BROWSER_SECONDS = 180


class Figures(HTMLParser):
    """Every element's data-testid → data-value, the panels' chart count, and how often the page loaded."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.charts = 0
        self.rows: dict[str, int] = {}
        self.ready = 0
        self.table = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("data-testid"):
            self.values[str(found["data-testid"])] = found.get("data-value") or ""
        if tag == "body":
            self.ready = int(found.get("data-ready") or 0)
        if "main-svg" in (found.get("class") or ""):
            self.charts += 1
        if tag == "table":
            self.table = found.get("id") or ""
        if tag == "tr" and self.table:
            self.rows[self.table] = self.rows.get(self.table, 0) + 1


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Debian's chromium package is missing: `make test` installs it (deploy/local/run-tests.sh)"
    return found


def browse(url: str, *extra: str) -> str:
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--window-size=1400,2600", "--virtual-time-budget=30000", *extra, url]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_SECONDS)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def outstanding_of_every_encounter(api: Any) -> int:
    total, page = 0, 1
    while True:
        found = api.get("/v1/encounters", params={"page": page, "page_size": 500}).json()
        total += sum(e["money_cents"]["outstanding"] for e in found["encounters"])
        if page * 500 >= found["total"]:
            return total
        page += 1


def test_the_dashboard_shows_what_the_read_model_answers(pipeline) -> None:  # type: ignore[no-untyped-def]
    settings = pipeline
    # enough claims that some are denied (about 6% are, by the simulated payer's hash of each claim number)
    assert run_demo(settings, 150, Console(file=io.StringIO())) == 0
    with ops_client(settings) as api:
        read_model_settled(api)
        url = dashboard_url(settings)
        page = Figures()
        page.feed(browse(url, "--dump-dom"))
        flow = api.get("/v1/pipeline").json()
        worklist = api.get("/v1/worklist", params={"limit": 1}).json()
        aging = api.get("/v1/aging").json()
        money = api.get("/v1/money").json()
        outstanding = outstanding_of_every_encounter(api)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "dashboard.png"
    browse(url, f"--screenshot={screenshot}")
    assert screenshot.stat().st_size > 10_000

    assert page.ready >= 1, "the page never finished loading its panels"
    shown = page.values
    assert {stage: int(shown[f"stage-{stage}"]) for stage in flow["stages"]} == flow["stages"]
    assert all(flow["stages"][stage] > 0 for stage in ("received", "adjudicated"))
    assert {kind: int(shown[f"depth-{kind}"]) for kind in worklist["depths"]} == worklist["depths"]
    assert worklist["unavailable"] == {}
    assert {b: int(shown[f"aging-{b}"]) for b in aging["buckets"]} == aging["totals"]
    assert int(shown["aging-outstanding"]) == sum(aging["totals"].values()) == aging["outstanding_cents"]
    assert aging["outstanding_cents"] == outstanding  # the buckets hold every encounter's open A/R
    assert int(shown["dead-letters-encounter-completed.dlq"]) >= 1  # the demo's malformed record

    # every panel drew something: 5 charts, worklist rows, lag rows, money rows, KPI tiles
    assert page.charts >= 5
    assert page.rows.get("items", 0) > 1 and page.rows.get("lag", 0) > 1 and page.rows.get("money-table", 0) > 1
    assert shown["kpi-encounters"] not in ("", "0") and shown["kpi-clean-claim-rate"] != ""
    assert sum(map(sum, flow["throughput"].values())) > 0 and worklist["denials_by_category"]
    assert aging["by_payer"] and money["by_payer"]  # the charts' data
