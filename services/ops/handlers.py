"""Use cases of the ops read model: project a consumed batch of facts onto the encounters' trails;
answer the ops API (search, trail, worklist, money, aging, KPIs, pipeline flow)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from services.ops.domain.facts import Keyed
from services.ops.domain.kpis import Kpis, kpis
from services.ops.domain.money import aging, money_by
from services.ops.domain.summary import Search, Summary, summarize
from services.ops.domain.trail import STAGES, Trail, project
from services.ops.domain.worklist import Item, denials_by_category, depths, oldest_first, read_model_items

SERVICE = "ops"


class TrailStore(Protocol):
    async def trails(self, correlation_ids: Sequence[str]) -> dict[str, Trail]:
        """The stored trails of these encounters (the ones that have any)."""

    async def save(self, trails: Sequence[Trail]) -> None:
        """Store each trail whole, by its correlation id."""

    async def create(self, trails: Sequence[Trail]) -> None:
        """Store trails the store did not have when read (cheaper than `save` where that matters)."""


class ProjectFacts:
    """One read and one write per flush. Every topic's agent shares the one instance of a process, and
    flushes run one at a time, so no two agents read and rewrite a trail at once. The batches that
    arrive while a flush runs are projected together by the next one (a group commit): an encounter's
    events on several topics mostly arrive together, and then cost one rewrite of its trail, not one
    per topic. A combined flush that fails is retried batch by batch, so one agent's bad record never
    fails another agent's batch."""

    def __init__(self, store: TrailStore) -> None:
        self.store = store
        self.lock = asyncio.Lock()
        self.pending: list[tuple[Sequence[Keyed], asyncio.Future[None]]] = []

    async def __call__(self, keyed: Sequence[Keyed]) -> None:
        if not keyed:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending.append((keyed, done))
        async with self.lock:
            if self.pending:
                waiting, self.pending = self.pending, []
                await self.flush(waiting)
        await done

    async def flush(self, waiting: list[tuple[Sequence[Keyed], asyncio.Future[None]]]) -> None:
        try:
            await self.project([item for keyed, _ in waiting for item in keyed])
        except Exception as error:  # noqa: BLE001 - told to each waiting batch below
            if len(waiting) == 1:
                waiting[0][1].set_exception(error)
                return
            for keyed, done in waiting:
                await self.flush([(keyed, done)])
            return
        for _, done in waiting:
            done.set_result(None)

    async def project(self, keyed: Sequence[Keyed]) -> None:
        stored = await self.store.trails(list(dict.fromkeys(key for key, _, _ in keyed)))
        updated = project(stored, keyed)
        await self.store.create([trail for key, trail in updated.items() if key not in stored])
        await self.store.save([trail for key, trail in updated.items() if key in stored and trail != stored[key]])


class ReadModel(Protocol):
    async def trail(self, key: str) -> Trail | None: ...
    async def search(self, search: Search, skip: int, limit: int) -> tuple[list[Summary], int]: ...
    async def summaries(self, search: Search) -> list[Summary]: ...
    async def outstanding(self) -> list[Summary]: ...
    async def needing_attention(self) -> list[Summary]: ...
    async def changed_since(self, moment: datetime) -> list[Summary]: ...
    async def state_counts(self) -> dict[str, int]: ...


class Desks(Protocol):
    async def items(self) -> tuple[list[Item], dict[str, str]]:
        """Every owner's worklist items, and the kinds whose owner did not answer (with why)."""


class Broker(Protocol):
    async def lag(self) -> dict[tuple[str, str], int]:
        """Records each consumer group has not committed yet, by (group, topic)."""

    async def dead_letters(self) -> dict[str, int]:
        """Records ever written to each dead-letter topic."""


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


class OpsQueries:
    """What the ops API and the business gauges answer, read from the read model, the owners'
    worklist APIs and the broker; it changes nothing anywhere."""

    def __init__(self, store: ReadModel, desks: Desks, broker: Broker, clock: Callable[[], datetime]) -> None:
        self.store, self.desks, self.broker, self.clock = store, desks, broker, clock

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
