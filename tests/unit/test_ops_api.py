"""The ops API over in-memory adapters: search and trail, the cross-service worklist with each item's
owner, age and action, money and aging that add up, KPIs, the pipeline's flow, the OpenAPI security
scheme, and the dashboard page served with its charting library from the installed package."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi.testclient import TestClient

from services.ops.adapters.memory import FixedBroker, FixedDesks, InMemoryTrailStore
from services.ops.domain.trail import STAGES
from services.ops.domain.worklist import KINDS, Item
from services.ops.entrypoints.api import create_app
from services.ops.handlers.answer_queries import OpsQueries
from services.ops.handlers.project_facts import ProjectFacts
from shared.access import presented_key
from shared.settings import get_settings
from tests.unit.test_ops_projection import SCENARIO, T0

AUTH = {"Authorization": f"Bearer {presented_key(get_settings())}"}
NOW = T0 + timedelta(days=48)
HOLD = Item(
    "coding_hold", "acme:H1", NOW - timedelta(hours=5), "em_level_unsupported", KINDS["coding_hold"].next_action
)


def client(desks: FixedDesks | None = None) -> TestClient:
    store = InMemoryTrailStore()
    asyncio.run(ProjectFacts(store)(SCENARIO))
    broker = FixedBroker({("telebill-claims", "claim-coded"): 7}, {"claim-coded.dlq": 2, "ops.dlq": 0})
    queries = OpsQueries(store, desks or FixedDesks([HOLD]), broker, lambda: NOW)
    return TestClient(create_app(lambda: queries))


PERIOD = {"start": T0.isoformat(), "end": (T0 + timedelta(days=30)).isoformat()}


def test_every_route_wants_the_operators_token_and_openapi_names_the_bearer_scheme() -> None:
    with client() as api:
        for path in ("/v1/encounters", "/v1/worklist", "/v1/money", "/v1/aging", "/v1/kpis", "/v1/pipeline"):
            assert api.get(path).status_code == 401, path
            assert api.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401, path
        schema = api.get("/openapi.json").json()
        assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
        assert all(
            op.get("security") for path, ops in schema["paths"].items() if path.startswith("/v1") for op in ops.values()
        )


def test_search_filters_and_pages_newest_visit_first() -> None:
    with client() as api:
        first = api.get("/v1/encounters", params={"page_size": 3}, headers=AUTH).json()
        assert (first["total"], [e["key"] for e in first["encounters"]]) == (4, ["D", "C", "B"])
        second = api.get("/v1/encounters", params={"page_size": 3, "page": 2}, headers=AUTH).json()
        assert [e["key"] for e in second["encounters"]] == ["A"]
        denied = api.get("/v1/encounters", params={"state": "denied"}, headers=AUTH).json()
        assert [e["key"] for e in denied["encounters"]] == ["B"]
        window = {"visit_from": (T0 + timedelta(days=1)).isoformat(), "visit_to": (T0 + timedelta(days=3)).isoformat()}
        assert [e["key"] for e in api.get("/v1/encounters", params=window, headers=AUTH).json()["encounters"]] == [
            "C",
            "B",
        ]
        assert api.get("/v1/encounters", params={"patient_id": "P-A"}, headers=AUTH).json()["total"] == 1
        assert api.get("/v1/encounters", params={"key": "A"}, headers=AUTH).json()["encounters"][0]["state"] == "paid"


def test_the_trail_lists_each_step_in_time_order() -> None:
    with client() as api:
        trail = api.get("/v1/encounters/A/trail", headers=AUTH).json()
        assert tuple(step["stage"] for step in trail["steps"]) == STAGES
        assert trail["encounter"]["money_cents"]["paid"] == 8000
        assert api.get("/v1/encounters/nope/trail", headers=AUTH).status_code == 404


def test_the_worklist_joins_the_read_models_items_and_the_owners_with_age_and_action() -> None:
    with client() as api:
        found = api.get("/v1/worklist", headers=AUTH).json()
        assert found["depths"]["denial"] == 1 and found["depths"]["coding_hold"] == 1
        assert set(found["depths"]) == set(KINDS)
        assert found["denials_by_category"] == {"coding": 1}
        hold = next(item for item in found["items"] if item["kind"] == "coding_hold")
        assert (hold["owner"], hold["age_hours"]) == ("coding", 5.0)
        assert hold["action"] == f"POST {get_settings().api_url('coding-api')}/v1/holds/acme:H1/resolution"
        assert hold["trail"] == "/v1/encounters/acme:H1/trail"
        denial = next(item for item in found["items"] if item["kind"] == "denial")
        assert denial["action"].endswith("/v1/denials/TRN:B:denied/appeal-packet")
        only = api.get("/v1/worklist", params={"owner": "remittance"}, headers=AUTH).json()
        assert [item["kind"] for item in only["items"]] == ["denial"]
        assert api.get("/v1/worklist", params={"kind": "nonsense"}, headers=AUTH).status_code == 422


def test_an_owner_that_does_not_answer_is_named_not_shown_as_an_empty_list() -> None:
    with client(FixedDesks([], {"coding_hold": "coding-api did not answer: ConnectError"})) as api:
        found = api.get("/v1/worklist", headers=AUTH).json()
        assert found["unavailable"] == {"coding_hold": "coding-api did not answer: ConnectError"}
        assert "coding_hold" not in found["depths"] and found["depths"]["denial"] == 1


def test_money_by_payer_and_aging_add_up_to_the_outstanding() -> None:
    with client() as api:
        money = api.get("/v1/money", params=PERIOD, headers=AUTH).json()
        assert money["totals"]["billed"] == 35000 and money["totals"]["outstanding"] == 5000
        assert money["by_payer"]["MEDICARE-TX"] == money["totals"]
        aging = api.get("/v1/aging", params={"as_of": NOW.isoformat()}, headers=AUTH).json()
        assert aging["totals"]["31-60"] == 5000
        assert sum(aging["totals"].values()) == aging["outstanding_cents"] == money["totals"]["outstanding"]
        backwards = {"start": PERIOD["end"], "end": PERIOD["start"]}
        assert api.get("/v1/money", params=backwards, headers=AUTH).status_code == 422


def test_kpis_over_a_period() -> None:
    with client() as api:
        kpis = api.get("/v1/kpis", params=PERIOD, headers=AUTH).json()
        assert (kpis["encounters"], kpis["clean_claim_rate"], kpis["first_pass_acceptance_rate"]) == (4, 0.75, 0.5)
        assert kpis["hours_to_submitted_median"] == 4.0


def test_the_pipeline_flow_counts_stages_and_names_lag_and_dead_letters() -> None:
    with client() as api:
        flow = api.get("/v1/pipeline", headers=AUTH).json()
        assert flow["stages"] == {"received": 0, "verified": 0, "coded": 1, "submitted": 1, "adjudicated": 2}
        assert flow["lag"] == [{"group": "telebill-claims", "topic": "claim-coded", "lag": 7}]
        assert flow["dead_letters"]["claim-coded.dlq"] == 2
        assert len(flow["minutes"]) == 30 and set(flow["throughput"]) == set(flow["stages"])


def test_the_dashboard_page_and_its_scripts_come_from_the_project_and_installed_packages() -> None:
    with client() as api:
        page = api.get("/")
        assert page.status_code == 200 and "/static/plotly.min.js" in page.text
        assert "http" not in page.text.replace('lang="en"', "")  # nothing fetched from elsewhere
        library = api.get("/static/plotly.min.js")
        assert library.status_code == 200 and "plotly" in library.text[:2000].lower()
        assert api.get("/static/dashboard.js").status_code == 200
        assert api.get("/static/../api.py").status_code == 404
