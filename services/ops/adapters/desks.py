"""The owners' worklist APIs, read over HTTP: the items only the owning service knows (coverage waiting
for a person, coding holds, scrubber and clearinghouse rejections, 835s that did not post). Only the
key, the age and the reason are kept; an owner's record can carry diagnoses, which ops never shows.
An owner that does not answer is reported as such, never as an empty worklist."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from services.ops.domain.worklist import KINDS, OWNER_LISTED, Item

SINCE_FIELDS = ("since", "held_at", "parked_at", "recorded_at", "posted_at")
KEY_FIELDS = ("encounter_key", "key", "correlation_id", "_id")
LIMIT = 1000  # the owners' largest page


def detail_of(kind: str, doc: dict[str, Any]) -> str:
    if kind == "coding_hold":
        return "; ".join(str(hold.get("reason", "")) for hold in doc.get("holds", []))  # reasons, not messages
    if kind == "era_unmatched":
        return f"payment of {doc.get('paid_cents', 0)} cents for a claim this pipeline did not submit"
    if kind == "era_file":
        return f"{doc.get('file_name', '835')}: {doc.get('outcome', '')}: " + "; ".join(doc.get("problems", []))[:300]
    problems = doc.get("problems") or ([doc["reason"]] if doc.get("reason") else [])
    return "; ".join(str(problem) for problem in problems)[:300]


def parsed_time(value: Any) -> datetime:
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def item_of(kind: str, doc: dict[str, Any]) -> Item:
    key = next(str(doc[name]) for name in KEY_FIELDS if doc.get(name))
    since = next((doc[name] for name in SINCE_FIELDS if doc.get(name)), None)
    return Item(kind, key, parsed_time(since), detail_of(kind, doc), KINDS[kind].next_action)


def entries(kind: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Each owner names its list after what it holds (`holds`, `claims`, `waiting`, ...)."""
    lists = [value for name, value in body.items() if name != "count" and isinstance(value, list)]
    if len(lists) != 1:
        raise ValueError(f"{kind}: the owner's answer has no single list of entries")
    return lists[0]


class OwnerDesks:
    """`base_url(api)` gives an owner API's base URL (from the settings)."""

    def __init__(
        self,
        base_url: Callable[[str], str],
        token: str,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url, self.token, self.timeout, self.transport = base_url, token, timeout, transport

    async def items(self) -> tuple[list[Item], dict[str, str]]:
        """Every owner's items, and for each kind whose owner did not answer, why."""
        headers = {"Authorization": f"Bearer {self.token}", "X-Telebill-Purpose": "operations: ops worklist"}
        async with httpx.AsyncClient(timeout=self.timeout, headers=headers, transport=self.transport) as client:
            answers = await asyncio.gather(
                *(self.listed(client, kind) for kind in OWNER_LISTED), return_exceptions=True
            )
        found: list[Item] = []
        unavailable: dict[str, str] = {}
        for kind, answer in zip(OWNER_LISTED, answers, strict=True):
            if isinstance(answer, BaseException):
                unavailable[kind] = f"{KINDS[kind].api} did not answer: {type(answer).__name__}"
            else:
                found.extend(answer)
        return found, unavailable

    async def listed(self, client: httpx.AsyncClient, kind: str) -> list[Item]:
        path = KINDS[kind].list_path
        separator = "&" if "?" in path else "?"
        response = await client.get(f"{self.base_url(KINDS[kind].api)}{path}{separator}limit={LIMIT}")
        response.raise_for_status()
        return [item_of(kind, doc) for doc in entries(kind, response.json())]
