"""The HTTP clearinghouse adapter against the simulator's real-time process: answers, a payer that
times out, wrong credentials, and a stopped clearinghouse are told apart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from deploy.ops import processes
from services.eligibility.adapters.clearinghouse import HttpEligibilityGateway
from services.eligibility.domain.inquiry import inquiry_for, render_270
from services.eligibility.domain.response import parse_271
from services.eligibility.handlers.ports import PayerUnavailable
from shared.contracts.encounter import EncounterCompleted
from tests.conftest import example

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def realtime(settings):  # type: ignore[no-untyped-def]
    process = next(p for p in processes.pipeline_processes(settings) if p.name == "clearinghouse-rt")
    started = processes.pid_of(settings, process.name) is None
    processes.start(settings, process)
    processes.wait_ready(settings, process, 0)
    yield settings
    if started:
        processes.stop(settings, process.name)


def x270(payer_id: str = "87726") -> str:
    data = example("02-commercial-audio-only-home.json")
    data["coverage"]["payer_id"] = payer_id
    now = datetime.now(UTC)
    return render_270(
        inquiry_for(EncounterCompleted.model_validate(data), ("30", "98"), now), "LONESTARTH", "SIMCLEARING", now
    )


def exchange(settings, payer_id: str, timeout: float = 2.0, password: str | None = None) -> str:  # type: ignore[no-untyped-def]
    async def go() -> str:
        gateway = HttpEligibilityGateway(
            settings.gateway_url,
            settings.eligibility_gateway_user,
            password or settings.eligibility_gateway_password,
            timeout,
        )
        try:
            return await gateway.exchange(x270(payer_id), payer_id)
        finally:
            await gateway.close()

    return asyncio.run(go())


def test_a_270_over_http_comes_back_as_a_271_for_the_member(realtime) -> None:  # type: ignore[no-untyped-def]
    response = parse_271(exchange(realtime, "87726"))
    assert response.patient is not None and response.patient.member_id == "W123456789"
    assert any(b.info == "B" and b.amount_cents == 2500 for b in response.patient.benefits)


def test_a_payer_that_does_not_answer_in_time_is_unavailable(realtime) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PayerUnavailable, match="no answer within 0.5s"):
        exchange(realtime, "SLOWPAY", timeout=0.5)


def test_wrong_credentials_are_unavailable_with_the_status_said(realtime) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PayerUnavailable, match="401"):
        exchange(realtime, "87726", password="wrong")


def test_a_stopped_clearinghouse_is_unavailable(settings) -> None:  # type: ignore[no-untyped-def]
    nothing_there = settings.model_copy(update={"eligibility_gateway_url": "http://127.0.0.1:9/x12/270"})
    with pytest.raises(PayerUnavailable, match="cannot reach"):
        exchange(nothing_there, "87726")
