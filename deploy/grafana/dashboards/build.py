"""Writes the Grafana dashboards beside this file from the panel lists below (run it after a change:
`python deploy/grafana/dashboards/build.py`); `tests/e2e/test_dashboards.py` checks that every
query names a metric the running processes export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
Panel = tuple[str, str, str]  # title, PromQL, unit

DASHBOARDS: dict[str, tuple[str, list[Panel]]] = {
    "pipeline-health": (
        "telebill: pipeline health",
        [
            (
                "Events consumed per second, by service",
                "sum by (service) (rate(telebill_events_consumed_total[1m]))",
                "ops",
            ),
            ("Consumer lag, by group and topic", "sum by (group, topic) (telebill_consumer_lag)", "short"),
            (
                "Dead letters per minute, by topic",
                "sum by (topic) (rate(telebill_dead_letters_total[5m])) * 60",
                "short",
            ),
            ("Processes not ready", "count(telebill_ready == 0) or vector(0)", "short"),
            (
                "Batch time p95, by service",
                "histogram_quantile(0.95, sum by (le, service) (rate(telebill_batch_seconds_bucket[5m])))",
                "s",
            ),
            (
                "Database time per second, by collection",
                "sum by (collection) (rate(telebill_db_command_shape_seconds_sum[5m]))",
                "s",
            ),
            ("Oldest database command waiting", "max by (service) (telebill_db_oldest_command_seconds)", "s"),
            (
                "API requests per second, by API and status",
                "sum by (api, status) (rate(telebill_http_requests_total[5m]))",
                "reqps",
            ),
            ("Ingest: accepted and rejected per minute", "sum(rate(telebill_ingest_accepted_total[5m])) * 60", "short"),
            (
                "Timer rounds that failed (15 min)",
                "sum by (timer) (increase(telebill_timer_failures_total[15m]))",
                "short",
            ),
        ],
    ),
    "worklists": (
        "telebill: worklists",
        [
            (
                "Holds in the last hour, by service and reason",
                "sum by (service, reason) (increase(telebill_holds_total[1h]))",
                "short",
            ),
            (
                "Holds resolved in the last hour, by service",
                "sum by (service) (increase(telebill_holds_resolved_total[1h]))",
                "short",
            ),
            ("Dead letters so far, by topic", "sum by (topic) (telebill_dead_letters_total)", "short"),
            ("Ingest rejections in the last hour", "sum(increase(telebill_ingest_rejected_total[1h]))", "short"),
            ("Worklist depth, by kind (ops read model)", "sum by (kind) (telebill_worklist_items)", "short"),
            ("Worklist depth, by owning service", "sum by (owner) (telebill_worklist_items)", "short"),
            ("Encounters by current state", "sum by (state) (telebill_encounters)", "short"),
        ],
    ),
    "revenue-cycle": (
        "telebill: revenue cycle",
        [
            (
                "Billed, paid and outstanding (visits of the last 30 days)",
                'sum by (measure) (telebill_money_dollars{measure=~"billed|paid|outstanding|written_off"})',
                "currencyUSD",
            ),
            ("Outstanding A/R, by aging bucket", "sum by (bucket) (telebill_ar_dollars)", "currencyUSD"),
            ("Outstanding A/R, by payer", "sum by (payer) (telebill_ar_dollars)", "currencyUSD"),
            (
                "Paid, by payer (visits of the last 30 days)",
                'sum by (payer) (telebill_money_dollars{measure="paid"})',
                "currencyUSD",
            ),
            (
                "Clean-claim, first-pass and net collection rates",
                'telebill_kpi{kpi=~"clean_claim_rate|first_pass_acceptance_rate|net_collection_rate"}',
                "percentunit",
            ),
            ("Days in A/R", 'telebill_kpi{kpi="days_in_ar"}', "d"),
            ("Denial rate, by category", "sum by (category) (telebill_denial_rate)", "percentunit"),
            ("Hours from visit end to submitted and to posted (median, p95)", "telebill_kpi_hours", "h"),
        ],
    ),
}


def panel(number: int, title: str, expr: str, unit: str) -> dict[str, Any]:
    return {
        "id": number,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": "prometheus"},
        "gridPos": {"h": 8, "w": 12, "x": 12 * (number % 2), "y": 8 * (number // 2)},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [{"refId": "A", "expr": expr, "datasource": {"type": "prometheus", "uid": "prometheus"}}],
    }


def dashboard(uid: str, title: str, panels: list[Panel]) -> dict[str, Any]:
    return {
        "uid": f"telebill-{uid}",
        "title": title,
        "tags": ["telebill"],
        "schemaVersion": 39,
        "refresh": "10s",
        "time": {"from": "now-1h", "to": "now"},
        "panels": [panel(n, *p) for n, p in enumerate(panels)],
    }


if __name__ == "__main__":
    for uid, (title, panels) in DASHBOARDS.items():
        (HERE / f"{uid}.json").write_text(json.dumps(dashboard(uid, title, panels), indent=1) + "\n")
