"""The simulator's real-time eligibility: reads a 270, answers a 271 from the payer roster.

Plays the payer side only; it knows nothing of the eligibility service's code. Members are found
in `payer_roster.json` by id, or match a payer's `member_pattern` (synthetic demo members), of whom
every `inactive_every`-th (by a stable hash) is inactive; anyone else gets AAA 75.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from shared.x12.segments import format_amount, isa_segment, join_segments, tokenize

ROSTER_PATH = Path(__file__).with_name("payer_roster.json")
SENDER_ID = "SIMCLEARING"


@dataclass(frozen=True)
class Asked:
    sender_id: str
    payer_id: str
    provider_npi: str
    provider_name: str
    member_id: str
    subscriber: tuple[str, str]
    dependent: tuple[str, str] | None
    trace: str
    day: date


def read_270(x12: str) -> Asked:
    segments, _ = tokenize(x12)
    by_tag: dict[str, list[tuple[str, ...]]] = {}
    for segment in segments:
        by_tag.setdefault(segment.tag, []).append(segment.elements)
    if not by_tag.get("ST") or by_tag["ST"][0][0] != "270":
        raise ValueError("not a 270 inquiry")
    names = {e[0]: e for e in by_tag.get("NM1", [])}
    dates = [e for e in by_tag.get("DTP", []) if e[0] == "291"]
    return Asked(
        sender_id=by_tag["ISA"][0][5].strip(),
        payer_id=names["PR"][8],
        provider_npi=names["1P"][8],
        provider_name=names["1P"][2],
        member_id=names["IL"][8],
        subscriber=(names["IL"][2], names["IL"][3] if len(names["IL"]) > 3 else ""),
        dependent=(names["03"][2], names["03"][3]) if "03" in names else None,
        trace=by_tag["TRN"][0][1],
        day=datetime.strptime(dates[0][2], "%Y%m%d").date() if dates else date.today(),
    )


class Roster:
    def __init__(self, data: dict[str, Any]) -> None:
        self.payers, self.plans, self.members = data["payers"], data["plans"], data["members"]

    @classmethod
    def load(cls, path: Path = ROSTER_PATH) -> Roster:
        return cls(json.loads(path.read_text()))

    def behaviour(self, payer_id: str) -> str:
        return str(self.payers.get(payer_id, {}).get("behaviour", "answer"))

    def member(self, payer_id: str, member_id: str) -> dict[str, Any] | None:
        if member_id in self.members:
            return dict(self.members[member_id])
        payer = self.payers.get(payer_id)
        if payer is None or not re.match(payer["member_pattern"], member_id):
            return None
        every = payer["inactive_every"]
        bucket = int(hashlib.sha1(member_id.encode()).hexdigest(), 16) % every if every else 1
        return {"plan": payer["default_plan"], "status": "inactive" if bucket == 0 else "active"}


def answer_270(x12: str, roster: Roster, control_number: int, now: datetime | None = None) -> str:
    asked = read_270(x12)
    now = now or datetime.now(UTC)
    member = roster.member(asked.payer_id, asked.member_id)
    payer_name = roster.payers.get(asked.payer_id, {}).get("name", asked.payer_id)
    if roster.behaviour(asked.payer_id) == "busy":
        body = header(asked, payer_name, now) + [["AAA", "Y", "", "42", "R"]]
    elif member is None:
        body = header(asked, payer_name, now) + subscriber(asked, ["AAA", "Y", "", "75", "C"])
    else:
        body = header(asked, payer_name, now) + subscriber(asked) + benefits(asked, member, roster)
    return envelope(asked, body, control_number, now)


def header(asked: Asked, payer_name: str, now: datetime) -> list[list[str]]:
    return [
        ["ST", "271", "0001", "005010X279A1"],
        ["BHT", "0022", "11", asked.trace, now.strftime("%Y%m%d"), now.strftime("%H%M")],
        ["HL", "1", "", "20", "1"],
        ["NM1", "PR", "2", payer_name, "", "", "", "", "PI", asked.payer_id],
        ["HL", "2", "1", "21", "1"],
        ["NM1", "1P", "2", asked.provider_name, "", "", "", "", "XX", asked.provider_npi],
    ]


def subscriber(asked: Asked, *extra: list[str]) -> list[list[str]]:
    last, first = asked.subscriber
    child = "1" if asked.dependent and not extra else "0"
    segments = [["HL", "3", "2", "22", child], ["TRN", "2", asked.trace, "9SIMCLEAR0"]]
    segments += [["NM1", "IL", "1", last, first, "", "", "", "MI", asked.member_id], *extra]
    if asked.dependent and not extra:
        segments += [["HL", "4", "3", "23", "0"], ["TRN", "2", asked.trace, "9SIMCLEAR0"]]
        segments += [["NM1", "03", "1", *asked.dependent]]
    return segments


def benefits(asked: Asked, member: dict[str, Any], roster: Roster) -> list[list[str]]:
    plan = roster.plans[member["plan"]]
    year = asked.day.year
    end = date.fromisoformat(member["plan_end"]) if member.get("plan_end") else date(year, 12, 31)
    active = member["status"] == "active" and asked.day <= end
    begin = min(date(year, 1, 1), end)
    segments = [
        ["DTP", "291", "RD8", f"{begin:%Y%m%d}-{end:%Y%m%d}"],
        ["EB", "1" if active else "6", "IND", "30", "", plan["name"]],
    ]
    return segments + (plan_benefits(plan, asked.member_id) if active else [])


def plan_benefits(plan: dict[str, Any], member_id: str) -> list[list[str]]:
    segments: list[list[str]] = []
    for pos, covered in plan["telehealth"].items():
        segments += [["EB", "1" if covered else "I", "IND", "98", "", "", "27"], ["III", "ZZ", pos]]
    segments += [["EB", "1" if plan["audio_only"] else "I", "IND", "98", *[""] * 9, "HC:99213:93"]]
    if plan["copay_cents"] is not None:
        segments += [eb("B", "98", "27", amount=plan["copay_cents"], network="Y")]
    if plan["out_of_network_copay_cents"] is not None:
        segments += [eb("B", "98", "27", amount=plan["out_of_network_copay_cents"], network="N")]
    if plan["coinsurance_percent"]:
        segments += [eb("A", "98", "27", percent=str(int(plan["coinsurance_percent"]) / 100), network="Y")]
    if plan["deductible_cents"]:
        met = int(hashlib.sha1(member_id.encode()).hexdigest(), 16) % (plan["deductible_cents"] // 100 + 1) * 100
        segments += [eb("C", "30", "23", amount=plan["deductible_cents"], network="Y")]
        segments += [eb("C", "30", "29", amount=plan["deductible_cents"] - met, network="Y")]
    return segments


def eb(
    info: str, service_type: str, period: str, amount: int | None = None, percent: str = "", network: str = ""
) -> list[str]:
    money = format_amount(amount) if amount is not None else ""
    return ["EB", info, "IND", service_type, "", "", period, money, percent, "", "", "", network]


def envelope(asked: Asked, body: list[list[str]], control_number: int, now: datetime) -> str:
    segments = [
        isa_segment(SENDER_ID, asked.sender_id, control_number, now.strftime("%y%m%d"), now.strftime("%H%M"), "T"),
        [
            "GS",
            "HB",
            SENDER_ID,
            asked.sender_id,
            now.strftime("%Y%m%d"),
            now.strftime("%H%M"),
            str(control_number),
            "X",
            "005010X279A1",
        ],
        *body,
        ["SE", str(len(body) + 1), "0001"],
        ["GE", "1", str(control_number)],
        ["IEA", "1", f"{control_number:09d}"],
    ]
    return join_segments(segments, newline="\n")
