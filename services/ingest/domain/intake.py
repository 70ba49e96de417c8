"""Checking what a platform sends before it enters the pipeline. Pure."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from shared.contracts.encounter import EncounterCompleted

SIGNATURE_PREFIX = "sha256="


def sign(body: bytes, secret: str) -> str:
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, header: str | None, secret: str | None) -> bool:
    if not header or not secret or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(sign(body, secret), header)


@dataclass(frozen=True)
class Problem:
    index: int | None
    location: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "loc": self.location, "msg": self.message}


def parse_body(body: bytes) -> tuple[list[Any], bool] | Problem:
    """The items of the body and whether it was a batch (a JSON array)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        return Problem(None, "(body)", f"not valid JSON: {error}")
    if isinstance(data, list):
        return data, True
    return [data], False


def validate_items(items: list[Any]) -> tuple[list[EncounterCompleted], list[Problem]]:
    valid, problems = [], []
    for index, item in enumerate(items):
        try:
            valid.append(EncounterCompleted.model_validate(item))
        except ValidationError as error:
            problems += [
                Problem(index, ".".join(str(p) for p in e["loc"]) or "(root)", e["msg"]) for e in error.errors()
            ]
    return valid, problems


def claimed_source(items: list[Any]) -> str | None:
    """The source the signature must belong to: every item must name the same one."""
    sources = {item.get("source") for item in items if isinstance(item, dict)}
    return sources.pop() if len(sources) == 1 else None
