"""What the ops API and dashboard ask: encounters, worklists, flow, money, KPIs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.ops.domain.kpis import Kpis, kpis
from services.ops.domain.money import aging, money_by
from services.ops.domain.summary import Search, Summary, summarize
from services.ops.domain.trail import STAGES, Trail
from services.ops.domain.worklist import Item, denials_by_category, depths, oldest_first, read_model_items
from services.ops.handlers.ports import Broker, Desks, ReadModel


@dataclass(frozen=True)
class Worklist:
    items: list[Item]
    depths: dict[str, int]  # every kind but those whose owner did not answer (unknown, not zero)
    denials_by_category: dict[str, int]
    unavailable: dict[str, str]  # kind → why its owner's list could not be read


@dataclass(frozen=True)
class Flow:
    states: dict[str, int]  # encounters by current state
    stages: dict[str, int]  # encounters by furthest stage reached
    throughput: dict[str, list[int]]  # stage → encounters reaching it in each minute of the window
    minutes: list[datetime]  # the start of each minute
    lag: dict[tuple[str, str], int]
    dead_letters: dict[str, int]


@dataclass(frozen=True)
class OpsQueries:
    """What the ops API and the business gauges answer, read from the read model, the owners'
    worklist APIs and the broker; it changes nothing anywhere."""

    store: ReadModel
    desks: Desks
    broker: Broker
    clock: Callable[[], datetime]

    async def encounters(self, search: Search, page: int, page_size: int) -> tuple[list[Summary], int]:
        return await self.store.search(search, (page - 1) * page_size, page_size)

    async def trail(self, key: str) -> tuple[Trail, Summary] | None:
        found = await self.store.trail(key)
        return (found, summarize(found)) if found else None

    async def worklist(self, kind: str | None = None, owner: str | None = None) -> Worklist:
        owned, unavailable = await self.desks.items()
        every = oldest_first([*read_model_items(await self.store.needing_attention()), *owned])
        chosen = [i for i in every if (kind is None or i.kind == kind) and (owner is None or i.owner == owner)]
        known = {kind: n for kind, n in depths(every).items() if kind not in unavailable}
        return Worklist(chosen, known, denials_by_category(every), unavailable)

    async def money(self, start: datetime, end: datetime) -> dict[tuple[str, str], dict[str, int]]:
        return money_by(await self.store.summaries(Search(visit_from=start, visit_to=end)))

    async def aging(self, as_of: datetime | None = None) -> dict[str, dict[str, int]]:
        return aging(await self.store.outstanding(), as_of or self.clock())

    async def kpis(self, start: datetime, end: datetime) -> Kpis:
        return kpis(await self.store.summaries(Search(visit_from=start, visit_to=end)), start, end)

    async def states(self) -> dict[str, int]:
        return await self.store.state_counts()

    async def flow(self, window_minutes: int = 30) -> Flow:
        now = self.clock().replace(second=0, microsecond=0) + timedelta(minutes=1)
        minutes = [now - timedelta(minutes=window_minutes - n) for n in range(window_minutes)]
        states = await self.store.state_counts()
        recent = await self.store.changed_since(minutes[0])
        return Flow(
            states=states,
            stages=stages_of(states),
            throughput=per_minute(recent, minutes),
            minutes=minutes,
            lag=await self.broker.lag(),
            dead_letters=await self.broker.dead_letters(),
        )


def stages_of(states: dict[str, int]) -> dict[str, int]:
    """Encounters by the furthest stage they reached (every adjudicated state is one stage)."""
    found: dict[str, int] = dict.fromkeys(STAGES, 0)
    for state, count in states.items():
        stage = state if state in found else ("received" if state == "dead_lettered" else "adjudicated")
        if state in ("not_covered", "self_pay"):
            stage = "verified"
        found[stage] += count
    return found


def per_minute(recent: Sequence[Summary], minutes: Sequence[datetime]) -> dict[str, list[int]]:
    counts: dict[str, list[int]] = {stage: [0] * len(minutes) for stage in STAGES}
    first = minutes[0]
    for summary in recent:
        for stage, at in summary.reached.items():
            slot = int((at - first).total_seconds() // 60)
            if 0 <= slot < len(minutes):
                counts[stage][slot] += 1
    return counts
