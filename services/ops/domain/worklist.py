"""The one cross-service worklist: every item that needs a person, with the service that owns it, its
age, the next action and the owner's endpoint that takes it. Items the topics show (denials,
underpayments, dead letters) come from the read model; items only an owner knows (coverage checks
waiting for a person, coding holds, scrubber and clearinghouse rejections, 835s that did not post)
come from the owner's own worklist API."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from services.ops.domain.summary import Summary


@dataclass(frozen=True)
class Kind:
    owner: str  # the service that owns the item and takes the action
    api: str  # the owner's API program (its port is in the settings)
    list_path: str  # the owner's worklist, or "" when the read model has the items
    action: str  # method and path of the action; {key} is the item's key
    next_action: str


# What each kind of item is and who acts on it. Denials carry remittance's own recommended action.
KINDS: dict[str, Kind] = {
    "coverage_manual": Kind(
        "eligibility", "eligibility-api", "/v1/waiting?kind=manual",
        "POST /v1/encounters/{key}/phone-verifications", "Verify coverage with the payer by phone and record it.",
    ),
    "coding_hold": Kind(
        "coding", "coding-api", "/v1/holds",
        "POST /v1/holds/{key}/resolution", "A coder chooses the codes the rules could not.",
    ),
    "scrubber_reject": Kind(
        "claims", "claims-api", "/v1/claims?status=scrub_rejected",
        "POST /v1/claims/{key}/replacement", "Fix what the scrubber found and send the corrected claim.",
    ),
    "clearinghouse_reject": Kind(
        "claims", "claims-api", "/v1/claims?status=rejected",
        "POST /v1/claims/{key}/replacement", "Correct what the 999/277CA rejected and resubmit.",
    ),
    "denial": Kind(
        "remittance", "remittance-api", "",
        "GET /v1/denials/{key}/appeal-packet", "Work the denial (its category's action).",
    ),
    "underpayment": Kind(
        "remittance", "remittance-api", "",
        "GET /v1/worklists/underpayments", "Compare with the contracted fee and appeal the difference.",
    ),
    "era_unmatched": Kind(
        "remittance", "remittance-api", "/v1/worklists/unmatched",
        "POST /v1/reconcile", "Match the payment to its claim (reconcile) or return it.",
    ),
    "era_file": Kind(
        "remittance", "remittance-api", "/v1/worklists/files",
        "POST /v1/eras", "Get a corrected 835 from the payer and upload it.",
    ),
    "dead_letter": Kind(
        "(the service that rejected it)", "", "",
        "telebill dlq replay", "Read the reason (telebill dlq show), fix the cause, replay the record.",
    ),
}  # fmt: skip
OWNER_LISTED = [kind for kind, found in KINDS.items() if found.list_path]


@dataclass(frozen=True)
class Item:
    kind: str
    key: str  # the encounter key, or the owner's own id (an 835 file) when no encounter is known
    since: datetime
    detail: str  # what is wrong, in the owner's words: codes and reasons, never patient data
    next_action: str = ""

    @property
    def owner(self) -> str:
        return KINDS[self.kind].owner

    def action(self) -> str:
        return KINDS[self.kind].action.replace("{key}", self.action_key)

    @property
    def action_key(self) -> str:
        return self.key

    def age_hours(self, now: datetime) -> float:
        return round(max((now - self.since).total_seconds(), 0.0) / 3600, 2)


@dataclass(frozen=True)
class DeadLetterItem(Item):
    service: str = ""  # the service that dead-lettered the record owns it

    @property
    def owner(self) -> str:
        return self.service


@dataclass(frozen=True)
class DenialItem(Item):
    posting_key: str = ""  # the appeal packet is per posting
    categories: tuple[str, ...] = ()

    @property
    def action_key(self) -> str:
        return self.posting_key


def read_model_items(summaries: Iterable[Summary]) -> list[Item]:
    """The items the topics show: a claim denied (until a later remittance pays it), an underpayment
    in the latest remittance, and a record dead-lettered before the encounter got through."""
    found: list[Item] = []
    for s in summaries:
        since = s.last_at or s.visit_end
        if since is None:
            continue
        if s.state == "denied":
            detail = "denied: " + ", ".join(s.denial_categories or ("uncategorised",))
            actions = " ".join(s.next_actions)
            found.append(
                DenialItem("denial", s.key, since, detail, actions, s.last_posting_key or "", s.denial_categories)
            )
        elif s.underpaid:
            found.append(
                Item("underpayment", s.key, since, "paid below the contracted fee", KINDS["underpayment"].next_action)
            )
        if s.state == "dead_lettered" and s.letter is not None:
            letter = s.letter
            detail = f"{letter.topic} record rejected by {letter.service}: {letter.reason}"
            found.append(
                DeadLetterItem(
                    "dead_letter", s.key, letter.at, detail, KINDS["dead_letter"].next_action, letter.service
                )
            )
    return found


def depths(items: Iterable[Item]) -> dict[str, int]:
    """Items by kind, every kind named (an empty worklist is a zero, not a missing line)."""
    counted = Counter(item.kind for item in items)
    return {kind: counted.get(kind, 0) for kind in KINDS}


def denials_by_category(items: Iterable[Item]) -> dict[str, int]:
    """Open denials by category (a claim denied for two reasons counts in both)."""
    counted = Counter(c for item in items if isinstance(item, DenialItem) for c in item.categories or ("other",))
    return dict(sorted(counted.items()))


def oldest_first(items: Iterable[Item]) -> list[Item]:
    return sorted(items, key=lambda item: (item.since, item.kind, item.key))
