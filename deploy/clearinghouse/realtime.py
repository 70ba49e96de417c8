"""The simulator's real-time endpoint: POST a 270, get the payer's 271 (or a payer's silence).

`SLOWPAY` answers after `slow_seconds` (longer than any sane client timeout); `BUSYPAY` answers
AAA 42. Stop this process and every payer is unreachable: that is the outage the tests replay.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import PlainTextResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from prometheus_client import Counter, make_asgi_app

from deploy.clearinghouse.eligibility import Roster, answer_270, read_270
from shared.settings import get_settings

INQUIRIES = Counter("telebill_clearinghouse_inquiries_total", "270 inquiries answered", ["payer", "behaviour"])
basic = HTTPBasic()


def authorised(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]) -> None:
    settings = get_settings()
    user_ok = hmac.compare_digest(credentials.username, settings.eligibility_gateway_user)
    password_ok = hmac.compare_digest(credentials.password, settings.eligibility_gateway_password)
    if not (user_ok and password_ok):
        raise HTTPException(status_code=401, detail="bad clearinghouse credentials")


def create_app(roster: Roster | None = None, slow_seconds: float = 30.0) -> FastAPI:
    app = FastAPI(title="telebill clearinghouse simulator (real-time eligibility)")
    payers, numbers = roster or Roster.load(), itertools.count(1)

    @app.post("/x12/270", dependencies=[Depends(authorised)], response_class=PlainTextResponse)
    async def inquiry(request: Request) -> PlainTextResponse:
        body = (await request.body()).decode(errors="replace")
        try:
            payer_id = read_270(body).payer_id
        except (ValueError, KeyError, IndexError) as error:
            raise HTTPException(status_code=400, detail=f"unreadable 270: {error}") from error
        behaviour = payers.behaviour(payer_id)
        INQUIRIES.labels(payer_id, behaviour).inc()
        if behaviour == "timeout":
            await asyncio.sleep(slow_seconds)
        return PlainTextResponse(
            answer_270(body, payers, next(numbers) % 999_999_999), media_type="application/EDI-X12"
        )

    @app.get("/readyz")
    def readyz() -> dict[str, bool]:
        return {"ready": True}

    app.mount("/metrics", make_asgi_app())
    return app
