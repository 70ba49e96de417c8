"""Asking payers through the clearinghouse: one 270 per coverage, bounded, retried with backoff."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.eligibility.domain.inquiry import Inquiry, render_270
from services.eligibility.handlers.ports import Asking, EligibilityGateway, PayerUnavailable


@dataclass(frozen=True)
class Answer:
    """One inquiry's result: the 271 text, or why there is none after every attempt."""

    inquiry: Inquiry
    inquiry_x12: str
    response_x12: str | None
    attempts: int
    error: str = ""


@dataclass
class PayerAsker:
    gateway: EligibilityGateway
    asking: Asking
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    paused_until: dict[str, datetime] = field(default_factory=dict)

    async def ask_all(self, inquiries: list[Inquiry], now: datetime) -> list[Answer]:
        limit = asyncio.Semaphore(self.asking.concurrency)

        async def one(inquiry: Inquiry) -> Answer:
            async with limit:
                return await self.ask(inquiry, now)

        return list(await asyncio.gather(*(one(inquiry) for inquiry in inquiries)))

    async def ask(self, inquiry: Inquiry, now: datetime) -> Answer:
        x270 = render_270(inquiry, self.asking.sender_id, self.asking.receiver_id, now, self.asking.usage)
        if self.paused_until.get(inquiry.payer_id, now) > now:
            return Answer(inquiry, x270, None, 0, f"payer {inquiry.payer_id} paused after failing; not asked")
        error = ""
        for attempt in range(1, self.asking.attempts + 1):
            try:
                return Answer(inquiry, x270, await self.gateway.exchange(x270, inquiry.payer_id), attempt)
            except PayerUnavailable as failure:
                error = str(failure) or type(failure).__name__
                if attempt < self.asking.attempts:
                    await self.sleep(self.asking.backoff_seconds * 2 ** (attempt - 1))
        self.paused_until[inquiry.payer_id] = now + timedelta(seconds=self.asking.pause_seconds)
        return Answer(inquiry, x270, None, self.asking.attempts, error)
