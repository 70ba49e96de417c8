"""`telebill reconcile`: follow every encounter ingest accepted a while ago through the stages and
find the ones stranded between two of them (known and not final at one, unknown at the next);
optionally ask the earlier stage to re-send their events, and re-drive parked 835 claims.

The planning and classification are pure functions over the services' answers; `OpsApis` makes
the HTTP calls and `run` ties them to the console."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from deploy.ops.client import api_headers
from shared.settings import Settings

STAGES = ("eligibility", "coding", "claims", "remittance")
BATCH = 500  # the stage endpoints' limit per request
SHOWN = 20
# Remittance cannot tell by `_id` whether a claim was paid; claims learns each posting from
# `payment-posted`, so a claim in one of these states was posted.
POSTED = {"paid", "partially_paid", "denied", "reversed"}
Answers = dict[str, dict[str, Any]]  # key -> {"key", "known", "state", "final", ...}


@dataclass(frozen=True)
class Verdict:
    """kind: final (at `stage`, with `state`), waiting_payer, posted, or stranded (from `after`)."""

    key: str
    kind: str
    stage: str
    state: str = ""
    after: str = ""


def parse_age(text: str) -> timedelta:
    found = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text)
    if not found:
        raise ValueError(f"not an age: {text!r} (say 90s, 10m, 2h or 1d)")
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[found[2]]
    return timedelta(**{unit: int(found[1])})


def passing(answers: Answers) -> list[str]:
    """Keys a stage knows and did not stop: the next stage should know them."""
    return [key for key, answer in answers.items() if answer["known"] and not answer["final"]]


def for_remittance(claims: Answers) -> list[str]:
    return [key for key in passing(claims) if claims[key]["state"] not in POSTED]


def verdict(key: str, answers: dict[str, Answers]) -> Verdict:
    """Follow one key through the stages' answers until it stops somewhere."""
    before = "ingest"
    for stage in STAGES:
        answer = answers.get(stage, {}).get(key)
        if answer is None or not answer["known"]:
            return Verdict(key, "stranded", stage, after=before)
        if answer["final"]:
            return Verdict(key, "final", stage, answer["state"])
        if stage == "claims" and answer["state"] in POSTED:
            return Verdict(key, "posted", stage, answer["state"])
        before = stage
    return Verdict(key, "waiting_payer", "remittance", answers["remittance"][key]["state"])


def classify(keys: Sequence[str], answers: dict[str, Answers]) -> list[Verdict]:
    return [verdict(key, answers) for key in keys]


def summary(verdicts: Iterable[Verdict]) -> Counter[str]:
    """Counts by outcome: `final at coding: held`, `stranded claims → remittance`, `posted`…"""
    return Counter(label(v) for v in verdicts)


def label(v: Verdict) -> str:
    if v.kind == "final":
        return f"final at {v.stage}: {v.state}"
    if v.kind == "stranded":
        return f"STRANDED {v.after} → {v.stage}"
    return {"posted": "posted", "waiting_payer": "waiting for the payer"}[v.kind]


def stranded(verdicts: Iterable[Verdict]) -> list[Verdict]:
    return [v for v in verdicts if v.kind == "stranded"]


def redrive_plan(verdicts: Iterable[Verdict]) -> dict[str, list[str]]:
    """Stranded keys by the stage that should re-send their events (ingest keeps no events)."""
    plan: dict[str, list[str]] = {}
    for v in stranded(verdicts):
        if v.after in STAGES:
            plan.setdefault(v.after, []).append(v.key)
    return plan


def unredrivable(verdicts: Iterable[Verdict]) -> list[Verdict]:
    return [v for v in stranded(verdicts) if v.after not in STAGES]


def exit_code(verdicts: Sequence[Verdict], redriven: bool) -> int:
    """0 when nothing is stranded, or every stranded key was re-sent; 1 otherwise."""
    if not stranded(verdicts):
        return 0
    return 0 if redriven and not unredrivable(verdicts) else 1


def batches(items: Sequence[str], size: int = BATCH) -> list[Sequence[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


@dataclass
class OpsApis:
    """The ops APIs over HTTP with the operators' bearer token."""

    settings: Settings
    timeout: float = 30
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        headers = api_headers(self.settings, "operations: telebill reconcile")
        self.client = httpx.Client(headers=headers, timeout=self.timeout)

    def url(self, service: str, path: str) -> str:
        port = {
            "ingest": self.settings.ingest_port,
            "coding": self.settings.coding_api_port,
            "eligibility": self.settings.eligibility_api_port,
            "claims": self.settings.claims_api_port,
            "remittance": self.settings.remittance_api_port,
        }[service]
        return f"http://{self.settings.ingest_host}:{port}{path}"

    def call(self, method: str, service: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, self.url(service, path), **kwargs)
        response.raise_for_status()
        return response.json()

    def accepted_before(self, before: datetime, limit: int) -> list[str]:
        params = {"before": before.isoformat(), "limit": limit}
        return list(self.call("GET", "ingest", "/v1/accepted", params=params)["keys"])

    def ask(self, stage: str, keys: Sequence[str], extra: dict[str, Any] | None = None) -> Answers:
        answers: Answers = {}
        for batch in batches(keys):
            body = {"keys": list(batch)} | (extra or {})
            answers |= {a["key"]: a for a in self.call("POST", stage, "/v1/reconcile", json=body)["keys"]}
        return answers

    def redrive(self, stage: str, keys: Sequence[str]) -> int:
        return sum(
            int(self.call("POST", stage, "/v1/reconcile", json={"keys": list(b), "redrive": True})["redriven"])
            for b in batches(keys)
        )

    def parked_pcns(self) -> list[str]:
        parked = self.call("GET", "remittance", "/v1/reconcile/parked", params={"limit": 5000})["parked"]
        return list(dict.fromkeys(entry["patient_control_number"] for entry in parked))

    def claims_for_pcns(self, pcns: Sequence[str], redrive: bool) -> tuple[int, int]:
        """How many of the PCNs are claims here, and how many events were re-sent for them."""
        known = resent = 0
        for batch in batches(pcns):
            answer = self.call("POST", "claims", "/v1/reconcile/pcns", json={"pcns": list(batch), "redrive": redrive})
            known += sum(1 for entry in answer["pcns"] if entry["known"])
            resent += int(answer["redriven"])
        return known, resent


def follow(apis: OpsApis, keys: list[str]) -> dict[str, Answers]:
    """Ask each stage about the keys that passed the one before it."""
    answers = {"eligibility": apis.ask("eligibility", keys)}
    answers["coding"] = apis.ask("coding", passing(answers["eligibility"]))
    answers["claims"] = apis.ask("claims", passing(answers["coding"]))
    waiting = for_remittance(answers["claims"])
    pcns = {key: answers["claims"][key]["pcn"] for key in waiting if answers["claims"][key].get("pcn")}
    answers["remittance"] = apis.ask("remittance", waiting, {"pcns": pcns}) if waiting else {}
    return answers


def report(verdicts: list[Verdict], console: Console) -> None:
    table = Table(title=f"{len(verdicts)} encounter(s) accepted before the cut-off")
    table.add_column("where")
    table.add_column("count", justify="right")
    for where, count in sorted(summary(verdicts).items()):
        table.add_row(f"[red]{where}[/red]" if where.startswith("STRANDED") else where, str(count))
    console.print(table)
    lost = stranded(verdicts)
    if lost:
        shown = Table(title=f"stranded (first {min(SHOWN, len(lost))} of {len(lost)})")
        shown.add_column("key")
        shown.add_column("between")
        for v in lost[:SHOWN]:
            shown.add_row(v.key, f"{v.after} → {v.stage}")
        console.print(shown)


def redrive_stranded(apis: OpsApis, verdicts: list[Verdict], console: Console) -> None:
    for stage, keys in redrive_plan(verdicts).items():
        console.print(f"re-drove {len(keys)} key(s) from {stage}: {apis.redrive(stage, keys)} event(s) re-sent")
    for v in unredrivable(verdicts)[:SHOWN]:
        console.print(f"[yellow]{v.key}: not re-drivable (ingest keeps no events): send it again[/yellow]")


def redrive_parked(apis: OpsApis, redrive: bool, console: Console) -> None:
    pcns = apis.parked_pcns()
    if not pcns:
        return
    known, resent = apis.claims_for_pcns(pcns, redrive)
    console.print(f"parked 835 claims: {len(pcns)}, {known} with a claim here; {resent} claim-submitted re-sent")


def run(settings: Settings, older_than: timedelta, redrive: bool, limit: int, now: datetime, console: Console) -> int:
    apis = OpsApis(settings)
    try:
        keys = apis.accepted_before(now - older_than, limit)
        verdicts = classify(keys, follow(apis, keys))
        report(verdicts, console)
        if redrive:
            redrive_stranded(apis, verdicts, console)
        redrive_parked(apis, redrive, console)
    except httpx.HTTPError as error:
        console.print(f"[red]reconcile: the stack did not answer ({type(error).__name__}: {error})[/red]")
        return 1
    finally:
        apis.client.close()
    return exit_code(verdicts, redrive)
